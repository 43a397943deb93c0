/**
 * W4 queue: `Queue(maxsize 100)`, one producer puts 1,000,000 integers, one
 * consumer gets them (items/s).
 *
 * @module
 */

import {
  action as effectionAction,
  createQueue as effectionCreateQueue,
  type Operation as EffectionOperation,
  run as effectionRun,
  spawn as effectionSpawn,
} from "effection";
import { FloorQueue, floorRun, NO_ITEM, PARK } from "../_floor.ts";
import { createTask, gather, Queue, run } from "../_spindle.ts";
import type { RateWorkload } from "../_workload.ts";

const ITEMS = 1_000_000;
const MAXSIZE = 100;

/**
 * Effection has no bounded queue: this one is composed from its unbounded
 * `createQueue()` and an action per producer that waits for room.
 */
function effectionBoundedQueue<T>(maxsize: number): {
  put(item: T): EffectionOperation<void>;
  get(): EffectionOperation<T>;
} {
  const items = effectionCreateQueue<T, never>();
  const roomWaiters: (() => void)[] = [];
  let size = 0;
  return {
    *put(item: T) {
      while (size >= maxsize) {
        yield* effectionAction<void>((resolve) => {
          roomWaiters.push(resolve);
          return () => {
            const at = roomWaiters.indexOf(resolve);
            if (at >= 0) roomWaiters.splice(at, 1);
          };
        });
      }
      size++;
      items.add(item);
    },
    *get() {
      const next = yield* items.next();
      size--;
      roomWaiters.shift()?.();
      return next.value as T;
    },
  };
}

export const workload: RateWorkload = {
  kind: "rate",
  id: "W4",
  title: "queue: Queue(maxsize 100), one producer puts 1,000,000 integers, one consumer gets them",
  unit: "items/s",
  units: ITEMS,
  peers: [
    {
      name: "spindle",
      note: "Queue(100): yield* put(i) / yield* get()",
      run: () =>
        run(function* () {
          const queue = new Queue<number>(MAXSIZE);
          const producer = createTask((function* () {
            for (let i = 0; i < ITEMS; i++) yield* queue.put(i);
          })());
          const consumer = createTask((function* () {
            let sum = 0;
            for (let i = 0; i < ITEMS; i++) sum += yield* queue.get();
            return sum;
          })());
          yield* gather([producer, consumer]);
        }),
    },
    {
      name: "floor",
      note: "bounded ring, items handed to parked getters",
      run: () =>
        floorRun(function* (floor) {
          const queue = new FloorQueue<number>(floor, MAXSIZE);
          const producer = floor.spawn((function* () {
            for (let i = 0; i < ITEMS; i++) if (!queue.tryPut(i)) yield PARK;
          })());
          const consumer = floor.spawn((function* () {
            let sum = 0;
            for (let i = 0; i < ITEMS; i++) {
              let item = queue.tryGet();
              if (item === NO_ITEM) item = (yield PARK) as number;
              sum += item;
            }
            return sum;
          })());
          if (!producer.done) yield producer;
          if (!consumer.done) yield consumer;
        }),
    },
    {
      name: "effection (composed)",
      note: "createQueue() plus an action waiting for room",
      run: () =>
        effectionRun(function* () {
          const queue = effectionBoundedQueue<number>(MAXSIZE);
          const producer = yield* effectionSpawn(function* () {
            for (let i = 0; i < ITEMS; i++) yield* queue.put(i);
          });
          const consumer = yield* effectionSpawn(function* () {
            let sum = 0;
            for (let i = 0; i < ITEMS; i++) sum += yield* queue.get();
            return sum;
          });
          yield* producer;
          yield* consumer;
        }),
    },
  ],
};
