/**
 * W2's shape run() after run(), with a full GC between runs as the bench's
 * samples have: ms per run. Each run's main is a new generator function, as
 * in the workloads. Before the last closed loop was kept alive (loop.ts,
 * close()), Deno went from about 55 to about 95 ms per run after the fifth
 * (try it by deleting that line).
 * `deno run -A --v8-flags=--expose-gc bench/probes/loop_reuse.ts`,
 * `NODE_OPTIONS=--expose-gc node tests/tools/run_ts.mjs bench/probes/loop_reuse.ts`,
 * `bun bench/probes/loop_reuse.ts`.
 *
 * @module
 */

import { createTask, gather, run, sleep, type Task } from "../../host/mod.ts";
import { runtime } from "../_runtime.ts";

const TASKS = 1_000;
const YIELDS = 1_000;
const RUNS = 14;

function* switcher(): Generator<unknown, void, unknown> {
  for (let i = 0; i < YIELDS; i++) yield* sleep(0);
}

declare const Bun: { gc(force: boolean): void } | undefined;
const gc = (globalThis as { gc?: () => void }).gc ?? (typeof Bun !== "undefined" ? () => Bun!.gc(true) : undefined);
const ms: string[] = [];
for (let r = 0; r < RUNS; r++) {
  gc?.();
  const start = performance.now();
  await run(function* () {
    const tasks: Task<void>[] = new Array(TASKS);
    for (let i = 0; i < TASKS; i++) tasks[i] = createTask(switcher());
    yield* gather(tasks);
  });
  ms.push((performance.now() - start).toFixed(0));
}
console.log(`${runtime}${gc ? " (gc between runs)" : " (no gc: run with --expose-gc)"}: ms per run: ${ms.join(" ")}`);
