/**
 * The core's timer heap alone, W3's size: 100,000 callback slots each armed
 * at a seeded random deadline in [0, 50) ms, then one tick that fires them
 * all and drains the ring. Compares core.wasm builds side by side in one
 * process (each instantiated once, taken in turn, 35 rounds after 5 warm-up
 * ones; medians): to weigh a change to assembly/timers.ts, build the old
 * core in a git worktree and pass both.
 * `node tests/tools/run_ts.mjs bench/probes/core_timers.ts build/core.wasm [other.wasm]`,
 * `deno run -A bench/probes/core_timers.ts ...`, `bun bench/probes/core_timers.ts ...`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { seededDelays } from "../_runtime.ts";

const N = 100_000;
const KIND_CALLBACK = 2;
/** Status word the core leaves the generation of the slot alloc() took in (host/_core.ts S_ALLOC_GEN). */
const S_ALLOC_GEN = 6;

interface CoreExports {
  memory: WebAssembly.Memory;
  init(shuffle: number, seed: number): void;
  statusPtr(): number;
  alloc(kind: number): number;
  armTimer(index: number, gen: number, deadline: number, pending: number): number;
  tick(now: number, pending: number, max: number): number;
  drainMore(max: number): number;
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error("pass one or more core.wasm files (build/core.wasm after `npm run build`)");
const cores = files.map((file) => {
  const module = new WebAssembly.Module(readFileSync(file));
  const env = {
    abort(): never {
      throw new Error(`${file}: the core aborted`);
    },
  };
  return new WebAssembly.Instance(module, { env }).exports as unknown as CoreExports;
});
const deadlines = seededDelays(N, 50);
const index = new Uint32Array(N);
const gen = new Uint32Array(N);

/** One round on a fresh loop state: ms to arm every timer, ms to fire and drain them all. */
function round(core: CoreExports): [number, number] {
  core.init(0, 0);
  for (let i = 0; i < N; i++) {
    index[i] = core.alloc(KIND_CALLBACK);
    gen[i] = new Uint32Array(core.memory.buffer, core.statusPtr(), 16)[S_ALLOC_GEN]!;
  }
  const start = performance.now();
  for (let i = 0; i < N; i++) core.armTimer(index[i]!, gen[i]!, deadlines[i]!, 0);
  const armed = performance.now();
  let fired = core.tick(1e9, 0, 4096);
  for (let n = fired; n > 0; fired += n) n = core.drainMore(4096);
  const drained = performance.now();
  if (fired !== N) throw new Error(`fired ${fired} timers, armed ${N}`);
  return [armed - start, drained - armed];
}

const samples = cores.map((): [number[], number[]] => [[], []]);
for (let r = 0; r < 40; r++) {
  cores.forEach((core, i) => {
    const [arm, fire] = round(core);
    if (r < 5) return;
    samples[i]![0].push(arm);
    samples[i]![1].push(fire);
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(2);
files.forEach((file, i) => {
  console.log(
    `${file}: arm ${median(samples[i]![0])} ms, fire and drain ${median(samples[i]![1])} ms (per ${N} timers)`,
  );
});
