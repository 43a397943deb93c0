import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  Condition,
  type Coroutine,
  createTask,
  Lock,
  RuntimeError,
  Semaphore,
  sleep,
} from "../host/mod.ts";
import { assertError, caught, now, outcome, outcomes, scenario, thrownBy, ticks } from "./_helpers_sync.ts";

/** Takes the condition's lock, waits to be notified, logs `name@t` holding the lock again, releases. */
function* notified(cond: Condition, log: string[], name: string): Coroutine<boolean> {
  yield* cond.acquire();
  try {
    let value: boolean;
    try {
      value = yield* cond.wait();
    } catch (error) {
      log.push(`${name} ${error instanceof CancelledError ? "cancelled" : "failed"}@${now()} locked=${cond.locked()}`);
      throw error;
    }
    log.push(`${name}@${now()} locked=${cond.locked()}`);
    return value;
  } finally {
    cond.release();
  }
}

describe("Condition", () => {
  test("wait() without holding the lock throws RuntimeError", async () => {
    await scenario(function* () {
      const cond = new Condition();
      assertError(yield* caught(() => cond.wait()), RuntimeError, /un-acquired lock/);
      assertError(yield* caught(() => cond.waitFor(() => false)), RuntimeError, /un-acquired lock/);
      assert.equal(cond.locked(), false);
    });
  });

  test("notify() and notifyAll() without holding the lock throw RuntimeError", () => {
    const cond = new Condition();
    assertError(thrownBy(() => cond.notify()), RuntimeError, /un-acquired lock/);
    assertError(thrownBy(() => cond.notify(3)), RuntimeError);
    assertError(thrownBy(() => cond.notifyAll()), RuntimeError);
  });

  test("a Condition over something that is not a Lock is a TypeError", () => {
    assertError(thrownBy(() => new Condition({} as Lock)), TypeError);
    assertError(thrownBy(() => new Condition(new Semaphore() as unknown as Lock)), TypeError);
    assertError(thrownBy(() => new Condition(null as unknown as Lock)), TypeError);
  });

  test("Condition(lock) shares the lock: taking either shows on both", async () => {
    await scenario(function* () {
      const lock = new Lock();
      const a = new Condition(lock);
      const b = new Condition(lock);
      yield* lock.acquire();
      assert.deepEqual([a.locked(), b.locked()], [true, true]);
      a.release();
      assert.deepEqual([lock.locked(), b.locked()], [false, false]);
      yield* b.acquire();
      assert.equal(lock.locked(), true);
      lock.release();
      // A second task waiting on one condition blocks the lock for the others.
      yield* a.acquire();
      const log: string[] = [];
      const t = createTask(function* () {
        yield* b.acquire();
        log.push(`b acquired@${now()}`);
        b.release();
      }());
      yield* sleep(5);
      log.push(`a releases@${now()}`);
      a.release();
      yield* t;
      assert.deepEqual(log, ["a releases@5", "b acquired@5"]);
    });
  });

  test("wait() releases the lock while waiting, and returns true holding it again", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const t = createTask(notified(cond, log, "w"));
      yield* ticks(1);
      assert.equal(cond.locked(), false, "the waiter released the lock");
      yield* sleep(7);
      yield* cond.acquire();
      cond.notify();
      cond.release();
      assert.equal(yield* outcome(t), "returned true");
    });
    assert.deepEqual(log, ["w@7 locked=true"]);
  });

  test("notify(n) wakes n waiters in FIFO order; notifyAll() wakes the rest", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const tasks = ["a", "b", "c", "d", "e"].map((name) => createTask(notified(cond, log, name)));
      yield* ticks(1);
      for (const [at, n] of [[10, 2], [20, 1], [30, 0], [40, -1]] as const) {
        yield* sleep(at - now());
        yield* cond.acquire();
        log.push(`notify(${n})@${now()}`);
        cond.notify(n);
        cond.release();
      }
      yield* sleep(10);
      yield* cond.acquire();
      log.push(`notifyAll@${now()}`);
      cond.notifyAll();
      cond.release();
      assert.deepEqual(yield* outcomes(tasks), Array(5).fill("returned true"));
    });
    assert.deepEqual(log, [
      "notify(2)@10",
      "a@10 locked=true",
      "b@10 locked=true",
      "notify(1)@20",
      "c@20 locked=true",
      "notify(0)@30",
      "notify(-1)@40",
      "notifyAll@50",
      "d@50 locked=true",
      "e@50 locked=true",
    ]);
  });

  test("notify() with the lock held: the woken waiter runs only after the notifier releases", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const t = createTask(notified(cond, log, "w"));
      yield* ticks(1);
      yield* cond.acquire();
      cond.notify();
      yield* sleep(20); // the waiter is woken but queues for the lock
      log.push(`notifier releases@${now()}`);
      cond.release();
      yield* t;
    });
    assert.deepEqual(log, ["notifier releases@20", "w@20 locked=true"]);
  });

  test("notify() with nobody waiting does nothing", async () => {
    await scenario(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      cond.notify();
      cond.notify(5);
      cond.notifyAll();
      assert.equal(cond.locked(), true);
      cond.release();
    });
  });

  test("waitFor(predicate) returns the predicate's (truthy) value, checking it first and after each wake-up", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const items: string[] = [];
      const consumer = createTask(function* () {
        yield* cond.acquire();
        try {
          return yield* cond.waitFor(() => {
            log.push(`check@${now()} (${items.length} items)`);
            return items.length >= 2 ? items.join("+") : "";
          });
        } finally {
          cond.release();
        }
      }());
      for (const item of ["x", "y"]) {
        yield* sleep(10);
        yield* cond.acquire();
        items.push(item);
        cond.notify();
        cond.release();
      }
      assert.equal(yield* outcome(consumer), "returned x+y");
    });
    assert.deepEqual(log, ["check@0 (0 items)", "check@10 (1 items)", "check@20 (2 items)"]);
  });

  test("waitFor() with a predicate already true returns at once, keeping the lock", async () => {
    await scenario(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const value = yield* cond.waitFor(() => 42);
      assert.equal(value, 42);
      assert.equal(cond.locked(), true);
      cond.release();
    });
  });

  test("waitFor() of something that is not a function is a TypeError", async () => {
    await scenario(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      assertError(yield* caught(() => cond.waitFor(true as unknown as () => boolean)), TypeError);
      cond.release();
    });
  });

  test("a waiter cancelled in wait() takes the lock back before CancelledError reaches it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const t = createTask(notified(cond, log, "w"));
      yield* ticks(1);
      yield* cond.acquire(); // main holds the lock while cancelling
      t.cancel();
      yield* sleep(15);
      log.push(`main releases@${now()}`);
      cond.release();
      assert.equal(yield* outcome(t), "cancelled");
      assert.equal(cond.locked(), false, "the cancelled waiter released the lock afterwards");
    });
    assert.deepEqual(log, ["main releases@15", "w cancelled@15 locked=true"]);
  });

  test("a waiter cancelled again while it queues to take the lock back still gets it, then raises CancelledError", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const t = createTask(notified(cond, log, "w"));
      yield* ticks(1);
      yield* cond.acquire();
      cond.notify();
      yield* ticks(2); // w woke and queues for the lock behind main
      t.cancel();
      yield* sleep(5);
      assert.equal(t.done(), false, "w keeps trying to take the lock back");
      log.push(`main releases@${now()}`);
      cond.release();
      assert.equal(yield* outcome(t), "cancelled");
      assert.equal(cond.locked(), false);
    });
    assert.deepEqual(log, ["main releases@5", "w cancelled@5 locked=true"]);
  });

  test("a waiter notified and then cancelled before it runs passes the notification to the next waiter", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const tasks = ["a", "b", "c"].map((name) => createTask(notified(cond, log, name)));
      yield* ticks(1);
      yield* cond.acquire();
      cond.notify(1); // wakes a
      tasks[0]!.cancel();
      cond.release();
      yield* outcome(tasks[0]!);
      yield* outcome(tasks[1]!);
      yield* sleep(10);
      assert.equal(tasks[2]!.done(), false, "only one notification was passed on");
      yield* cond.acquire();
      cond.notify();
      cond.release();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned true", "returned true"]);
    });
    assert.deepEqual(log, ["a cancelled@0 locked=true", "b@0 locked=true", "c@10 locked=true"]);
  });

  test("a waiter cancelled before any notify leaves the line; notify() goes to the next one", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const cond = new Condition();
      const tasks = ["a", "b", "c"].map((name) => createTask(notified(cond, log, name)));
      yield* ticks(1);
      tasks[0]!.cancel();
      yield* ticks(2);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      yield* outcome(tasks[1]!);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned true", "returned true"]);
    });
    // As in asyncio, a's cancellation passes on a (spurious) notification: b wakes with it.
    assert.deepEqual(log, ["a cancelled@0 locked=true", "b@0 locked=true", "c@0 locked=true"]);
  });

  test("using _ = yield* cond.acquire() holds the condition's lock for the block", async () => {
    await scenario(function* () {
      const cond = new Condition();
      {
        using _ = yield* cond.acquire();
        assert.equal(cond.locked(), true);
      }
      assert.equal(cond.locked(), false);
    });
  });
});
