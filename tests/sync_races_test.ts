// Races between waking and cancelling: a waiter in line is never overtaken,
// and a waiter cancelled while queued (or woken and cancelled before it
// runs) never ends up holding the lock, a permit or an item. The fixed cases
// come first; then seeded random runs, with and without the loop's
// `shuffle` option, check the invariants over thousands of interleavings.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  LifoQueue,
  Lock,
  type Operation,
  PriorityQueue,
  Queue,
  sleep,
  type Task,
  timeout,
  TimeoutError,
  waitFor,
} from "../host/mod.ts";
import { now, outcome, outcomes, Rng, scenario, ticks } from "./_helpers_sync.ts";

/** Takes every item with getNowait() until the queue is empty. */
function drain<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

/** 0, 1, ..., n - 1 */
function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

const numeric = (a: number, b: number) => a - b;

describe("races: woken and cancelled at the same moment", () => {
  test("Lock: release() then cancel() of the woken waiter, and of the one behind it: the third gets the lock", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tasks = ["a", "b", "c"].map((name) =>
        createTask(function* () {
          using _ = yield* lock.acquire();
          log.push(`${name} holds@${now()}`);
          yield* sleep(1);
        }())
      );
      yield* ticks(1);
      lock.release(); // wakes a
      tasks[0]!.cancel(); // woken, not run
      tasks[1]!.cancel(); // still queued
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "cancelled", "returned undefined"]);
      assert.equal(lock.locked(), false);
    });
    assert.deepEqual(log, ["c holds@0"]);
  });

  test("Lock: cancel() of the first waiter just before release(): the lock goes to the second", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tasks = ["a", "b"].map((name) =>
        createTask(function* () {
          using _ = yield* lock.acquire();
          log.push(`${name} holds@${now()}`);
        }())
      );
      yield* ticks(1);
      tasks[0]!.cancel();
      lock.release();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined"]);
    });
    assert.deepEqual(log, ["b holds@0"]);
  });

  test("Semaphore: a permit handed to a waiter cancelled at the same moment goes to the next waiter", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const sem = new BoundedSemaphore(1);
      yield* sem.acquire();
      const tasks = ["a", "b"].map((name) =>
        createTask(function* () {
          using _ = yield* sem.acquire();
          log.push(`${name} holds@${now()}`);
        }())
      );
      yield* ticks(1);
      sem.release();
      tasks[0]!.cancel();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined"]);
      assert.equal(sem.locked(), false);
      yield* sem.acquire(); // the one permit is free: no RangeError below means none was minted either
      sem.release();
    });
    assert.deepEqual(log, ["b holds@0"]);
  });

  for (
    const [kind, make] of [
      ["Queue", () => new Queue<number>()],
      ["LifoQueue", () => new LifoQueue<number>()],
      ["PriorityQueue", () => new PriorityQueue<number>()],
    ] as const
  ) {
    test(`${kind}: an item handed to a getter cancelled at the same moment stays first for the next getter`, async () => {
      const log: string[] = [];
      await scenario(function* () {
        const queue: Queue<number> = make();
        const tasks = ["a", "b"].map((name) =>
          createTask(function* () {
            const item = yield* queue.get();
            log.push(`${name} got ${item}`);
          }())
        );
        yield* ticks(1);
        queue.putNowait(1); // for a
        tasks[0]!.cancel(); // ...cancelled before it runs
        assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined"]);
        assert.equal(queue.qsize(), 0);
      });
      assert.deepEqual(log, ["b got 1"]);
    });
  }

  test("waitFor(lock.acquire(), 10) while the lock is released at exactly t=10: no phantom holder either way", async () => {
    for (const holderFirst of [true, false]) {
      const log: string[] = [];
      await scenario(function* () {
        const lock = new Lock();
        yield* lock.acquire();
        const start = () =>
          createTask(function* () {
            try {
              using _ = yield* waitFor(lock.acquire(), 10);
              log.push(`got the lock@${now()}`);
            } catch (error) {
              if (!(error instanceof TimeoutError)) throw error;
              log.push(`timed out@${now()} locked=${lock.locked()}`);
            }
          }());
        let contender: Task<void> | null = holderFirst ? null : start();
        const release = createTask(function* () {
          yield* sleep(10);
          lock.release();
        }());
        contender ??= start();
        yield* release;
        assert.equal(yield* outcome(contender), "returned undefined");
        assert.equal(lock.locked(), false, "nobody holds the lock after the race");
        yield* lock.acquire(); // and it is free at once
        lock.release();
        assert.equal(now(), 10);
      });
      assert.equal(log.length, 1);
      assert.match(log[0]!, /^(got the lock@10|timed out@10 locked=false)$/);
    }
  });

  test("timeout() expiring as an item is put: the item is either returned or left in the queue, never lost", async () => {
    for (const putterFirst of [true, false]) {
      let got: number[] = [];
      let left: number[] = [];
      await scenario(function* () {
        const queue = new Queue<number>();
        const getter = () =>
          createTask(function* () {
            try {
              got = [yield* timeout(5, () => queue.get())];
            } catch (error) {
              if (!(error instanceof TimeoutError)) throw error;
            }
          }());
        let g: Task<void> | null = putterFirst ? null : getter();
        const p = createTask(function* () {
          yield* sleep(5);
          queue.putNowait(42);
        }());
        g ??= getter();
        yield* outcomes([g, p]);
        left = drain(queue);
      });
      assert.deepEqual([...got, ...left], [42]);
    }
  });
});

/**
 * 100 items through `queue` to consumers that are cancelled (and replaced)
 * at random moments, some in the very step that put an item for them.
 * Returns every item some consumer received plus what is left.
 */
function* queueChurn(seed: number, queue: Queue<number>): Coroutine<number[]> {
  const rng = new Rng(seed);
  const received: number[] = [];
  const live = new Set<Task<void>>();
  const all: Task<void>[] = [];
  let replacements = 40;
  const spawn = () => {
    const task = createTask(function* () {
      for (;;) {
        const item = yield* queue.get();
        received.push(item);
        const pause = rng.below(4);
        if (pause > 0) yield* sleep(pause);
      }
    }());
    live.add(task);
    all.push(task);
  };
  const cancelOne = () => {
    if (replacements === 0) return;
    replacements--;
    const victims = [...live];
    const victim = victims[rng.below(victims.length)]!;
    victim.cancel();
    live.delete(victim);
    spawn();
  };
  for (let i = 0; i < 5; i++) spawn();
  const producer = createTask(function* () {
    for (let i = 0; i < 100; i++) {
      yield* queue.put(i);
      const r = rng.below(10);
      if (r < 3) cancelOne(); // same step as the put: the getter it woke may be the victim
      else if (r < 6) yield* sleep(rng.below(3));
    }
  }());
  const canceller = createTask(function* () {
    for (let k = 0; k < 10; k++) {
      yield* sleep(rng.below(15));
      cancelOne();
    }
  }());
  yield* producer;
  yield* canceller;
  yield* sleep(100); // the survivors drain the queue
  for (const task of live) task.cancel();
  const ends = yield* outcomes(all);
  assert.ok(ends.every((end) => end === "cancelled"), ends.join());
  return [...received, ...drain(queue)];
}

describe("randomised: items are never lost or delivered twice when consumers are cancelled", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    for (
      const [kind, make] of [
        ["Queue()", () => new Queue<number>()],
        ["Queue(4)", () => new Queue<number>(4)],
        ["LifoQueue(3)", () => new LifoQueue<number>(3)],
        ["PriorityQueue(5)", () => new PriorityQueue<number>(5)],
      ] as const
    ) {
      for (const shuffle of [undefined, seed * 7919]) {
        const label = `${kind}, seed ${seed}${shuffle === undefined ? "" : ", shuffled"}`;
        test(`${label}: every one of 100 items is received exactly once or still queued`, async () => {
          const { result } = await scenario(
            () => queueChurn(seed, make()),
            shuffle === undefined ? {} : { shuffle },
          );
          assert.deepEqual(result.sort(numeric), range(100));
        });
      }
    }
  }

  for (const seed of [11, 12, 13, 14, 15, 16]) {
    test(`cancelled putters never store their item, seed ${seed}: what was put is exactly what is received`, async () => {
      const rng = new Rng(seed);
      const stored: number[] = [];
      const refused: number[] = [];
      const received: number[] = [];
      await scenario(function* () {
        const queue = new Queue<number>(2);
        const producers = range(6).map((p) =>
          createTask(function* () {
            for (let i = 0; i < 20; i++) {
              const item = p * 100 + i;
              try {
                yield* queue.put(item);
              } catch (error) {
                if (error instanceof CancelledError) refused.push(item);
                throw error;
              }
              stored.push(item);
              if (rng.below(3) === 0) yield* sleep(rng.below(3));
            }
          }())
        );
        const consumer = createTask(function* () {
          for (;;) {
            received.push(yield* queue.get());
            if (rng.below(2) === 0) yield* sleep(rng.below(4));
            if (rng.below(8) === 0) producers[rng.below(producers.length)]!.cancel(); // maybe one just woken
          }
        }());
        yield* outcomes(producers);
        yield* sleep(50);
        consumer.cancel();
        yield* outcome(consumer);
        received.push(...drain(queue));
      }, { shuffle: seed });
      assert.deepEqual([...received].sort(numeric), [...stored].sort(numeric));
      for (const item of refused) assert.ok(!received.includes(item), `refused item ${item} was delivered`);
    });
  }
});

describe("randomised: Lock and BoundedSemaphore under cancellation keep FIFO order and their count", () => {
  /**
   * Eight tasks take one of `permits` in rounds, holding it a random while,
   * until 200 entries happened. Waiters (mostly) and holders are cancelled
   * at random moments, often in the very step of a release, and each
   * cancelled task is replaced. Checks: never more than `permits` holders, a
   * cancelled acquire never enters, entries follow the order of the
   * acquire() calls (no overtaking) when `checkOrder`.
   */
  function* churn(
    seed: number,
    permits: number,
    take: () => Operation<Disposable>,
    checkOrder: boolean,
  ): Coroutine<{ entered: number; cancelledWaits: number; most: number }> {
    const rng = new Rng(seed);
    let inside = 0;
    let most = 0;
    let calls = 0;
    let cancelledWaits = 0;
    let replacements = 40;
    const entries: number[] = [];
    const violations: string[] = [];
    const waiting = new Set<Task<unknown>>();
    const live = new Set<Task<void>>();
    const all: Task<void>[] = [];
    const spawn = () => {
      const task = createTask(function* () {
        while (entries.length < 200) {
          const pause = rng.below(3);
          if (pause > 0) yield* sleep(pause);
          const seq = calls++;
          const me = currentTask()!;
          waiting.add(me);
          let held: Disposable;
          try {
            held = yield* take();
          } catch (error) {
            if (error instanceof CancelledError) cancelledWaits++;
            throw error;
          } finally {
            waiting.delete(me);
          }
          try {
            inside++;
            most = Math.max(most, inside);
            if (inside > permits) violations.push(`${inside} holders of ${permits} permits`);
            entries.push(seq);
            yield* sleep(1 + rng.below(permits + 2));
          } finally {
            inside--;
            held[Symbol.dispose]();
          }
          if (rng.below(4) === 0) cancelSomeone(); // in the step of a release
        }
      }());
      live.add(task);
      all.push(task);
    };
    const cancelSomeone = () => {
      if (replacements === 0) return;
      replacements--;
      const pool = waiting.size > 0 && rng.below(5) !== 0 ? [...waiting] : [...live];
      const victim = pool[rng.below(pool.length)]!;
      victim.cancel();
      live.delete(victim as Task<void>);
      spawn();
    };
    for (let w = 0; w < 8; w++) spawn();
    const canceller = createTask(function* () {
      while (entries.length < 200 && replacements > 0) {
        yield* sleep(1 + rng.below(10));
        cancelSomeone();
      }
    }());
    const ends = yield* outcomes(all);
    yield* canceller;
    assert.deepEqual(violations, []);
    assert.deepEqual(ends.filter((end) => end !== "returned undefined" && end !== "cancelled"), []);
    if (checkOrder) {
      for (let i = 1; i < entries.length; i++) {
        assert.ok(entries[i - 1]! < entries[i]!, `entry #${i}: call ${entries[i]} overtook call ${entries[i - 1]}`);
      }
    }
    assert.equal(inside, 0);
    return { entered: entries.length, cancelledWaits, most };
  }

  for (const seed of [101, 102, 103, 104, 105, 106, 107, 108]) {
    for (const shuffle of [undefined, seed]) {
      const label = `seed ${seed}${shuffle === undefined ? "" : ", shuffled"}`;
      test(`Lock, ${label}: one holder at a time, entries in call order, free at the end`, async () => {
        const lock = new Lock();
        const { result } = await scenario(function* () {
          const stats = yield* churn(seed, 1, () => lock.acquire(), true);
          assert.equal(lock.locked(), false);
          yield* lock.acquire();
          lock.release();
          return stats;
        }, shuffle === undefined ? {} : { shuffle });
        assert.ok(result.entered >= 200 && result.cancelledWaits >= 10, JSON.stringify(result));
      });

      test(`BoundedSemaphore(3), ${label}: at most three holders, no overtaking, three permits at the end`, async () => {
        const sem = new BoundedSemaphore(3);
        const { result } = await scenario(function* () {
          // Two woken waiters may run in either order when shuffled, so call order is checked unshuffled only.
          const stats = yield* churn(seed, 3, () => sem.acquire(), shuffle === undefined);
          for (let i = 0; i < 3; i++) {
            assert.equal(sem.locked(), false);
            yield* sem.acquire();
          }
          assert.equal(sem.locked(), true);
          for (let i = 0; i < 3; i++) sem.release();
          return stats;
        }, shuffle === undefined ? {} : { shuffle });
        assert.equal(result.most, 3, JSON.stringify(result));
        assert.ok(result.entered >= 200 && result.cancelledWaits >= 10, JSON.stringify(result));
      });
    }
  }
});
