/**
 * W1 spawn: create 100,000 tasks that return at once, wait for all (tasks/s).
 *
 * @module
 */

import { run as effectionRun, spawn as effectionSpawn, type Task as EffectionTask } from "effection";
import { floorRun, type FloorTask } from "../_floor.ts";
import { createTask, gather, run, type Task } from "../_spindle.ts";
import type { RateWorkload } from "../_workload.ts";

const TASKS = 100_000;

// deno-lint-ignore require-yield
function* returnAtOnce(): Generator<never, number, unknown> {
  return 1;
}

export const workload: RateWorkload = {
  kind: "rate",
  id: "W1",
  title: "spawn: create 100,000 tasks that return at once, wait for all",
  unit: "tasks/s",
  units: TASKS,
  peers: [
    {
      name: "spindle",
      note: "createTask() each, then gather(tasks)",
      run: () =>
        run(function* () {
          const tasks: Task<number>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = createTask(returnAtOnce());
          yield* gather(tasks);
        }),
    },
    {
      name: "floor",
      note: "spawn each, then join each",
      run: () =>
        floorRun(function* (floor) {
          const tasks: FloorTask<number>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = floor.spawn(returnAtOnce());
          for (let i = 0; i < TASKS; i++) if (!tasks[i]!.done) yield tasks[i];
        }),
    },
    {
      name: "effection",
      note: "spawn() each, then yield* each task",
      run: () =>
        effectionRun(function* () {
          const tasks: EffectionTask<number>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = yield* effectionSpawn(returnAtOnce);
          for (let i = 0; i < TASKS; i++) yield* tasks[i]!;
        }),
    },
    {
      name: "native",
      note: "async functions, Promise.all",
      run: async () => {
        const promises: Promise<number>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) promises[i] = returnAtOnceAsync();
        await Promise.all(promises);
      },
    },
  ],
};

// deno-lint-ignore require-await
async function returnAtOnceAsync(): Promise<number> {
  return 1;
}
