/**
 * spindle as the benchmarks see it: the public API (host/mod.ts, nothing
 * internal), which cores can be measured, and the WebAssembly memory its
 * loops use (W3 counts it with the heap).
 *
 * @module
 */

export * from "../host/mod.ts";

// The driver (bench/run.mjs) runs each spindle workload twice: as "spindle"
// on the WebAssembly core and as "spindle-js" with SPINDLE_CORE=js, which
// makes every loop run the JavaScript fallback core.

interface TrackedMemory {
  readonly memory: WebAssembly.Memory;
  readonly initial: number;
}
const memories: TrackedMemory[] = [];
let tracking = false;

/**
 * Records every WebAssembly instance made from now on (each spindle loop
 * makes one for its core), so wasmGrowth() can tell how far its linear
 * memory grew. Heap figures leave linear memory out (see heapUsed), so W3
 * adds it back explicitly.
 */
export function trackWasmMemory(): void {
  if (tracking) return;
  tracking = true;
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget) as WebAssembly.Instance;
      const memory = instance.exports["memory"];
      if (memory instanceof WebAssembly.Memory) memories.push({ memory, initial: memory.buffer.byteLength });
      return instance;
    },
  });
}

/** Bytes the newest tracked instance's memory grew since it was made (0 if none). */
export function wasmGrowth(): number {
  const last = memories[memories.length - 1];
  return last === undefined ? 0 : last.memory.buffer.byteLength - last.initial;
}
