/**
 * What a full GC between runs costs spindle: each workload's spindle run
 * (the bench's own, at BENCH.md's sizes) 12 times back to back, then 12
 * times with a full GC before each, as the bench's samples are taken; the
 * median ms per run of each. Where the GC costs much, V8 had dropped hidden
 * classes and the optimized code that relied on them (host/_shape_keepers.ts):
 * `--trace-deopt` shows "marking dependent code ... reason: weak objects".
 * `NODE_OPTIONS=--expose-gc node tests/tools/run_ts.mjs bench/probes/gc_between_runs.ts [W4 W5 ...]`,
 * `deno run -A --v8-flags=--expose-gc bench/probes/gc_between_runs.ts`,
 * `bun bench/probes/gc_between_runs.ts`.
 *
 * @module
 */

import { gc, runtime } from "../_runtime.ts";
import type { RateWorkload } from "../_workload.ts";
import { workload as w1 } from "../workloads/task_spawn_bench.ts";
import { workload as w2 } from "../workloads/task_switch_bench.ts";
import { workload as w4 } from "../workloads/queue_transfer_bench.ts";
import { workload as w5 } from "../workloads/lock_contended_bench.ts";
import { workload as w6 } from "../workloads/semaphore_limit_bench.ts";
import { workload as w7 } from "../workloads/task_cancel_bench.ts";

const WARM_UP = 5;
const RUNS = 12;
const workloads: RateWorkload[] = [w1, w2, w4, w5, w6, w7];

declare const Deno: { args: string[] } | undefined;
declare const process: { argv: string[] } | undefined;
const args = typeof Deno !== "undefined" ? Deno.args : process!.argv.slice(2);
const chosen = args.length > 0 ? workloads.filter((w) => args.includes(w.id)) : workloads;

if (gc === null) {
  console.log(`${runtime}: no gc() (node --expose-gc, deno --v8-flags=--expose-gc): nothing to compare`);
} else {
  for (const workload of chosen) {
    const run = workload.peers.find((peer) => peer.name === "spindle")!.run;
    for (let i = 0; i < WARM_UP; i++) await run();
    const plain = await medianMs(run, false);
    const collected = await medianMs(run, true);
    console.log(
      `${runtime} ${workload.id}: ${plain.toFixed(1)} ms per run back to back, ${
        collected.toFixed(1)
      } ms with a full GC before each (median of ${RUNS})`,
    );
  }
}

async function medianMs(run: () => Promise<void>, collect: boolean): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (collect) gc!();
    const start = performance.now();
    await run();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return ms[RUNS >> 1]!;
}
