/**
 * W6 limit: 100,000 jobs through a `Semaphore(64)`, each yields once
 * (jobs/s).
 *
 * @module
 */

import pLimit from "p-limit";
import PQueue from "p-queue";
import { floorRun, FloorSemaphore, type FloorTask, PARK } from "../_floor.ts";
import { createTask, gather, run, Semaphore, sleep, type Task } from "../_spindle.ts";
import type { RateWorkload } from "../_workload.ts";

const JOBS = 100_000;
const LIMIT = 64;

async function asyncJob(): Promise<void> {
  await null;
}

export const workload: RateWorkload = {
  kind: "rate",
  id: "W6",
  title: "limit: 100,000 jobs through a Semaphore(64), each yields once",
  unit: "jobs/s",
  units: JOBS,
  peers: [
    {
      name: "spindle",
      note: "a task per job: yield* sem.acquire(); yield* sleep(0); sem.release()",
      run: () =>
        run(function* () {
          const semaphore = new Semaphore(LIMIT);
          function* job(): Generator<unknown, void, unknown> {
            yield* semaphore.acquire();
            yield* sleep(0);
            semaphore.release();
          }
          const tasks: Task<void>[] = new Array(JOBS);
          for (let i = 0; i < JOBS; i++) tasks[i] = createTask(job());
          yield* gather(tasks);
        }),
    },
    {
      name: "floor",
      note: "a task per job, FIFO hand-off semaphore, bare yield",
      run: () =>
        floorRun(function* (floor) {
          const semaphore = new FloorSemaphore(floor, LIMIT);
          function* job(): Generator<unknown, void, unknown> {
            if (!semaphore.tryAcquire()) yield PARK;
            yield;
            semaphore.release();
          }
          const tasks: FloorTask<void>[] = new Array(JOBS);
          for (let i = 0; i < JOBS; i++) tasks[i] = floor.spawn(job());
          for (let i = 0; i < JOBS; i++) if (!tasks[i]!.done) yield tasks[i];
        }),
    },
    {
      name: "p-limit",
      note: "limit(job) for each, Promise.all; a job is async () => { await null }",
      run: async () => {
        const limit = pLimit(LIMIT);
        const promises: Promise<void>[] = new Array(JOBS);
        for (let i = 0; i < JOBS; i++) promises[i] = limit(asyncJob);
        await Promise.all(promises);
      },
    },
    {
      name: "p-queue",
      note: "queue.add(job) for each, await onIdle(); a job is async () => { await null }",
      run: async () => {
        const queue = new PQueue({ concurrency: LIMIT });
        for (let i = 0; i < JOBS; i++) void queue.add(asyncJob);
        await queue.onIdle();
      },
    },
  ],
};
