import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BoundedSemaphore, type Coroutine, createTask, Semaphore, sleep } from "../host/mod.ts";
import { assertError, now, outcome, outcomes, scenario, thrownBy, ticks } from "./_helpers_sync.ts";

/** Takes a permit, logs `name acquired@t`, holds it `hold` ms, releases; logs `name cancelled@t` if cancelled while waiting. */
function* permitHolder(sem: Semaphore, log: string[], name: string, hold: number): Coroutine<void> {
  try {
    yield* sem.acquire();
  } catch (error) {
    log.push(`${name} cancelled@${now()}`);
    throw error;
  }
  log.push(`${name} acquired@${now()}`);
  try {
    yield* sleep(hold);
  } finally {
    sem.release();
  }
}

/**
 * Asserts exactly `n` permits are free: n acquire() calls succeed without
 * waiting (locked() is false before each) and then locked() is true. Gives
 * the permits back.
 */
function* assertFreePermits(sem: Semaphore, n: number): Coroutine<void> {
  const start = now();
  for (let i = 0; i < n; i++) {
    assert.equal(sem.locked(), false, `permit ${i + 1} of ${n} should be free`);
    yield* sem.acquire();
  }
  assert.equal(now(), start, "taking free permits never waits");
  assert.equal(sem.locked(), true, `only ${n} permits should be free`);
  for (let i = 0; i < n; i++) sem.release();
}

describe("Semaphore", () => {
  test("a negative or non-integer initial value is a RangeError; 0 is allowed", () => {
    assertError(thrownBy(() => new Semaphore(-1)), RangeError);
    assertError(thrownBy(() => new Semaphore(1.5)), RangeError);
    assertError(thrownBy(() => new Semaphore(Number.NaN)), RangeError);
    assertError(thrownBy(() => new BoundedSemaphore(-1)), RangeError);
    assert.equal(new Semaphore(0).locked(), true);
  });

  test("the default is one permit", async () => {
    await scenario(function* () {
      yield* assertFreePermits(new Semaphore(), 1);
      yield* assertFreePermits(new BoundedSemaphore(), 1);
    });
  });

  test("Semaphore(3) lets exactly three of ten tasks in at a time", async () => {
    const starts: number[] = [];
    let inside = 0;
    let most = 0;
    const { clock } = await scenario(function* () {
      const sem = new Semaphore(3);
      const tasks = Array.from({ length: 10 }, () =>
        createTask(function* () {
          using _ = yield* sem.acquire();
          starts.push(now());
          most = Math.max(most, ++inside);
          yield* sleep(10);
          inside--;
        }()));
      yield* outcomes(tasks);
      yield* assertFreePermits(sem, 3);
    });
    assert.equal(most, 3);
    assert.deepEqual(starts, [0, 0, 0, 10, 10, 10, 20, 20, 20, 30]);
    assert.equal(clock.now(), 40);
  });

  test("waiters get permits in the order they queued (FIFO)", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const sem = new Semaphore(0);
      // Task i queues at t = 4 - i: the line is d, c, b, a.
      const tasks = ["a", "b", "c", "d"].map((name, i) =>
        createTask(function* () {
          yield* sleep(4 - i);
          yield* permitHolder(sem, log, name, 10);
        }())
      );
      yield* sleep(5);
      sem.release();
      sem.release();
      yield* outcomes(tasks);
      yield* assertFreePermits(sem, 2);
    });
    assert.deepEqual(log, ["d acquired@5", "c acquired@5", "b acquired@15", "a acquired@15"]);
  });

  test("locked() is true while a woken waiter has not run, even with a permit free; a newcomer queues behind it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const sem = new Semaphore(2);
      yield* sem.acquire();
      yield* sem.acquire();
      const first = createTask(permitHolder(sem, log, "first", 10));
      yield* ticks(1);
      sem.release(); // handed to `first`, which has not run yet
      sem.release(); // a permit is free now
      log.push(`locked=${sem.locked()}`);
      yield* sem.acquire(); // main is a newcomer: it must not overtake `first`
      log.push(`main acquired@${now()}`);
      sem.release();
      yield* first;
      yield* assertFreePermits(sem, 2);
    });
    // main got the free permit as soon as `first` ran: no release was needed.
    assert.deepEqual(log, ["locked=true", "first acquired@0", "main acquired@0"]);
  });

  test("locked() is false while permits are free and nobody waits", async () => {
    await scenario(function* () {
      const sem = new Semaphore(2);
      assert.equal(sem.locked(), false);
      yield* sem.acquire();
      assert.equal(sem.locked(), false);
      yield* sem.acquire();
      assert.equal(sem.locked(), true);
      sem.release();
      assert.equal(sem.locked(), false);
      sem.release();
    });
  });

  test("a plain Semaphore may be released more often than acquired: each release adds a permit", async () => {
    await scenario(function* () {
      const sem = new Semaphore(1);
      sem.release();
      sem.release();
      yield* assertFreePermits(sem, 3);
    });
  });

  test("BoundedSemaphore: releasing more often than acquired is a RangeError and changes nothing", async () => {
    await scenario(function* () {
      const sem = new BoundedSemaphore(2);
      assertError(thrownBy(() => sem.release()), RangeError, /released too many times/);
      yield* sem.acquire();
      sem.release();
      assertError(thrownBy(() => sem.release()), RangeError);
      yield* assertFreePermits(sem, 2);
    });
  });

  test("a waiter cancelled while queued leaves the line and the next waiter gets the permit", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const sem = new Semaphore(1);
      yield* sem.acquire();
      const tasks = ["a", "b", "c"].map((name) => createTask(permitHolder(sem, log, name, 1)));
      yield* ticks(1);
      tasks[1]!.cancel();
      yield* ticks(1);
      sem.release();
      assert.deepEqual(yield* outcomes(tasks), ["returned undefined", "cancelled", "returned undefined"]);
      yield* assertFreePermits(sem, 1);
    });
    assert.deepEqual(log, ["b cancelled@0", "a acquired@0", "c acquired@1"]);
  });

  test("a permit released to a waiter that is cancelled before it runs goes to the next waiter; no permit is lost", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const sem = new Semaphore(1);
      yield* sem.acquire();
      const tasks = ["a", "b", "c"].map((name) => createTask(permitHolder(sem, log, name, 1)));
      yield* ticks(1);
      sem.release(); // a gets the permit...
      tasks[0]!.cancel(); // ...and is cancelled before it runs
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined", "returned undefined"]);
      yield* assertFreePermits(sem, 1);
    });
    assert.deepEqual(log, ["a cancelled@0", "b acquired@0", "c acquired@1"]);
  });

  test("a woken-then-cancelled waiter with nobody behind it gives the permit back", async () => {
    await scenario(function* () {
      const sem = new BoundedSemaphore(2);
      yield* sem.acquire();
      yield* sem.acquire();
      const a = createTask(permitHolder(sem, [], "a", 1));
      yield* ticks(1);
      sem.release();
      a.cancel();
      assert.equal(yield* outcome(a), "cancelled");
      assert.equal(sem.locked(), false);
      sem.release(); // not an over-release: the cancelled waiter gave its permit back
      yield* assertFreePermits(sem, 2);
    });
  });

  test("two permits released to two waiters, both cancelled before they run, go to the next two waiters", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const sem = new Semaphore(2);
      yield* sem.acquire();
      yield* sem.acquire();
      const tasks = ["a", "b", "c", "d", "e"].map((name) => createTask(permitHolder(sem, log, name, 5)));
      yield* ticks(1);
      sem.release();
      sem.release();
      tasks[0]!.cancel();
      tasks[1]!.cancel();
      assert.deepEqual(
        yield* outcomes(tasks),
        ["cancelled", "cancelled", "returned undefined", "returned undefined", "returned undefined"],
      );
      yield* assertFreePermits(sem, 2);
    });
    assert.deepEqual(log, ["a cancelled@0", "b cancelled@0", "c acquired@0", "d acquired@0", "e acquired@5"]);
  });
});
