import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  allTasks,
  createTask,
  type ExceptionContext,
  getRunningLoop,
  Handle,
  Loop,
  run,
  Runner,
  RuntimeError,
  sleep,
  type Task,
  TimerHandle,
  VirtualClock,
} from "../host/mod.ts";
import { manualLoop, runUntilIdle, thrown, withConsoleErrorStub } from "./_helpers_loop.ts";

/** A loop on an autojumping VirtualClock, for runForever / runUntilComplete without real time. */
function virtualLoop(options: { debug?: boolean; shuffle?: number } = {}): Loop {
  return new Loop({ ...options, clock: new VirtualClock() });
}

describe("Loop.callSoon", () => {
  test("callSoon callbacks run in FIFO order with their arguments", () => {
    const { loop } = manualLoop();
    const log: unknown[][] = [];
    const record = (...args: unknown[]) => log.push(args);
    loop.callSoon(record, "a", 1);
    loop.callSoon(record);
    loop.callSoon(record, "c", 3, { x: true });
    loop.callSoon(record, "d");
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, [["a", 1], [], ["c", 3, { x: true }], ["d"]]);
    loop.close();
  });

  test("callSoon returns a Handle that is not cancelled", () => {
    const { loop } = manualLoop();
    const handle = loop.callSoon(() => {});
    assert.ok(handle instanceof Handle);
    assert.equal(handle instanceof TimerHandle, false);
    assert.equal(handle.cancelled(), false);
    loop.close();
  });

  test("callSoon with something that is not a function throws TypeError", () => {
    const { loop } = manualLoop();
    for (const bad of [undefined, null, 42, "callback", {}, [], (function* () {})()]) {
      assert.throws(() => loop.callSoon(bad as never), TypeError, `callSoon(${String(bad)})`);
    }
    assert.equal(loop.runOnce(), -1, "nothing was scheduled");
    loop.close();
  });

  test("callSoon with a generator function throws TypeError: a coroutine function is not a callback", () => {
    // asyncio's _check_callback: "coroutines cannot be used with call_soon()". Calling a
    // generator function only creates a coroutine that nobody runs: a silent no-op.
    const { loop } = manualLoop();
    let ran = false;
    function* worker() {
      ran = true;
      yield* sleep(0);
    }
    assert.throws(() => loop.callSoon(worker), TypeError);
    assert.throws(() => loop.callLater(10, worker), TypeError);
    assert.throws(() => loop.callAt(10, worker), TypeError);
    runUntilIdle(loop);
    assert.equal(ran, false);
    loop.close();
  });

  test("callbacks scheduled by a callback run after every callback already ready", () => {
    const { loop } = manualLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      loop.callSoon(() => log.push("a2"));
    });
    loop.callSoon(() => log.push("b"));
    runUntilIdle(loop);
    assert.deepEqual(log, ["a", "b", "a2"]);
    loop.close();
  });
});

describe("Loop.callLater and Loop.callAt", () => {
  test("timers run in deadline order, not in the order they were scheduled", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.callLater(30, () => log.push("30"));
    loop.callLater(10, () => log.push("10"));
    loop.callAt(20, () => log.push("20"));
    loop.callAt(5, () => log.push("5"));
    clock.advance(30);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["5", "10", "20", "30"]);
    loop.close();
  });

  test("only the timers that are due run", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.callLater(10, () => log.push("10"));
    loop.callLater(20, () => log.push("20"));
    clock.advance(15);
    assert.equal(loop.runOnce(), 5);
    assert.deepEqual(log, ["10"]);
    clock.advance(5);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["10", "20"]);
    loop.close();
  });

  test("timers with equal deadlines run in the order they were scheduled", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.callLater(10, () => log.push("1"));
    loop.callAt(10, () => log.push("2"));
    loop.callLater(3, () => log.push("early"));
    clock.advance(5);
    loop.callLater(5, () => log.push("3")); // deadline 5 + 5 = 10
    loop.callAt(10, () => log.push("4"));
    loop.callAt(11, () => log.push("late"));
    clock.advance(6);
    runUntilIdle(loop);
    assert.deepEqual(log, ["early", "1", "2", "3", "4", "late"]);
    loop.close();
  });

  test("many timers with repeated deadlines run sorted by deadline, ties in scheduling order", () => {
    const { loop, clock } = manualLoop();
    const log: number[] = [];
    const deadlines: number[] = [];
    for (let i = 0; i < 60; i++) {
      const when = [15, 5, 10, 5, 20][i % 5]! + (i % 7 === 0 ? 1 : 0);
      deadlines.push(when);
      if (i % 2 === 0) loop.callAt(when, () => log.push(i));
      else loop.callLater(when, () => log.push(i));
    }
    clock.advance(100);
    runUntilIdle(loop);
    const expected = deadlines.map((when, i) => ({ when, i })).sort((a, b) => a.when - b.when || a.i - b.i)
      .map(({ i }) => i);
    assert.deepEqual(log, expected);
    loop.close();
  });

  test("TimerHandle.when() is the loop time plus the delay, or the time given to callAt", () => {
    const { loop, clock } = manualLoop();
    clock.advance(7);
    const later = loop.callLater(3, () => {});
    const at = loop.callAt(42.5, () => {});
    assert.ok(later instanceof TimerHandle);
    assert.ok(at instanceof TimerHandle);
    assert.equal(later.when(), 10);
    assert.equal(at.when(), 42.5);
    loop.close();
  });

  test("a timer with a negative delay is due at once, behind the callbacks already ready", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    clock.advance(100);
    const handle = loop.callLater(-10, () => log.push("past"));
    loop.callSoon(() => log.push("soon"));
    assert.equal(handle.when(), 90);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["soon", "past"]);
    loop.close();
  });

  test("a timer already due runs after the callbacks that were ready before it, in the same iteration", () => {
    // asyncio's _run_once appends due timers to the ready queue behind what is already there.
    const { loop } = manualLoop();
    const log: string[] = [];
    loop.callLater(0, () => log.push("timer"));
    loop.callSoon(() => log.push("soon"));
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["soon", "timer"]);
    loop.close();
  });

  test("callLater with NaN throws RangeError, with a string or null TypeError", () => {
    const { loop } = manualLoop();
    assert.throws(() => loop.callLater(NaN, () => {}), RangeError);
    assert.throws(() => loop.callLater("10" as never, () => {}), TypeError);
    assert.throws(() => loop.callLater(null as never, () => {}), TypeError);
    assert.throws(() => loop.callAt(NaN, () => {}), RangeError);
    assert.throws(() => loop.callAt("10" as never, () => {}), TypeError);
    assert.throws(() => loop.callLater(10, "callback" as never), TypeError);
    assert.equal(loop.runOnce(), -1, "nothing was scheduled");
    assert.equal(loop.stats().timers, 0);
    loop.close();
  });
});

describe("Handle.cancel", () => {
  test("a cancelled callSoon callback never runs", () => {
    const { loop } = manualLoop();
    const log: string[] = [];
    loop.callSoon(() => log.push("a"));
    const handle = loop.callSoon(() => log.push("b"));
    loop.callSoon(() => log.push("c"));
    handle.cancel();
    assert.equal(handle.cancelled(), true);
    runUntilIdle(loop);
    assert.deepEqual(log, ["a", "c"]);
    loop.close();
  });

  test("a cancelled timer never runs and no longer counts as the next timer", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    const first = loop.callLater(10, () => log.push("10"));
    loop.callLater(20, () => log.push("20"));
    first.cancel();
    assert.equal(first.cancelled(), true);
    assert.equal(loop.runOnce(), 20);
    assert.equal(loop.stats().timers, 1);
    clock.advance(20);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["20"]);
    loop.close();
  });

  test("cancelling the only timer leaves the loop idle", () => {
    const { loop } = manualLoop();
    const handle = loop.callLater(10, () => {});
    handle.cancel();
    assert.equal(loop.runOnce(), -1);
    assert.equal(loop.stats().timers, 0);
    loop.close();
  });

  test("a callback cancelled by an earlier callback of the same iteration does not run", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      victim.cancel();
      timerVictim.cancel();
    });
    const victim = loop.callSoon(() => log.push("b"));
    const timerVictim = loop.callAt(0, () => log.push("timer"));
    clock.advance(0);
    runUntilIdle(loop);
    assert.deepEqual(log, ["a"]);
    loop.close();
  });

  test("cancel() after the callback ran is harmless", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    const soon = loop.callSoon(() => log.push("soon"));
    const timer = loop.callLater(5, () => log.push("timer"));
    loop.runOnce();
    clock.advance(5);
    loop.runOnce();
    assert.deepEqual(log, ["soon", "timer"]);
    soon.cancel();
    soon.cancel();
    timer.cancel();
    assert.equal(soon.cancelled(), true);
    assert.equal(timer.cancelled(), true);
    loop.callSoon(() => log.push("after"));
    loop.callLater(1, () => log.push("after timer"));
    clock.advance(1);
    runUntilIdle(loop);
    assert.deepEqual(log, ["soon", "timer", "after", "after timer"]);
    loop.close();
  });

  test("cancelling a handle that already ran does not cancel a newer callback", () => {
    const { loop } = manualLoop();
    const log: string[] = [];
    const old = loop.callSoon(() => log.push("old"));
    loop.runOnce();
    loop.runOnce(); // the old callback's slot is free again
    const fresh: Handle[] = [];
    for (let i = 0; i < 4; i++) fresh.push(loop.callSoon(() => log.push(`new ${i}`)));
    old.cancel();
    runUntilIdle(loop);
    assert.deepEqual(log, ["old", "new 0", "new 1", "new 2", "new 3"]);
    assert.ok(fresh.every((h) => !h.cancelled()));
    loop.close();
  });
});

describe("Loop.time", () => {
  test("time() follows the loop's clock", () => {
    const { loop, clock } = manualLoop();
    assert.equal(loop.time(), 0);
    clock.advance(12.5);
    assert.equal(loop.time(), 12.5);
    clock.advance(0.25);
    assert.equal(loop.time(), 12.75);
    loop.close();
  });

  test("a Loop needs a clock with a now() method", () => {
    assert.throws(() => new Loop({ clock: {} as never }), TypeError);
  });
});

describe("Loop.runOnce", () => {
  test("runOnce() on an idle loop returns -1", () => {
    const { loop } = manualLoop();
    assert.equal(loop.runOnce(), -1);
    assert.equal(loop.runOnce(), -1);
    loop.close();
  });

  test("runOnce() returns the ms until the next timer and never sleeps", () => {
    const { loop, clock } = manualLoop();
    const log: number[] = [];
    loop.callLater(250, () => log.push(loop.time()));
    assert.equal(loop.runOnce(), 250);
    assert.equal(clock.now(), 0);
    assert.deepEqual(log, []);
    clock.advance(100);
    assert.equal(loop.runOnce(), 150);
    clock.advance(150);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, [250]);
    loop.close();
  });

  test("runOnce() returns 0 while work is ready, even with a timer armed", () => {
    const { loop } = manualLoop();
    const log: string[] = [];
    loop.callLater(40, () => log.push("timer"));
    loop.callSoon(() => loop.callSoon(() => log.push("second")));
    assert.equal(loop.runOnce(), 0);
    assert.deepEqual(log, []);
    assert.equal(loop.runOnce(), 40);
    assert.deepEqual(log, ["second"]);
    loop.close();
  });

  test("runOnce() makes due timers ready and runs only what was ready at its start", () => {
    const { loop, clock } = manualLoop();
    const log: string[] = [];
    loop.callLater(10, () => {
      log.push("timer");
      loop.callSoon(() => log.push("from timer"));
    });
    clock.advance(10);
    loop.callSoon(() => {
      log.push("a");
      loop.callSoon(() => log.push("from a"));
      loop.callLater(0, () => log.push("timer from a"));
    });
    assert.equal(loop.runOnce(), 0);
    assert.deepEqual(log, ["a", "timer"]);
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["a", "timer", "from a", "from timer", "timer from a"]);
    loop.close();
  });

  test("runOnce() runs every callback that was ready at its start, however many", () => {
    const { loop } = manualLoop();
    const count = 5000;
    let ran = 0;
    for (let i = 0; i < count; i++) loop.callSoon(() => ran++);
    assert.equal(loop.runOnce(), -1);
    assert.equal(ran, count);
    loop.close();
  });

  test("runOnce() steps tasks one yield per call", () => {
    const { loop } = manualLoop();
    const log: string[] = [];
    const task = loop.createTask((function* () {
      log.push("step 1");
      yield* sleep(0);
      log.push("step 2");
      yield* sleep(0);
      log.push("step 3");
      return "done";
    })());
    assert.deepEqual(log, [], "a new task does not run before the loop does");
    assert.equal(loop.runOnce(), 0);
    assert.deepEqual(log, ["step 1"]);
    assert.equal(loop.runOnce(), 0);
    assert.deepEqual(log, ["step 1", "step 2"]);
    loop.runOnce();
    assert.deepEqual(log, ["step 1", "step 2", "step 3"]);
    assert.equal(task.done(), true);
    assert.equal(task.result(), "done");
    assert.equal(runUntilIdle(loop), -1);
    loop.close();
  });

  test("runOnce() makes the loop the running loop only while callbacks run", () => {
    const { loop } = manualLoop();
    const seen: Loop[] = [];
    loop.callSoon(() => seen.push(getRunningLoop()));
    loop.runOnce();
    assert.deepEqual(seen, [loop]);
    assert.throws(() => getRunningLoop(), RuntimeError);
    loop.close();
  });

  test("runOnce() on a closed loop throws RuntimeError", () => {
    const { loop } = manualLoop();
    loop.close();
    assert.throws(() => loop.runOnce(), RuntimeError);
  });

  test("runOnce() while the loop is running throws RuntimeError", async () => {
    const loop = virtualLoop();
    let error: unknown;
    loop.callSoon(() => {
      error = thrown(() => loop.runOnce());
      loop.stop();
    });
    await loop.runForever();
    assert.ok(error instanceof RuntimeError, `got ${String(error)}`);
    loop.close();
  });
});

describe("Loop.runUntilComplete", () => {
  test("runUntilComplete() resolves with the coroutine's result", async () => {
    const loop = virtualLoop();
    const result = await loop.runUntilComplete((function* () {
      yield* sleep(100);
      return 42;
    })());
    assert.equal(result, 42);
    assert.equal(loop.time(), 100);
    assert.equal(loop.isRunning(), false);
    loop.close();
  });

  test("runUntilComplete() rejects with the coroutine's error", async () => {
    class Boom extends Error {}
    const boom = new Boom("boom");
    const loop = virtualLoop();
    await assert.rejects(
      loop.runUntilComplete((function* () {
        yield* sleep(10);
        throw boom;
      })()),
      (error) => error === boom,
    );
    assert.equal(loop.isRunning(), false);
    loop.close();
  });

  test("runUntilComplete() accepts a future or a task of the loop", async () => {
    const loop = virtualLoop();
    const future = loop.createFuture<string>();
    loop.callLater(5, () => future.setResult("from a future"));
    assert.equal(await loop.runUntilComplete(future), "from a future");
    const task = loop.createTask((function* () {
      yield* sleep(5);
      return "from a task";
    })());
    assert.equal(await loop.runUntilComplete(task), "from a task");
    assert.equal(loop.time(), 10);
    loop.close();
  });

  test("runUntilComplete() of another loop's future throws RangeError", () => {
    const loop = virtualLoop();
    const other = virtualLoop();
    assert.throws(() => loop.runUntilComplete(other.createFuture()), RangeError);
    loop.close();
    other.close();
  });

  test("runUntilComplete() rejects with RuntimeError when the loop stops before the future is done", async () => {
    const loop = virtualLoop();
    loop.callSoon(() => loop.stop());
    await assert.rejects(loop.runUntilComplete(loop.createFuture()), RuntimeError);
    assert.equal(loop.isRunning(), false);
    loop.close();
  });
});

describe("Loop.runForever and Loop.stop", () => {
  test("stop() from a callback ends runForever after the current iteration", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      loop.stop();
      loop.callSoon(() => log.push("next iteration"));
    });
    loop.callSoon(() => log.push("b"));
    await loop.runForever();
    assert.deepEqual(log, ["a", "b"]);
    assert.equal(loop.isRunning(), false);
    // What the stopped iteration scheduled is still there for the next run.
    assert.equal(loop.runOnce(), -1);
    assert.deepEqual(log, ["a", "b", "next iteration"]);
    loop.close();
  });

  test("stop() before runForever runs exactly one iteration", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("first");
      loop.callSoon(() => log.push("second"));
    });
    loop.stop();
    await loop.runForever();
    assert.deepEqual(log, ["first"]);
    loop.close();
  });

  test("runForever() can run again after stop()", async () => {
    const loop = virtualLoop();
    const log: number[] = [];
    loop.callLater(10, () => {
      log.push(loop.time());
      loop.stop();
    });
    await loop.runForever();
    loop.callLater(5, () => {
      log.push(loop.time());
      loop.stop();
    });
    await loop.runForever();
    assert.deepEqual(log, [10, 15]);
    loop.close();
  });

  test("runForever() or runUntilComplete() while the loop is running throws RuntimeError", async () => {
    const loop = virtualLoop();
    const errors: unknown[] = [];
    loop.callSoon(() => {
      errors.push(thrown(() => loop.runForever()));
      errors.push(thrown(() => loop.runUntilComplete(loop.createFuture())));
      loop.stop();
    });
    await loop.runForever();
    assert.equal(errors.length, 2);
    for (const error of errors) assert.ok(error instanceof RuntimeError, `got ${String(error)}`);
    loop.close();
  });

  test("stop() still lets every callback already scheduled run, however many", async () => {
    // asyncio: "Every callback already scheduled will still run"; runForever stops after a complete iteration.
    const loop = virtualLoop();
    const count = 5000;
    let ran = 0;
    loop.callSoon(() => loop.stop());
    for (let i = 1; i < count; i++) loop.callSoon(() => ran++);
    await loop.runForever();
    assert.equal(ran, count - 1);
    loop.close();
  });

  test("runForever() from inside another running loop throws RuntimeError", async () => {
    const outer = virtualLoop();
    const inner = virtualLoop();
    let error: unknown;
    outer.callSoon(() => {
      error = thrown(() => inner.runForever());
      outer.stop();
    });
    await outer.runForever();
    assert.ok(error instanceof RuntimeError, `got ${String(error)}`);
    assert.equal(inner.isRunning(), false);
    outer.close();
    inner.close();
  });

  test("isRunning() is true only while the loop runs", async () => {
    const loop = virtualLoop();
    const seen: boolean[] = [];
    assert.equal(loop.isRunning(), false);
    loop.callSoon(() => seen.push(loop.isRunning()));
    loop.callLater(10, () => {
      seen.push(loop.isRunning());
      loop.stop();
    });
    await loop.runForever();
    assert.deepEqual(seen, [true, true]);
    assert.equal(loop.isRunning(), false);
    loop.close();
  });
});

describe("Loop.close", () => {
  test("close() on a running loop throws RuntimeError and the loop keeps running", async () => {
    const loop = virtualLoop();
    const log: string[] = [];
    let error: unknown;
    loop.callSoon(() => {
      error = thrown(() => loop.close());
      loop.callSoon(() => {
        log.push("still running");
        loop.stop();
      });
    });
    await loop.runForever();
    assert.ok(error instanceof RuntimeError, `got ${String(error)}`);
    assert.deepEqual(log, ["still running"]);
    assert.equal(loop.isClosed(), false);
    loop.close();
    assert.equal(loop.isClosed(), true);
  });

  test("a closed loop refuses callSoon, callLater, callAt, createTask and running with RuntimeError", async () => {
    const { loop } = manualLoop();
    assert.equal(loop.isClosed(), false);
    loop.close();
    assert.equal(loop.isClosed(), true);
    assert.throws(() => loop.callSoon(() => {}), RuntimeError);
    assert.throws(() => loop.callLater(10, () => {}), RuntimeError);
    assert.throws(() => loop.callAt(10, () => {}), RuntimeError);
    assert.throws(() => loop.createTask((function* () {})()), RuntimeError);
    await assert.rejects(async () => await loop.runForever(), RuntimeError);
    await assert.rejects(async () => await loop.runUntilComplete((function* () {})()), RuntimeError);
  });

  test("closing a loop adds no task anywhere: none listed, none numbered, none run", async () => {
    // close() keeps objects made only for the engine's hidden classes (Loop.close()): they must not show.
    const { loop: a } = manualLoop();
    const first = a.createTask((function* () {})());
    runUntilIdle(a);
    const n = Number(/^Task-(\d+)$/.exec(first.getName())![1]);
    a.close();
    const { loop: b } = manualLoop();
    const ran: string[] = [];
    // deno-lint-ignore require-yield
    const next = b.createTask((function* () {
      ran.push("next");
    })());
    assert.equal(next.getName(), `Task-${n + 1}`, "close() took no task number");
    assert.equal(b.stats().tasks, 1);
    runUntilIdle(b);
    assert.deepEqual(ran, ["next"]);
    assert.deepEqual([a.stats().tasks, b.stats().tasks], [0, 0]);
    // deno-lint-ignore require-yield
    const listed = await run(function* () {
      return allTasks().size;
    });
    assert.equal(listed, 1, "a run after closes lists only its main task");
    b.close();
  });

  test("what a closed loop leaves behind cannot reach the loops made after it, which may reuse its core", () => {
    // A closed loop's core instance may serve the next loop: the closed loop must never write into it again.
    const { loop: a } = manualLoop();
    const future = a.createFuture<number>();
    const waiting = a.createTask((function* () {
      return yield* future;
    })());
    const sleeping = a.createTask((function* () {
      yield* sleep(5);
    })());
    a.runOnce(); // both wait now
    a.close(); // asyncio's close() drops pending tasks too

    for (let round = 0; round < 3; round++) {
      const { loop: b, clock } = manualLoop();
      assert.deepEqual(b.stats().tasks, 0, "a new loop starts empty");
      assert.equal(b.stats().timers, 0);
      const log: string[] = [];
      b.createTask((function* () {
        log.push("ran");
        yield* sleep(10);
        log.push("woke");
      })());
      b.runOnce();
      // The closed loop's leftovers: a result that wakes its task, a cancellation of its sleeper.
      if (round === 0) {
        const resultError = thrown(() => future.setResult(1));
        const cancelError = thrown(() => sleeping.cancel());
        for (const error of [resultError, cancelError]) {
          assert.ok(error === undefined || error instanceof RuntimeError, `got ${String(error)}`);
        }
      }
      assert.equal(a.stats().tasks, 0, "a closed loop reports nothing live");
      assert.equal(b.stats().tasks, 1, "the new loop still has just its own task");
      assert.equal(b.stats().timers, 1);
      clock.advance(10);
      runUntilIdle(b);
      assert.deepEqual(log, ["ran", "woke"]);
      assert.equal(b.stats().tasks, 0);
      b.close();
    }
    assert.equal(waiting.done(), false);
  });

  test("a loop made after a close knows none of the closed loop's tasks, though it may take over its slot array", async () => {
    const { loop: a } = manualLoop();
    const left = [0, 1, 2].map(() =>
      a.createTask((function* () {
        yield* sleep(5);
      })())
    );
    a.runOnce(); // all three sleep
    a.close(); // and are dropped, still pending, in the slots they held
    const { loop: b } = manualLoop();
    assert.ok(b._objects.every((entry) => entry === undefined), "no entry of the closed loop's is left");
    // deno-lint-ignore require-yield
    const names = await b.runUntilComplete((function* () {
      return [...allTasks()].map((t) => t.getName());
    })());
    assert.equal(names.length, 1, `only the main task is listed, got ${names.join(", ")}`);
    assert.ok(left.every((t) => !t.done()));
    b.close();
  });

  test("close() on a closed loop does nothing", () => {
    const { loop } = manualLoop();
    loop.close();
    loop.close();
    assert.equal(loop.isClosed(), true);
  });
});

describe("Loop exception handler", () => {
  test("a throwing callback is reported with message, exception and handle, and the iteration goes on", () => {
    const { loop } = manualLoop();
    const reports: { loop: Loop; context: ExceptionContext }[] = [];
    loop.setExceptionHandler((l, context) => reports.push({ loop: l, context }));
    const log: string[] = [];
    const boom = new Error("boom");
    const handle = loop.callSoon(function explode() {
      throw boom;
    });
    loop.callSoon(() => log.push("after"));
    runUntilIdle(loop);
    assert.deepEqual(log, ["after"]);
    assert.equal(reports.length, 1);
    const { loop: reportedLoop, context } = reports[0]!;
    assert.equal(reportedLoop, loop);
    assert.equal(context.exception, boom);
    assert.equal(context.handle, handle);
    assert.match(context.message, /^Exception in callback/);
    assert.match(context.message, /explode/);
    loop.close();
  });

  test("a throwing callback does not stop runUntilComplete", async () => {
    const loop = virtualLoop();
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => reports.push(context));
    loop.callLater(5, () => {
      throw new TypeError("bad callback");
    });
    const result = await loop.runUntilComplete((function* () {
      yield* sleep(10);
      return "finished";
    })());
    assert.equal(result, "finished");
    assert.equal(reports.length, 1);
    assert.ok(reports[0]!.exception instanceof TypeError);
    loop.close();
  });

  test("a throwing exception handler does not break the loop; the default handler logs it", async () => {
    const { loop } = manualLoop();
    const log: string[] = [];
    loop.setExceptionHandler(() => {
      throw new Error("handler broke");
    });
    const lines = await withConsoleErrorStub(() => {
      loop.callSoon(() => {
        throw new Error("callback broke");
      });
      loop.callSoon(() => log.push("same iteration"));
      loop.runOnce();
      loop.callSoon(() => log.push("next iteration"));
      runUntilIdle(loop);
    });
    assert.deepEqual(log, ["same iteration", "next iteration"]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /Unhandled error in exception handler/);
    assert.match(lines[0]!, /handler broke/);
    loop.close();
  });

  test("callExceptionHandler() hands the context to the handler and never throws", async () => {
    const { loop } = manualLoop();
    const reports: { loop: Loop; context: ExceptionContext }[] = [];
    loop.setExceptionHandler((l, context) => reports.push({ loop: l, context }));
    const error = new RangeError("custom");
    const context: ExceptionContext = { message: "Something happened", exception: error, extra: 7 };
    loop.callExceptionHandler(context);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.loop, loop);
    assert.deepEqual(reports[0]!.context, { message: "Something happened", exception: error, extra: 7 });

    loop.setExceptionHandler(() => {
      throw new Error("handler broke");
    });
    const lines = await withConsoleErrorStub(() => {
      assert.equal(thrown(() => loop.callExceptionHandler({ message: "again" })), undefined);
    });
    assert.equal(lines.length, 1);
    loop.close();
  });

  test("without a handler, errors are logged with console.error", async () => {
    const { loop } = manualLoop();
    loop.setExceptionHandler(() => {});
    loop.setExceptionHandler(null);
    assert.equal(loop.getExceptionHandler(), null);
    const lines = await withConsoleErrorStub(() => {
      loop.callSoon(function explode() {
        throw new Error("kaboom");
      });
      runUntilIdle(loop);
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /Exception in callback/);
    assert.match(lines[0]!, /kaboom/);
    loop.close();
  });

  test("defaultExceptionHandler() logs the message, the other context keys and the exception", async () => {
    const { loop } = manualLoop();
    const lines = await withConsoleErrorStub(() => {
      loop.defaultExceptionHandler({ message: "Something broke", exception: new Error("the reason"), detail: "xyz" });
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^Something broke/);
    assert.match(lines[0]!, /detail: xyz/);
    assert.match(lines[0]!, /the reason/);
    loop.close();
  });

  test("setExceptionHandler() with something that is not a function throws TypeError", () => {
    const { loop } = manualLoop();
    assert.throws(() => loop.setExceptionHandler("handler" as never), TypeError);
    assert.equal(loop.getExceptionHandler(), null);
    loop.close();
  });
});

describe("Loop debug mode", () => {
  test("getDebug() is false by default and setDebug() changes it", () => {
    const { loop } = manualLoop();
    assert.equal(loop.getDebug(), false);
    loop.setDebug(true);
    assert.equal(loop.getDebug(), true);
    loop.setDebug(false);
    assert.equal(loop.getDebug(), false);
    loop.close();
  });

  test("the debug option turns debug mode on for a Loop, run() and a Runner", async () => {
    const { loop } = manualLoop({ debug: true });
    assert.equal(loop.getDebug(), true);
    loop.close();
    // deno-lint-ignore require-yield
    const seen = await run(function* () {
      return getRunningLoop().getDebug();
    }, { debug: true, clock: new VirtualClock() });
    assert.equal(seen, true);
    const runner = new Runner({ debug: true, clock: new VirtualClock() });
    assert.equal(runner.getLoop().getDebug(), true);
    await runner.close();
  });
  test("in debug mode, close() reports each task still pending; without debug it reports nothing", () => {
    for (const debug of [true, false]) {
      const { loop } = manualLoop({ debug });
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => reports.push(context));
      const task = loop.createTask(
        (function* () {
          yield* sleep(Infinity);
        })(),
        { name: "forgotten" },
      );
      loop.runOnce();
      loop.close();
      if (debug) {
        assert.equal(reports.length, 1);
        assert.equal(reports[0]!.task, task);
        assert.match(reports[0]!.message, /destroyed but it is pending/);
      } else {
        assert.deepEqual(reports, []);
      }
    }
  });
});

describe("Loop.stats", () => {
  test("stats() counts tasks by state, ready entries, timers and steps run", () => {
    const { loop, clock } = manualLoop();
    const future = loop.createFuture<number>();
    loop.createTask((function* () {
      yield* sleep(100);
    })());
    loop.createTask((function* () {
      yield* future;
    })());
    loop.callSoon(() => {});
    loop.callLater(50, () => {});
    const pick = () => {
      const s = loop.stats();
      return { tasks: s.tasks, tasksByState: s.tasksByState, ready: s.ready, timers: s.timers, steps: s.steps };
    };
    assert.deepEqual(pick(), {
      tasks: 2,
      tasksByState: { created: 0, ready: 2, running: 0, waiting: 0 },
      ready: 3,
      timers: 1,
      steps: 0,
    });
    loop.runOnce();
    assert.deepEqual(pick(), {
      tasks: 2,
      tasksByState: { created: 0, ready: 0, running: 0, waiting: 2 },
      ready: 0,
      timers: 2, // the callLater and the sleep
      steps: 3,
    });
    future.setResult(1);
    assert.deepEqual(pick(), {
      tasks: 2,
      tasksByState: { created: 0, ready: 1, running: 0, waiting: 1 },
      ready: 1,
      timers: 2,
      steps: 3,
    });
    loop.runOnce();
    assert.deepEqual(pick(), {
      tasks: 1,
      tasksByState: { created: 0, ready: 0, running: 0, waiting: 1 },
      ready: 0,
      timers: 2,
      steps: 4,
    });
    clock.advance(100);
    runUntilIdle(loop);
    assert.deepEqual(pick(), {
      tasks: 0,
      tasksByState: { created: 0, ready: 0, running: 0, waiting: 0 },
      ready: 0,
      timers: 0,
      steps: 6,
    });
    const s = loop.stats();
    assert.equal(s.tasksCreated, 2);
    assert.equal(s.tasksDone, 2);
    assert.equal(s.tasksCancelled, 0);
    loop.close();
  });

  test("stats() from inside a task shows that task running", async () => {
    // deno-lint-ignore require-yield
    const byState = await run(function* () {
      return getRunningLoop().stats().tasksByState;
    }, { clock: new VirtualClock() });
    assert.deepEqual(byState, { created: 0, ready: 0, running: 1, waiting: 0 });
  });

  test("stats().callbacks counts the callbacks that have not run yet", () => {
    const { loop, clock } = manualLoop();
    loop.callSoon(() => {});
    loop.callSoon(() => {});
    loop.callLater(10, () => {});
    assert.equal(loop.stats().callbacks, 3);
    loop.runOnce();
    assert.equal(loop.stats().callbacks, 1, "the two callSoon callbacks have run");
    clock.advance(10);
    loop.runOnce();
    assert.equal(loop.stats().callbacks, 0, "the timer has run");
    loop.close();
  });

  test("after run() cancels the tasks left at shutdown, the loop has no tasks and no timers left", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    const loop = runner.getLoop();
    await runner.run(function* () {
      createTask((function* () {
        try {
          yield* sleep(1000);
        } finally {
          yield* sleep(5); // cleanup that waits
        }
      })());
      createTask((function* () {
        yield* sleep(Infinity);
      })());
      createTask((function* () {
        yield* loop.createFuture();
      })());
      yield* sleep(0);
    });
    const left = loop.stats();
    assert.equal(left.tasks, 3);
    assert.equal(left.timers, 2);
    let atClose: ReturnType<Loop["stats"]> | undefined;
    const close = loop.close.bind(loop);
    loop.close = () => {
      atClose = loop.stats();
      close();
    };
    await runner.close();
    assert.ok(atClose !== undefined, "Runner.close() closes the loop");
    assert.equal(atClose.tasks, 0);
    assert.deepEqual(atClose.tasksByState, { created: 0, ready: 0, running: 0, waiting: 0 });
    assert.equal(atClose.timers, 0);
    assert.equal(atClose.ready, 0);
    assert.equal(atClose.tasksCancelled, 3);
    assert.equal(loop.isClosed(), true);
  });
});

describe("Loop shuffle", () => {
  /** The order in which 20 tasks take their first and second steps. */
  async function stepOrder(shuffle?: number): Promise<{ order: number[]; seed: number | null }> {
    const order: number[] = [];
    const seed = await run(function* () {
      const tasks: Task<void>[] = [];
      for (let i = 0; i < 20; i++) {
        tasks.push(createTask((function* () {
          order.push(i);
          yield* sleep(0);
          order.push(100 + i);
        })()));
      }
      for (const task of tasks) yield* task;
      return getRunningLoop().shuffleSeed;
    }, { clock: new VirtualClock(), ...(shuffle !== undefined ? { shuffle } : {}) });
    return { order, seed };
  }

  const fifo = [...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => 100 + i)];

  test("without shuffle, ready tasks run in FIFO order and shuffleSeed is null", async () => {
    const { order, seed } = await stepOrder();
    assert.deepEqual(order, fifo);
    assert.equal(seed, null);
  });

  test("the same seed runs ready tasks in the same order on two loops", async () => {
    const a = await stepOrder(1234);
    const b = await stepOrder(1234);
    assert.deepEqual(a.order, b.order);
    assert.equal(a.seed, 1234);
    assert.deepEqual([...a.order].sort((x, y) => x - y), fifo, "every step runs exactly once");
    assert.notDeepEqual(a.order, fifo);
  });

  test("a different seed runs 20 ready tasks in a different order", async () => {
    const a = await stepOrder(1);
    const b = await stepOrder(2);
    assert.notDeepEqual(a.order, b.order);
    assert.deepEqual([...b.order].sort((x, y) => x - y), fifo);
  });

  test("loop.shuffleSeed reports the seed, and a seed that is not a 32-bit integer is a RangeError", () => {
    assert.equal(virtualLoop({ shuffle: 7 }).shuffleSeed, 7);
    assert.equal(virtualLoop({ shuffle: 0 }).shuffleSeed, 0);
    assert.equal(virtualLoop().shuffleSeed, null);
    for (const bad of [-1, 1.5, NaN, 2 ** 32]) {
      assert.throws(() => virtualLoop({ shuffle: bad }), RangeError, `shuffle: ${bad}`);
    }
  });
});
