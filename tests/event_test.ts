import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Coroutine, createTask, Event, getRunningLoop, sleep } from "../host/mod.ts";
import { now, outcomes, scenario, ticks } from "./_helpers_sync.ts";

/** Waits for `event`, logging `name woke@t` (or `name cancelled@t`), and returns what wait() returned. */
function* waiter(event: Event, log: string[], name: string): Coroutine<boolean> {
  let value: boolean;
  try {
    value = yield* event.wait();
  } catch (error) {
    log.push(`${name} cancelled@${now()}`);
    throw error;
  }
  log.push(`${name} woke@${now()}`);
  return value;
}

describe("Event", () => {
  test("a new Event is not set; set() and clear() flip isSet()", () => {
    const event = new Event();
    assert.equal(event.isSet(), false);
    event.set();
    assert.equal(event.isSet(), true);
    event.set(); // setting twice is harmless
    assert.equal(event.isSet(), true);
    event.clear();
    assert.equal(event.isSet(), false);
  });

  test("wait() on a set Event returns true at once, without yielding to other tasks", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const event = new Event();
      event.set();
      const other = createTask(function* () {
        log.push("other ran");
        yield* sleep(0);
      }());
      const value = yield* event.wait();
      log.push(`wait returned ${value}`);
      yield* other;
    });
    assert.deepEqual(log, ["wait returned true", "other ran"]);
  });

  test("set() wakes every waiter, in the order they started waiting, and each wait() returns true", async () => {
    const log: string[] = [];
    const { clock } = await scenario(function* () {
      const event = new Event();
      // Waiters join at t = 3 - i: the line is c, b, a.
      const tasks = ["a", "b", "c"].map((name, i) =>
        createTask(function* () {
          yield* sleep(3 - i);
          return yield* waiter(event, log, name);
        }())
      );
      yield* sleep(10);
      log.push(`set@${now()}`);
      event.set();
      assert.deepEqual(yield* outcomes(tasks), ["returned true", "returned true", "returned true"]);
    });
    assert.deepEqual(log, ["set@10", "c woke@10", "b woke@10", "a woke@10"]);
    assert.equal(clock.now(), 10);
  });

  test("after clear(), wait() blocks again until the next set()", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const event = new Event();
      event.set();
      yield* waiter(event, log, "before clear");
      event.clear();
      const task = createTask(waiter(event, log, "after clear"));
      yield* sleep(50);
      assert.equal(getRunningLoop().stats().waitLines, 1);
      log.push(`set@${now()}`);
      event.set();
      yield* task;
    });
    assert.deepEqual(log, ["before clear woke@0", "set@50", "after clear woke@50"]);
  });

  test("set() then clear() before the woken waiters run still releases them (they were notified)", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const event = new Event();
      const tasks = ["a", "b"].map((name) => createTask(waiter(event, log, name)));
      yield* sleep(0);
      event.set();
      event.clear();
      const late = createTask(waiter(event, log, "late"));
      yield* outcomes(tasks);
      yield* sleep(5);
      assert.equal(late.done(), false, "a waiter that came after clear() still waits");
      event.set();
      yield* late;
    });
    assert.deepEqual(log, ["a woke@0", "b woke@0", "late woke@5"]);
  });

  test("a cancelled waiter leaves the line: the others still wake in order and it gets CancelledError", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const event = new Event();
      const tasks = ["a", "b", "c", "d"].map((name) => createTask(waiter(event, log, name)));
      yield* sleep(0);
      tasks[1]!.cancel();
      yield* sleep(1);
      event.set();
      assert.deepEqual(yield* outcomes(tasks), ["returned true", "cancelled", "returned true", "returned true"]);
    });
    assert.deepEqual(log, ["b cancelled@0", "a woke@1", "c woke@1", "d woke@1"]);
  });

  test("a waiter woken by set() and cancelled before it runs gets CancelledError; the others are unaffected", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const event = new Event();
      const tasks = ["a", "b", "c"].map((name) => createTask(waiter(event, log, name)));
      yield* sleep(0);
      event.set();
      tasks[0]!.cancel();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned true", "returned true"]);
    });
    assert.deepEqual(log, ["a cancelled@0", "b woke@0", "c woke@0"]);
  });

  test("cancelling every waiter frees the line; a later set() has nobody to wake", async () => {
    await scenario(function* () {
      const event = new Event();
      const tasks = [1, 2, 3].map(() => createTask(waiter(event, [], "w")));
      yield* ticks(1);
      assert.equal(getRunningLoop().stats().waitLines, 1);
      for (const t of tasks) t.cancel();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "cancelled", "cancelled"]);
      assert.equal(getRunningLoop().stats().waitLines, 0);
      event.set();
      assert.equal(yield* event.wait(), true);
    });
  });
});
