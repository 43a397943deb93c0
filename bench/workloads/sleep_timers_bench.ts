/**
 * W3 timers: 100,000 tasks each sleep a seeded random delay in [0, 50) ms,
 * wait for all. Figures: the overhead of a run beyond 50 ms, and the heap
 * per sleeping task (weighed in a separate run, once every task sleeps).
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
import { seededDelays } from "../_runtime.ts";
import { createTask, gather, run, sleep, type Task } from "../_spindle.ts";
import type { TimersWorkload } from "../_workload.ts";

const TASKS = 100_000;
const MAX_DELAY = 50;

let cached: Float64Array | null = null;
/** The delays, made once per process (outside any timed run). */
function delays(): Float64Array {
  return cached ??= seededDelays(TASKS, MAX_DELAY);
}

export const workload: TimersWorkload = {
  kind: "timers",
  id: "W3",
  title: "timers: 100,000 tasks each sleep a seeded random delay in [0, 50) ms, wait for all",
  tasks: TASKS,
  maxDelay: MAX_DELAY,
  prepare: delays,
  peers: [
    {
      name: "spindle",
      note: "createTask() each, sleep(ms), gather(tasks)",
      run: (probe) => {
        const ms = delays();
        let started = 0;
        let finished = 0;
        function* sleeper(delay: number): Generator<unknown, void, unknown> {
          started++;
          yield* sleep(delay);
          finished++;
        }
        return run(function* () {
          const tasks: Task<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = createTask(sleeper(ms[i]!));
          if (probe !== null) {
            // FIFO: main runs again after every task's first step, before any woken task resumes.
            while (started < TASKS) yield* sleep(0);
            probe(TASKS - finished);
          }
          yield* gather(tasks);
        });
      },
    },
    {
      name: "floor",
      note: "spawn each, yield ms, join each",
      run: (probe) => {
        const ms = delays();
        let started = 0;
        let finished = 0;
        function* sleeper(delay: number): Generator<unknown, void, unknown> {
          started++;
          yield delay;
          finished++;
        }
        return floorRun(function* (floor) {
          const tasks: FloorTask<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = floor.spawn(sleeper(ms[i]!));
          if (probe !== null) {
            while (started < TASKS) yield;
            probe(TASKS - finished);
          }
          for (let i = 0; i < TASKS; i++) if (!tasks[i]!.done) yield tasks[i];
        });
      },
    },
    {
      name: "effection",
      note: "spawn() each, sleep(ms), yield* each task",
      run: (probe) => {
        const ms = delays();
        let started = 0;
        let finished = 0;
        return effectionRun(function* () {
          const allStarted = effectionWithResolvers<void>();
          const tasks: EffectionTask<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) {
            const delay = ms[i]!;
            tasks[i] = yield* effectionSpawn(function* () {
              if (++started === TASKS) allStarted.resolve();
              yield* effectionSleep(delay);
              finished++;
            });
          }
          if (probe !== null) {
            // Effection starts spawned tasks over many host turns, so early sleepers may be done by now.
            yield* allStarted.operation;
            probe(TASKS - finished);
          }
          for (let i = 0; i < TASKS; i++) yield* tasks[i]!;
        });
      },
    },
    {
      name: "native",
      note: "async functions awaiting a setTimeout promise, Promise.all",
      run: async (probe) => {
        const ms = delays();
        let finished = 0;
        const promises: Promise<void>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) {
          const delay = ms[i]!;
          promises[i] = (async () => {
            await new Promise<void>((resolve) => setTimeout(resolve, delay));
            finished++;
          })();
        }
        // Every async function has run to its first await: all are sleeping.
        probe?.(TASKS - finished);
        await Promise.all(promises);
      },
    },
  ],
};
