import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type Coroutine,
  createTask,
  eagerTaskFactory,
  getRunningLoop,
  Lock,
  RuntimeError,
  sleep,
} from "../host/mod.ts";
import { assertError, caught, now, outcome, outcomes, scenario, thrownBy, ticks } from "./_helpers_sync.ts";

/** Takes `lock`, logs `name acquired@t`, holds it `hold` ms, releases; logs `name cancelled@t` if cancelled while waiting. */
function* holder(lock: Lock, log: string[], name: string, hold: number): Coroutine<void> {
  try {
    yield* lock.acquire();
  } catch (error) {
    log.push(`${name} cancelled@${now()} locked=${lock.locked()}`);
    throw error;
  }
  log.push(`${name} acquired@${now()}`);
  try {
    yield* sleep(hold);
  } finally {
    lock.release();
  }
}

describe("Lock", () => {
  test("release() of a Lock that is not held throws RuntimeError", async () => {
    const lock = new Lock();
    assertError(thrownBy(() => lock.release()), RuntimeError, /not acquired/);
    await scenario(function* () {
      yield* lock.acquire();
      lock.release();
      assertError(thrownBy(() => lock.release()), RuntimeError);
      assert.equal(lock.locked(), false);
    });
  });

  test("acquire() of a free lock takes it without yielding; locked() follows acquire() and release()", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      assert.equal(lock.locked(), false);
      const other = createTask(function* () {
        log.push("other task ran");
        yield* sleep(0);
      }());
      yield* lock.acquire();
      log.push(`acquired, locked=${lock.locked()}`);
      lock.release();
      log.push(`released, locked=${lock.locked()}`);
      yield* other;
    });
    assert.deepEqual(log, ["acquired, locked=true", "released, locked=false", "other task ran"]);
  });

  test("waiters take the lock one at a time in the order they queued (FIFO), not the order they were created", async () => {
    const log: string[] = [];
    const { clock } = await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      // Task i queues at t = 5 - i, so the line is e, d, c, b, a.
      const tasks = ["a", "b", "c", "d", "e"].map((name, i) =>
        createTask(function* () {
          yield* sleep(5 - i);
          yield* holder(lock, log, name, 10);
        }())
      );
      yield* sleep(10);
      lock.release();
      assert.deepEqual(yield* outcomes(tasks), Array(5).fill("returned undefined"));
      assert.equal(lock.locked(), false);
    });
    assert.deepEqual(log, ["e acquired@10", "d acquired@20", "c acquired@30", "b acquired@40", "a acquired@50"]);
    assert.equal(clock.now(), 60);
  });

  test("after release() with a waiter in line, locked() reads false until the waiter runs, yet a newcomer's acquire() queues behind it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const first = createTask(holder(lock, log, "first", 1));
      yield* sleep(0); // first is in line
      lock.release();
      log.push(`released: locked=${lock.locked()}`);
      // main is a newcomer now: the lock reads free, but `first` holds a place.
      yield* lock.acquire();
      log.push(`main acquired@${now()}`);
      lock.release();
      yield* first;
    });
    assert.deepEqual(log, ["released: locked=false", "first acquired@0", "main acquired@1"]);
  });

  test("an eager newcomer created right after release() does not overtake the woken waiter", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const first = createTask(holder(lock, log, "first", 1));
      yield* sleep(0);
      lock.release();
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      const eager = createTask(holder(lock, log, "eager", 1)); // its first step runs now
      log.push(`eager created: locked=${lock.locked()}`);
      getRunningLoop().setTaskFactory(null);
      yield* first;
      yield* eager;
    });
    assert.deepEqual(log, ["eager created: locked=false", "first acquired@0", "eager acquired@1"]);
  });

  test("a waiter cancelled while queued leaves the line, never holds the lock, and the next waiter gets it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tasks = ["a", "b", "c"].map((name) => createTask(holder(lock, log, name, 1)));
      yield* sleep(0);
      tasks[1]!.cancel();
      yield* sleep(0); // b handles its CancelledError while main still holds the lock
      log.push(`main releases@${now()}`);
      lock.release();
      assert.deepEqual(yield* outcomes(tasks), ["returned undefined", "cancelled", "returned undefined"]);
      assert.equal(lock.locked(), false);
    });
    assert.deepEqual(log, ["b cancelled@0 locked=true", "main releases@0", "a acquired@0", "c acquired@1"]);
  });

  test("cancelling the first waiter of several keeps the order of the rest", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tasks = ["a", "b", "c", "d"].map((name) => createTask(holder(lock, log, name, 1)));
      yield* sleep(0);
      tasks[0]!.cancel();
      tasks[3]!.cancel();
      lock.release();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined", "returned undefined", "cancelled"]);
    });
    assert.deepEqual(log, ["a cancelled@0 locked=false", "d cancelled@0 locked=false", "b acquired@0", "c acquired@1"]);
  });

  test("a waiter woken by release() and cancelled before it runs never holds the lock: the next waiter gets it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const a = createTask(holder(lock, log, "a", 1));
      const b = createTask(holder(lock, log, "b", 1));
      yield* sleep(0);
      lock.release(); // wakes a
      a.cancel(); // ...which is cancelled before it runs
      assert.deepEqual([yield* outcome(a), yield* outcome(b)], ["cancelled", "returned undefined"]);
      assert.equal(lock.locked(), false);
    });
    assert.deepEqual(log, ["a cancelled@0 locked=false", "b acquired@0"]);
  });

  test("a woken-then-cancelled waiter with nobody behind it leaves the lock free for the next acquire()", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const a = createTask(holder(lock, log, "a", 1));
      yield* sleep(0);
      lock.release();
      a.cancel();
      assert.equal(yield* outcome(a), "cancelled");
      assert.equal(lock.locked(), false);
      const before = now();
      yield* lock.acquire(); // free: no waiting
      log.push(`main acquired after ${now() - before} ms`);
      lock.release();
    });
    assert.deepEqual(log, ["a cancelled@0 locked=false", "main acquired after 0 ms"]);
  });

  test("cancelling the holder (its finally releases) hands the lock to the first waiter", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const lock = new Lock();
      const tasks = ["a", "b", "c"].map((name) => createTask(holder(lock, log, name, 100)));
      yield* sleep(10);
      tasks[0]!.cancel();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined", "returned undefined"]);
    });
    assert.deepEqual(log, ["a acquired@0", "b acquired@10", "c acquired@110"]);
  });

  test("the asyncio tutorial: five workers increment a shared counter under a Lock; final value 5, in FIFO order", async () => {
    const order: string[] = [];
    let counter = 0;
    const { clock } = await scenario(function* () {
      const lock = new Lock();
      function* worker(name: string): Coroutine<void> {
        yield* lock.acquire();
        try {
          const seen = counter;
          yield* sleep(1); // a read-modify-write that spans a suspension
          counter = seen + 1;
          order.push(`${name}@${now()}`);
        } finally {
          lock.release();
        }
      }
      const tasks = [1, 2, 3, 4, 5].map((i) => createTask(worker(`worker-${i}`)));
      yield* outcomes(tasks);
    });
    assert.equal(counter, 5);
    assert.deepEqual(order, ["worker-1@1", "worker-2@2", "worker-3@3", "worker-4@4", "worker-5@5"]);
    assert.equal(clock.now(), 5);
  });

  test("without the lock the same five workers lose updates (the test above is not vacuous)", async () => {
    let counter = 0;
    await scenario(function* () {
      function* worker(): Coroutine<void> {
        const seen = counter;
        yield* sleep(1);
        counter = seen + 1;
      }
      yield* outcomes([1, 2, 3, 4, 5].map(() => createTask(worker())));
    });
    assert.equal(counter, 1);
  });

  test("acquire() from a plain callback (not a task) when the lock is held throws RuntimeError at the call site", async () => {
    await scenario(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      let seen: unknown = null;
      getRunningLoop().callSoon(() => {
        const op = lock.acquire()[Symbol.iterator]();
        try {
          op.next();
        } catch (error) {
          seen = error;
        }
      });
      yield* ticks(1);
      assertError(seen, RuntimeError, /inside a task/);
      lock.release();
      assert.equal(lock.locked(), false);
    });
  });

  test("a Lock whose line was used on one loop refuses waiters from another loop with RuntimeError in the waiting task", async () => {
    const lock = new Lock();
    await scenario(function* () {
      yield* lock.acquire();
      const a = createTask(holder(lock, [], "a", 1));
      yield* sleep(0);
      lock.release();
      yield* a;
    });
    await scenario(function* () {
      yield* lock.acquire(); // free: taking it needs no line
      const error = yield* caught(() => lock.acquire());
      assertError(error, RuntimeError, /different event loop/);
      lock.release();
      assert.equal(lock.locked(), false);
    });
  });
});
