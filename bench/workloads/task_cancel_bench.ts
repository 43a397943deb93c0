/**
 * W7 cancel: 100,000 tasks sleeping 10 s, cancel all, wait until all
 * finished (cancellations/s, over the whole run: create, start the sleeps,
 * cancel, wait).
 *
 * @module
 */

import {
  run as effectionRun,
  sleep as effectionSleep,
  spawn as effectionSpawn,
  type Task as EffectionTask,
  withResolvers as effectionWithResolvers,
} from "effection";
import { floorRun, type FloorTask } from "../_floor.ts";
import { createTask, gather, run, sleep, type Task } from "../_spindle.ts";
import type { RateWorkload } from "../_workload.ts";

const TASKS = 100_000;
const SLEEP_MS = 10_000;

function* spindleSleeper(): Generator<unknown, void, unknown> {
  yield* sleep(SLEEP_MS);
}

function* floorSleeper(): Generator<unknown, void, unknown> {
  yield SLEEP_MS;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

export const workload: RateWorkload = {
  kind: "rate",
  id: "W7",
  title: "cancel: 100,000 tasks sleeping 10 s, cancel all, wait until all finished",
  unit: "cancellations/s",
  units: TASKS,
  peers: [
    {
      name: "spindle",
      note: "task.cancel() each, gather(tasks, { returnExceptions: true })",
      run: () =>
        run(function* () {
          const tasks: Task<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = createTask(spindleSleeper());
          yield* sleep(0); // every task has started its sleep
          for (let i = 0; i < TASKS; i++) tasks[i]!.cancel();
          yield* gather(tasks, { returnExceptions: true });
        }),
    },
    {
      name: "floor",
      note: "cancel() each (throws into the generator), join each",
      run: () =>
        floorRun(function* (floor) {
          const tasks: FloorTask<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = floor.spawn(floorSleeper());
          yield;
          for (let i = 0; i < TASKS; i++) tasks[i]!.cancel();
          for (let i = 0; i < TASKS; i++) if (!tasks[i]!.done) yield tasks[i];
        }),
    },
    {
      name: "effection",
      note: "yield* task.halt() for each (halt() is lazy, so halts run one after another)",
      run: () =>
        effectionRun(function* () {
          let started = 0;
          const allStarted = effectionWithResolvers<void>();
          const tasks: EffectionTask<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) {
            tasks[i] = yield* effectionSpawn(function* () {
              if (++started === TASKS) allStarted.resolve();
              yield* effectionSleep(SLEEP_MS);
            });
          }
          yield* allStarted.operation;
          for (let i = 0; i < TASKS; i++) yield* tasks[i]!.halt();
        }),
    },
    {
      name: "native",
      note: "an AbortController per task, abort() each, Promise.allSettled",
      run: async () => {
        const controllers: AbortController[] = new Array(TASKS);
        const promises: Promise<void>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) {
          const controller = new AbortController();
          controllers[i] = controller;
          promises[i] = (async () => {
            await abortableSleep(SLEEP_MS, controller.signal);
          })();
        }
        for (let i = 0; i < TASKS; i++) controllers[i]!.abort();
        await Promise.allSettled(promises);
      },
    },
  ],
};
