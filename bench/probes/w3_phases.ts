/**
 * Where W3's time goes, phase by phase, for spindle and the floor on the
 * runtime that runs this: making the 100,000 tasks, their first steps (each
 * runs to its sleep, which arms its timer), and the rest (the sleeps, the
 * wake-ups, the ends, the join), then what is left of the run. Medians of
 * 10 runs after 2 warm-up runs, a full GC before each (with --expose-gc on
 * Node and Deno).
 * `node tests/tools/run_ts.mjs bench/probes/w3_phases.ts` (no GC between
 * runs: Node needs `node --expose-gc tests/.out/w3_phases.mjs` after it),
 * `deno run -A --v8-flags=--expose-gc bench/probes/w3_phases.ts`,
 * `bun bench/probes/w3_phases.ts`.
 *
 * @module
 */

import { floorRun, type FloorTask } from "../_floor.ts";
import { gc, runtime, seededDelays } from "../_runtime.ts";
import { createTask, gather, run, sleep, type Task } from "../../host/mod.ts";

const TASKS = 100_000;
const delays = seededDelays(TASKS, 50);

/** ms of each phase: create, first steps, sleeps to the end of the join, what is left of the run. */
type Phases = [number, number, number, number];

async function spindlePhases(): Promise<Phases> {
  let started = 0;
  let made = 0;
  let allStarted = 0;
  let joined = 0;
  function* sleeper(ms: number): Generator<unknown, void, unknown> {
    started++;
    yield* sleep(ms);
  }
  const start = performance.now();
  await run(function* () {
    const tasks: Task<void>[] = new Array(TASKS);
    for (let i = 0; i < TASKS; i++) tasks[i] = createTask(sleeper(delays[i]!));
    made = performance.now();
    while (started < TASKS) yield* sleep(0);
    allStarted = performance.now();
    yield* gather(tasks);
    joined = performance.now();
  });
  return [made - start, allStarted - made, joined - allStarted, performance.now() - joined];
}

async function floorPhases(): Promise<Phases> {
  let started = 0;
  let made = 0;
  let allStarted = 0;
  let joined = 0;
  function* sleeper(ms: number): Generator<unknown, void, unknown> {
    started++;
    yield ms;
  }
  const start = performance.now();
  await floorRun(function* (floor) {
    const tasks: FloorTask<void>[] = new Array(TASKS);
    for (let i = 0; i < TASKS; i++) tasks[i] = floor.spawn(sleeper(delays[i]!));
    made = performance.now();
    while (started < TASKS) yield;
    allStarted = performance.now();
    for (let i = 0; i < TASKS; i++) if (!tasks[i]!.done) yield tasks[i];
    joined = performance.now();
  });
  return [made - start, allStarted - made, joined - allStarted, performance.now() - joined];
}

for (const [name, phases] of [["spindle", spindlePhases], ["floor", floorPhases]] as const) {
  const runs: Phases[] = [];
  for (let i = 0; i < 12; i++) {
    gc?.();
    const p = await phases();
    if (i >= 2) runs.push(p);
  }
  const median = (k: number) => runs.map((r) => r[k]!).sort((a, b) => a - b)[runs.length >> 1]!.toFixed(1);
  console.log(
    `${runtime} ${name}: create ${median(0)} ms, first steps ${median(1)}, ` +
      `sleeps to the join ${median(2)}, the rest ${median(3)}`,
  );
}
