import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  createTask,
  Lock,
  type Operation,
  Queue,
  RuntimeError,
  Semaphore,
  sleep,
} from "../host/mod.ts";
import { assertError, caught, outcomes, scenario, ticks } from "./_helpers_sync.ts";

// queue.put(), queue.get() and acquire() hand a finished operation object out
// again (one allocation less per call). These tests hold that to asyncio's
// rules for coroutines: an operation is driven once, by one task.

/** Drives `op` to completion from the running coroutine. */
function* drive<T>(op: Operation<T>): Generator<unknown, T, unknown> {
  return yield* op;
}

describe("put(), get() and acquire() operations are driven once", () => {
  test("driving a finished operation again is a RuntimeError, as re-awaiting a coroutine in asyncio", async () => {
    await scenario(function* () {
      const queue = new Queue<number>();
      const put = queue.put(1);
      yield* drive(put);
      assertError(yield* caught(() => put), RuntimeError, /Queue\.put\(\) was already waited on/);
      const get = queue.get();
      assert.equal(yield* drive(get), 1);
      assertError(yield* caught(() => get), RuntimeError, /Queue\.get\(\) was already waited on/);
      const lock = new Lock();
      const acquire = lock.acquire();
      yield* drive(acquire);
      assertError(yield* caught(() => acquire), RuntimeError, /Lock\.acquire\(\) was already waited on/);
      assert.equal(lock.locked(), true, "the refused second drive did not touch the lock");
      lock.release();
      const sem = new Semaphore(2);
      const take = sem.acquire();
      yield* drive(take);
      assertError(yield* caught(() => take), RuntimeError, /Semaphore\.acquire\(\) was already waited on/);
      assert.equal(sem._value, 1, "one permit taken, not two");
      assert.equal(queue.qsize(), 0, "the refused put stored nothing");
    });
  });

  test("operations made before any is driven are distinct, and each does its own work", async () => {
    await scenario(function* () {
      const queue = new Queue<string>();
      const puts = [queue.put("a"), queue.put("b"), queue.put("c")];
      assert.equal(new Set(puts).size, 3);
      for (const put of [puts[2]!, puts[0]!, puts[1]!]) yield* drive(put);
      const gets = [queue.get(), queue.get(), queue.get()];
      assert.equal(new Set(gets).size, 3);
      const got: string[] = [];
      for (const get of gets) got.push(yield* drive(get));
      assert.deepEqual(got, ["c", "a", "b"]);
    });
  });

  test("a finished operation is handed out again, and the new one starts fresh", async () => {
    await scenario(function* () {
      const queue = new Queue<number>(2);
      const first = queue.get();
      queue.putNowait(7);
      assert.equal(yield* drive(first), 7);
      const second = queue.get();
      assert.equal(second, first, "the finished get() was reused");
      queue.putNowait(8);
      assert.equal(yield* drive(second), 8);
      for (let i = 0; i < 100; i++) {
        yield* queue.put(i);
        assert.equal(yield* queue.get(), i);
      }
      const bounded = new BoundedSemaphore(1);
      for (let i = 0; i < 3; i++) {
        using _ = yield* bounded.acquire();
        assert.equal(bounded.locked(), true);
      }
      assert.equal(bounded.locked(), false);
    });
  });

  test("an operation a task waits on, driven by another task, is a RuntimeError and the waiter is untouched", async () => {
    await scenario(function* () {
      const queue = new Queue<string>(1);
      const get = queue.get();
      const waiter = createTask(drive(get));
      yield* ticks(1); // the waiter is in the getters' line
      const thief = createTask(drive(get));
      yield* ticks(1);
      assertError(yield* caught(() => thief), RuntimeError, /^Queue\.get\(\) is being waited on by another task/);
      // Throwing into it from another task is refused the same way, and changes nothing.
      const iterator = get[Symbol.iterator]();
      const thrower = createTask(function* () {
        yield* ticks(0);
        iterator.throw!(new Error("not yours"));
      }());
      assertError(yield* caught(() => thrower), RuntimeError, /^Queue\.get\(\) is being waited on by another task/);
      queue.putNowait("x");
      assert.equal(yield* waiter, "x");
      assert.equal(queue.qsize(), 0);

      const lock = new Lock();
      yield* lock.acquire();
      const acquire = lock.acquire();
      const holder = createTask(drive(acquire));
      yield* ticks(1);
      const other = createTask(drive(acquire));
      yield* ticks(1);
      assertError(yield* caught(() => other), RuntimeError, /^Lock\.acquire\(\) is being waited on by another task/);
      lock.release();
      yield* holder;
      assert.equal(lock.locked(), true, "the waiter got the lock");
    });
  });

  test("a waiting get() that is cancelled is not reused, and the next gets work", async () => {
    await scenario(function* () {
      const queue = new Queue<number>();
      const get = queue.get();
      const waiter = createTask(drive(get));
      yield* sleep(1);
      waiter.cancel();
      assert.deepEqual(yield* outcomes([waiter]), ["cancelled"]);
      const next = queue.get();
      assert.notEqual(next, get);
      queue.putNowait(5);
      assert.equal(yield* drive(next), 5);
      queue.putNowait(6);
      assert.equal(yield* drive(get), 6, "the abandoned operation is not spare: driving it again is a new get");
    });
  });
});
