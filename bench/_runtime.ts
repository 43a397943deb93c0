/**
 * What the benchmarks need from the runtime they run on: its name, a full
 * garbage collection, the JavaScript heap in use, and a seeded random
 * source. Only this file looks at which runtime it is.
 *
 * @module
 */

declare const Bun: { gc(sync: boolean): void; version: string } | undefined;
declare const Deno: { memoryUsage(): { heapUsed: number }; version: { deno: string } } | undefined;

/** The runtime this process runs on. */
export const runtime: "node" | "deno" | "bun" = typeof Bun !== "undefined"
  ? "bun"
  : typeof Deno !== "undefined"
  ? "deno"
  : "node";

/** The runtime's version, e.g. "20.20.2". */
export const runtimeVersion: string = runtime === "bun"
  ? Bun!.version
  : runtime === "deno"
  ? Deno!.version.deno
  : process.versions.node;

/**
 * A full, synchronous garbage collection, or null when the runtime was not
 * started with it exposed (node --expose-gc, deno --v8-flags=--expose-gc).
 */
export const gc: (() => void) | null = runtime === "bun"
  ? () => Bun!.gc(true)
  : typeof (globalThis as { gc?: unknown }).gc === "function"
  ? (globalThis as unknown as { gc: () => void }).gc
  : null;

interface JscHeapStats {
  heapSize: number;
  extraMemorySize: number;
}
let jscHeapStats: (() => JscHeapStats) | null = null;
if (runtime === "bun") {
  // A computed specifier keeps bundlers for the other runtimes away from it.
  const specifier = ["bun", "jsc"].join(":");
  jscHeapStats = ((await import(specifier)) as { heapStats: () => JscHeapStats }).heapStats;
}

/**
 * Bytes of JavaScript heap in use. Node and Deno: V8's `heapUsed`. Bun:
 * JavaScriptCore's heap size less its "extra memory" (array buffers and
 * WebAssembly memories, which JSC counts there, twice for a memory), so that
 * on every runtime linear memory is left out and counted separately.
 */
export function heapUsed(): number {
  if (jscHeapStats !== null) {
    const s = jscHeapStats();
    return s.heapSize - s.extraMemorySize;
  }
  if (runtime === "deno") return Deno!.memoryUsage().heapUsed;
  return process.memoryUsage().heapUsed;
}

/** The seed every workload's random delays come from (bench/peers/*.py use it too). */
export const SEED = 0x5eed;

/**
 * mulberry32: a small seeded PRNG with values in [0, 1). The Python peers
 * implement the same function, so every peer sleeps the same delays.
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` delays in [0, max) ms from SEED. */
export function seededDelays(n: number, max: number): Float64Array {
  const random = mulberry32(SEED);
  const delays = new Float64Array(n);
  for (let i = 0; i < n; i++) delays[i] = random() * max;
  return delays;
}
