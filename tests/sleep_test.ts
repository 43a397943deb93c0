import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, createTask, getRunningLoop, run, sleep, VirtualClock } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { manualLoop, runUntilIdle } from "./_helpers_loop.ts";

describe("sleep", () => {
  test("sleep(0) yields exactly once: two tasks sleeping 0 in a loop strictly alternate", async () => {
    const log: string[] = [];
    function* worker(name: string) {
      for (let i = 0; i < 4; i++) {
        log.push(`${name}${i}`);
        yield* sleep(0);
      }
    }
    await runVirtual(function* () {
      const a = createTask(worker("A"));
      const b = createTask(worker("B"));
      yield* a;
      yield* b;
    });
    assert.deepEqual(log, ["A0", "B0", "A1", "B1", "A2", "B2", "A3", "B3"]);
  });

  test("sleep(0) arms no timer and takes no time", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.createTask((function* () {
      log.push("before");
      yield* sleep(0);
      log.push("after");
    })());
    assert.equal(loop.runOnce(), 0, "the task is ready again at once");
    assert.deepEqual(log, ["before"]);
    assert.equal(loop.stats().timers, 0);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["before", "after"]);
    assert.equal(clock.now(), 0);
    loop.close();
  });

  test("sleep(ms, result) returns result after ms", async () => {
    const marker = { id: 1 };
    const { result, clock } = await runVirtual(function* () {
      const a = yield* sleep(10, "ten");
      const b = yield* sleep(0, marker);
      const c = yield* sleep(5);
      return [a, b, c] as const;
    });
    assert.equal(result[0], "ten");
    assert.equal(result[1], marker);
    assert.equal(result[2], undefined);
    assert.equal(clock.now(), 15);
  });

  test("a negative sleep yields once like sleep(0) and still returns the result", async () => {
    const log: string[] = [];
    const { result, clock } = await runVirtual(function* () {
      // deno-lint-ignore require-yield
      const other = createTask((function* () {
        log.push("other");
      })());
      log.push("before");
      const value = yield* sleep(-5, "negative");
      log.push("after");
      yield* other;
      return value;
    });
    assert.equal(result, "negative");
    assert.deepEqual(log, ["before", "other", "after"]);
    assert.equal(clock.now(), 0);
  });

  test("sleep(NaN) throws RangeError and sleep('1') throws TypeError", () => {
    assert.throws(() => sleep(NaN), RangeError);
    assert.throws(() => sleep("1" as never), TypeError);
    assert.throws(() => sleep(undefined as never), TypeError);
    assert.throws(() => sleep(null as never), TypeError);
  });

  test("a coroutine that sleeps NaN fails with RangeError", async () => {
    await assert.rejects(
      run(function* () {
        yield* sleep(NaN);
      }, { clock: new VirtualClock() }),
      RangeError,
    );
  });

  test("tasks wake in deadline order", async () => {
    const woke: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const tasks = [30, 10, 20].map((ms) =>
        createTask((function* () {
          yield* sleep(ms);
          woke.push(`${ms}@${loop.time()}`);
        })())
      );
      for (const task of tasks) yield* task;
    });
    assert.deepEqual(woke, ["10@10", "20@20", "30@30"]);
  });

  test("tasks sleeping until the same deadline wake in the order they went to sleep", async () => {
    const woke: string[] = [];
    await runVirtual(function* () {
      const late = createTask((function* () {
        yield* sleep(0);
        yield* sleep(0);
        yield* sleep(100); // goes to sleep last, for the same deadline 100
        woke.push("late");
      })());
      const b = createTask((function* () {
        yield* sleep(100);
        woke.push("b");
      })());
      const c = createTask((function* () {
        yield* sleep(100);
        woke.push("c");
      })());
      yield* late;
      yield* b;
      yield* c;
    });
    assert.deepEqual(woke, ["b", "c", "late"]);
  });

  test("a task that slept earlier for the same deadline wakes first, whatever its delay", async () => {
    const woke: string[] = [];
    await runVirtual(function* () {
      const halves = createTask((function* () {
        yield* sleep(50);
        yield* sleep(50); // sleeps at 50 until 100
        woke.push("halves");
      })());
      const whole = createTask((function* () {
        yield* sleep(100); // sleeps at 0 until 100
        woke.push("whole");
      })());
      yield* halves;
      yield* whole;
    });
    assert.deepEqual(woke, ["whole", "halves"]);
  });

  test("sleep(Infinity) never wakes but can be cancelled", async () => {
    const log: string[] = [];
    const { result, clock } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const sleeper = createTask((function* () {
        try {
          yield* sleep(Infinity);
          log.push("woke");
        } catch (error) {
          log.push(`${(error as Error).name} at ${loop.time()}`);
          throw error;
        }
      })());
      yield* sleep(1000);
      assert.equal(sleeper.done(), false);
      sleeper.cancel();
      let caught: unknown;
      try {
        yield* sleeper;
      } catch (error) {
        caught = error;
      }
      return { caught, cancelled: sleeper.cancelled(), timers: loop.stats().timers };
    });
    assert.ok(result.caught instanceof CancelledError);
    assert.equal(result.cancelled, true);
    assert.equal(result.timers, 0, "the cancelled sleep left no timer behind");
    assert.deepEqual(log, ["CancelledError at 1000"]);
    assert.equal(clock.now(), 1000);
  });

  test("cancelling a sleeping task wakes it at once, not at its deadline", async () => {
    const log: string[] = [];
    const { clock } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const sleeper = createTask((function* () {
        try {
          yield* sleep(60_000);
        } finally {
          log.push(`finally at ${loop.time()}`);
        }
      })());
      yield* sleep(10);
      sleeper.cancel();
      try {
        yield* sleeper;
      } catch (error) {
        log.push((error as Error).name);
      }
    });
    assert.deepEqual(log, ["finally at 10", "CancelledError"]);
    assert.equal(clock.now(), 10);
  });
  test("a task cancelled by a callback in the iteration its sleep ends gets CancelledError", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.callLater(10, () => {
      log.push("cancel");
      sleeper.cancel();
    });
    const sleeper = loop.createTask((function* () {
      try {
        yield* sleep(10); // the same deadline as the callLater, armed after it
        log.push("slept");
      } catch (error) {
        log.push((error as Error).name);
        throw error;
      }
    })());
    loop.runOnce();
    clock.advance(10);
    runUntilIdle(loop);
    assert.deepEqual(log, ["cancel", "CancelledError"]);
    assert.equal(sleeper.cancelled(), true);
    loop.close();
  });

  test("a task cancelled by another task woken in the same iteration gets CancelledError", () => {
    // The common shape of a hand-made timeout: two sleeps end together and the first cancels the second.
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    function* cancelTheOther() {
      yield* sleep(10);
      log.push("cancel");
      victim.cancel();
    }
    function* sleepTen() {
      try {
        yield* sleep(10);
        log.push("slept");
      } catch (error) {
        log.push((error as Error).name);
        throw error;
      }
    }
    const canceller = loop.createTask(cancelTheOther());
    const victim = loop.createTask(sleepTen());
    loop.runOnce();
    clock.advance(10);
    runUntilIdle(loop);
    assert.deepEqual(log, ["cancel", "CancelledError"]);
    assert.equal(canceller.done(), true);
    assert.equal(victim.cancelled(), true);
    assert.equal(loop.stats().tasks, 0);
    loop.close();
  });

  test("a sleep kept and run again sleeps its own delay each time, whatever sleeps ran in between", async () => {
    const { result, clock } = await runVirtual(function* () {
      const seven = sleep(7);
      const three = sleep(3);
      const marks: number[] = [];
      const start = getRunningLoop().time();
      yield* seven;
      marks.push(getRunningLoop().time() - start);
      yield* three;
      marks.push(getRunningLoop().time() - start);
      yield* seven;
      marks.push(getRunningLoop().time() - start);
      return marks;
    });
    assert.deepEqual(result, [7, 10, 17]);
    assert.equal(clock.now(), 17);
  });

  test("sleeps whose iterators are taken by hand before they are stepped keep their own delays", async () => {
    // yield* steps an iterator right after taking it; a wrapper that takes two first must not mix them up.
    function* both(): Generator<unknown, number[], unknown> {
      const loop = getRunningLoop();
      const start = loop.time();
      const first = sleep(20)[Symbol.iterator]();
      const second = sleep(5)[Symbol.iterator]();
      const ends: number[] = [];
      for (const it of [first, second]) {
        let step = it.next();
        while (!step.done) step = it.next(yield step.value);
        ends.push(loop.time() - start);
      }
      return ends;
    }
    const { result } = await runVirtual(both);
    assert.deepEqual(result, [20, 25]);
  });

  test("many tasks sleeping different delays each wake at their own deadline", async () => {
    const delays = [13, 2, 8, 2, 0, 21, 5];
    const { result } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const woke: [number, number][] = [];
      const tasks = delays.map((ms, i) =>
        createTask((function* () {
          yield* sleep(ms);
          woke.push([i, loop.time()]);
        })())
      );
      for (const t of tasks) yield* t;
      return woke;
    });
    assert.deepEqual(result, [[4, 0], [1, 2], [3, 2], [6, 5], [2, 8], [0, 13], [5, 21]]);
  });
});
