/**
 * W5 lock: 1,000 tasks each 100×: acquire a `Lock`, `sleep(0)`, release
 * (acquisitions/s).
 *
 * @module
 */

import { Mutex } from "async-mutex";
import { FloorLock, floorRun, type FloorTask, PARK } from "../_floor.ts";
import { createTask, gather, Lock, run, sleep, type Task } from "../_spindle.ts";
import type { RateWorkload } from "../_workload.ts";

const TASKS = 1_000;
const ROUNDS = 100;

export const workload: RateWorkload = {
  kind: "rate",
  id: "W5",
  title: "lock: 1,000 tasks each 100×: acquire a Lock, sleep(0), release",
  unit: "acquisitions/s",
  units: TASKS * ROUNDS,
  peers: [
    {
      name: "spindle",
      note: "yield* lock.acquire(); yield* sleep(0); lock.release()",
      run: () =>
        run(function* () {
          const lock = new Lock();
          function* worker(): Generator<unknown, void, unknown> {
            for (let i = 0; i < ROUNDS; i++) {
              yield* lock.acquire();
              yield* sleep(0);
              lock.release();
            }
          }
          const tasks: Task<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = createTask(worker());
          yield* gather(tasks);
        }),
    },
    {
      name: "floor",
      note: "FIFO hand-off lock, bare yield",
      run: () =>
        floorRun(function* (floor) {
          const lock = new FloorLock(floor);
          function* worker(): Generator<unknown, void, unknown> {
            for (let i = 0; i < ROUNDS; i++) {
              if (!lock.tryAcquire()) yield PARK;
              yield;
              lock.release();
            }
          }
          const tasks: FloorTask<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = floor.spawn(worker());
          for (let i = 0; i < TASKS; i++) if (!tasks[i]!.done) yield tasks[i];
        }),
    },
    {
      name: "async-mutex",
      note: "await mutex.acquire(); await null; release()",
      run: async () => {
        const mutex = new Mutex();
        const worker = async () => {
          for (let i = 0; i < ROUNDS; i++) {
            const release = await mutex.acquire();
            await null;
            release();
          }
        };
        const promises: Promise<void>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) promises[i] = worker();
        await Promise.all(promises);
      },
    },
  ],
};
