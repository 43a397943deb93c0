// `using _ = yield* x.acquire()`: Lock, Semaphore and Condition hand out a
// Disposable, so a `using` declaration releases at the end of the scope.
// This file is TypeScript compiled for Node 20 (esbuild lowers `using`) and
// run as source by Deno and Bun; the same assertions hold on all three.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  Condition,
  type Coroutine,
  createTask,
  Lock,
  RuntimeError,
  Semaphore,
  sleep,
} from "../host/mod.ts";
import { assertError, now, outcome, outcomes, scenario, ticks } from "./_helpers_sync.ts";

describe("using _ = yield* lock.acquire()", () => {
  test("acquire() returns a Disposable whose Symbol.dispose releases the lock", async () => {
    await scenario(function* () {
      const lock = new Lock();
      const handle = yield* lock.acquire();
      assert.equal(typeof handle[Symbol.dispose], "function");
      assert.equal(lock.locked(), true);
      handle[Symbol.dispose]();
      assert.equal(lock.locked(), false);
    });
  });

  test("the lock is held inside the block and released when the block ends normally", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      {
        using _ = yield* lock.acquire();
        log.push(`inside: locked=${lock.locked()}`);
        yield* sleep(5);
        log.push(`still inside@${now()}: locked=${lock.locked()}`);
      }
      log.push(`after: locked=${lock.locked()}`);
    });
    assert.deepEqual(log, ["inside: locked=true", "still inside@5: locked=true", "after: locked=false"]);
  });

  test("the lock is released when the block throws, and the error propagates unchanged", async () => {
    const boom = new Error("boom");
    await scenario(function* () {
      const lock = new Lock();
      let seen: unknown = null;
      try {
        using _ = yield* lock.acquire();
        yield* sleep(1);
        throw boom;
      } catch (error) {
        seen = error;
        assert.equal(lock.locked(), false, "released before the catch runs");
      }
      assert.equal(seen, boom);
    });
  });

  test("the lock is released on an early return and on break/continue in a loop", async () => {
    await scenario(function* () {
      const lock = new Lock();
      function* firstEven(items: number[]): Coroutine<number | undefined> {
        for (const n of items) {
          using _ = yield* lock.acquire();
          yield* sleep(1);
          if (n % 2 === 1) continue;
          if (n > 100) break;
          return n;
        }
        return undefined;
      }
      assert.equal(yield* firstEven([1, 3, 4, 5]), 4);
      assert.equal(lock.locked(), false);
      assert.equal(yield* firstEven([1, 200, 2]), undefined);
      assert.equal(lock.locked(), false);
      assert.equal(now(), 5);
    });
  });

  test("a holder cancelled inside the block releases the lock; the first waiter gets it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      const worker = (name: string) =>
        createTask(function* () {
          using _ = yield* lock.acquire();
          log.push(`${name} acquired@${now()}`);
          yield* sleep(100);
          log.push(`${name} done@${now()}`);
        }());
      const tasks = [worker("a"), worker("b")];
      yield* sleep(30);
      tasks[0]!.cancel();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined"]);
      assert.equal(lock.locked(), false);
    });
    assert.deepEqual(log, ["a acquired@0", "b acquired@30", "b done@130"]);
  });

  test("five workers with using increment a shared counter to 5, in FIFO order", async () => {
    const order: string[] = [];
    let counter = 0;
    await scenario(function* () {
      const lock = new Lock();
      const tasks = [1, 2, 3, 4, 5].map((i) =>
        createTask(function* () {
          using _ = yield* lock.acquire();
          const seen = counter;
          yield* sleep(1);
          counter = seen + 1;
          order.push(`worker-${i}@${now()}`);
        }())
      );
      yield* outcomes(tasks);
    });
    assert.equal(counter, 5);
    assert.deepEqual(order, ["worker-1@1", "worker-2@2", "worker-3@3", "worker-4@4", "worker-5@5"]);
  });

  test("two using declarations release in reverse order", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const outer = new Lock();
      const inner = new Lock();
      const waitFor = (lock: Lock, name: string) =>
        createTask(function* () {
          using _ = yield* lock.acquire();
          log.push(name);
        }());
      let tasks;
      {
        using _a = yield* outer.acquire();
        using _b = yield* inner.acquire();
        tasks = [waitFor(outer, "outer's waiter"), waitFor(inner, "inner's waiter")];
        yield* ticks(1);
      } // inner is released first, so its waiter is woken first
      yield* outcomes(tasks);
    });
    assert.deepEqual(log, ["inner's waiter", "outer's waiter"]);
  });

  test("releasing by hand inside the block makes the scope's own release throw RuntimeError", async () => {
    await scenario(function* () {
      const lock = new Lock();
      let seen: unknown = null;
      try {
        using _ = yield* lock.acquire();
        lock.release();
      } catch (error) {
        seen = error;
      }
      assertError(seen, RuntimeError, /not acquired/);
    });
  });

  test("a throwing block whose release also throws gives a SuppressedError holding both", async () => {
    const boom = new Error("boom");
    await scenario(function* () {
      const lock = new Lock();
      let seen: unknown = null;
      try {
        using _ = yield* lock.acquire();
        lock.release();
        throw boom;
      } catch (error) {
        seen = error;
      }
      const suppressed = seen as { name: string; error: unknown; suppressed: unknown };
      assert.equal(suppressed.name, "SuppressedError");
      assertError(suppressed.error, RuntimeError);
      assert.equal(suppressed.suppressed, boom);
    });
  });
});

describe("using with Semaphore and Condition", () => {
  test("using _ = yield* sem.acquire() gives the permit back at the end of the block, also on error", async () => {
    await scenario(function* () {
      const sem = new BoundedSemaphore(2);
      {
        using _one = yield* sem.acquire();
        using _two = yield* sem.acquire();
        assert.equal(sem.locked(), true);
      }
      assert.equal(sem.locked(), false);
      try {
        using _ = yield* sem.acquire();
        throw new Error("inside");
      } catch {
        // the permit is back
      }
      using _a = yield* sem.acquire();
      using _b = yield* sem.acquire();
      assert.equal(sem.locked(), true);
    });
  });

  test("a Semaphore(2) with using lets two of five tasks in at a time", async () => {
    const starts: number[] = [];
    await scenario(function* () {
      const sem = new Semaphore(2);
      const tasks = Array.from({ length: 5 }, () =>
        createTask(function* () {
          using _ = yield* sem.acquire();
          starts.push(now());
          yield* sleep(10);
        }()));
      yield* outcomes(tasks);
    });
    assert.deepEqual(starts, [0, 0, 10, 10, 20]);
  });

  test("using _ = yield* cond.acquire() around waitFor(): the lock is released at the end of the block", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      let ready = false;
      const consumer = createTask(function* () {
        using _ = yield* cond.acquire();
        yield* cond.waitFor(() => ready);
        log.push(`consumer saw ready@${now()}: locked=${cond.locked()}`);
        return "consumed";
      }());
      yield* sleep(8);
      {
        using _ = yield* cond.acquire();
        ready = true;
        cond.notifyAll();
      }
      assert.equal(yield* outcome(consumer), "returned consumed");
      assert.equal(cond.locked(), false);
    });
    assert.deepEqual(log, ["consumer saw ready@8: locked=true"]);
  });
});
