import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  Loop,
  sleep,
  type Task,
  VirtualClock,
} from "../host/mod.ts";
import { captureErrors, runVirtual } from "./_helpers.ts";
import { assertError, caught, thrownBy } from "./_helpers_tasks.ts";

/** Pushes `what`, prefixed with the running loop's time, to `log`. */
function stamp(log: string[], what: string): void {
  log.push(`${getRunningLoop().time()} ${what}`);
}

describe("Cancelling a task", () => {
  test("the asyncio docs' cancel example: the task cleans up (waiting) and re-raises; the awaiter gets CancelledError", async () => {
    const log: string[] = [];
    function* cancelMe(): Coroutine<void> {
      stamp(log, "cancel_me(): before sleep");
      try {
        yield* sleep(3_600_000); // one hour
      } catch (error) {
        if (error instanceof CancelledError) {
          stamp(log, "cancel_me(): cancel sleep");
          yield* sleep(500); // cleanup that itself waits
          stamp(log, "cancel_me(): cleanup done");
        }
        throw error;
      } finally {
        stamp(log, "cancel_me(): after sleep");
      }
    }
    let cancelled = false;
    const { clock } = await runVirtual(function* () {
      const task = createTask(cancelMe());
      yield* sleep(1000);
      task.cancel();
      try {
        yield* task;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        stamp(log, "main(): cancel_me is cancelled now");
      }
      cancelled = task.cancelled();
    });
    assert.deepEqual(log, [
      "0 cancel_me(): before sleep",
      "1000 cancel_me(): cancel sleep",
      "1500 cancel_me(): cleanup done",
      "1500 cancel_me(): after sleep",
      "1500 main(): cancel_me is cancelled now",
    ]);
    assert.equal(cancelled, true);
    assert.equal(clock.now(), 1500);
  });

  test("cancel() before the first step: the body never runs and the task ends cancelled", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        log.push("body ran");
        yield* sleep(1);
      }());
      assert.equal(task.cancel(), true);
      assert.equal(task.done(), false, "cancel() only requests cancellation");
      assert.equal(task.cancelled(), false);
      assertError(yield* caught(task), CancelledError);
      assert.equal(task.cancelled(), true);
      assertError(thrownBy(() => task.result()), CancelledError);
    });
    assert.deepEqual(log, []);
  });

  test("cancel(msg) puts msg in the CancelledError the coroutine sees and in the awaiter's", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(1000);
        } catch (error) {
          assertError(error, CancelledError);
          log.push(`coroutine sees "${error.message}"`);
          throw error;
        }
      }());
      yield* sleep(10);
      task.cancel("shutting down");
      const error = yield* caught(task);
      assertError(error, CancelledError, "shutting down");
      log.push(`awaiter sees "${error.message}"`);
      assertError(thrownBy(() => task.exception()), CancelledError, "shutting down");
    });
    assert.deepEqual(log, ['coroutine sees "shutting down"', 'awaiter sees "shutting down"']);
  });

  test("cancel(msg) before the first step gives the awaiter a CancelledError with msg", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(10));
      task.cancel("too early");
      assertError(yield* caught(task), CancelledError, "too early");
    });
  });

  test("a coroutine that swallows CancelledError and returns normally: the task is not cancelled and has its result", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(1000);
          return "slept";
        } catch (error) {
          assertError(error, CancelledError);
          log.push("swallowed");
        }
        yield* sleep(5);
        return "recovered";
      }());
      yield* sleep(1);
      assert.equal(task.cancel(), true);
      assert.equal(yield* task, "recovered");
      assert.equal(task.cancelled(), false);
      assert.equal(task.cancelling(), 1, "the request stays counted until uncancel()");
    });
    assert.deepEqual(log, ["swallowed"]);
  });

  test("a coroutine that throws CancelledError by itself ends its task cancelled", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        yield* sleep(1);
        throw new CancelledError("self-made");
      }());
      assertError(yield* caught(task), CancelledError, "self-made");
      assert.equal(task.cancelled(), true);
    });
  });

  test("a coroutine that turns CancelledError into another error fails with that error, not cancelled", async () => {
    const replaced = new Error("cleanup failed");
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(1000);
        } catch {
          throw replaced;
        }
      }());
      yield* sleep(1);
      task.cancel();
      assert.equal(yield* caught(task), replaced);
      assert.equal(task.cancelled(), false);
      assert.equal(task.exception(), replaced);
    });
  });

  test("a task that cancels itself and returns without yielding again ends cancelled (asyncio)", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        yield* sleep(1);
        currentTask()!.cancel("on my way out");
        return "returned anyway";
      }());
      assertError(yield* caught(task), CancelledError, "on my way out");
      assert.equal(task.cancelled(), true);
    });
  });

  test("cancel() on a done task returns false and does not count a request", async () => {
    await runVirtual(function* () {
      const finished = createTask(sleep(1, "ok"));
      const failed = createTask(function* () {
        yield* sleep(1);
        throw new Error("failed");
      }());
      const cancelled = createTask(sleep(100));
      yield* sleep(5);
      cancelled.cancel();
      yield* caught(cancelled);
      yield* caught(failed);

      assert.equal(finished.cancel(), false);
      assert.equal(failed.cancel(), false);
      assert.equal(cancelled.cancel(), false);
      assert.equal(finished.cancelling(), 0);
      assert.equal(failed.cancelling(), 0);
      assert.equal(cancelled.cancelling(), 1);
      assert.equal(finished.result(), "ok");
      assert.equal(cancelled.cancelled(), true);
    });
  });
});

describe("cancelling() and uncancel()", () => {
  test("cancelling() counts cancel() calls and uncancel() takes one back, never below zero", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(1000));
      yield* sleep(0);
      assert.equal(task.cancelling(), 0);
      assert.equal(task.cancel(), true);
      assert.equal(task.cancel(), true);
      assert.equal(task.cancelling(), 2);
      assert.equal(task.uncancel(), 1);
      assert.equal(task.cancelling(), 1);
      assertError(yield* caught(task), CancelledError);
      assert.equal(task.cancelling(), 1);
      assert.equal(task.uncancel(), 0);
      assert.equal(task.uncancel(), 0);
      assert.equal(task.cancelling(), 0);
    });
  });

  test("a task that catches CancelledError and uncancel()s runs on, and can be cancelled again", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        const me = currentTask()!;
        try {
          yield* sleep(1000);
        } catch (error) {
          assertError(error, CancelledError);
          log.push(`caught, cancelling() = ${me.cancelling()}`);
          log.push(`uncancel() = ${me.uncancel()}`);
        }
        yield* sleep(10);
        stamp(log, "slept on");
        try {
          yield* sleep(1000);
        } catch (error) {
          stamp(log, "cancelled again");
          throw error;
        }
      }());
      yield* sleep(5);
      task.cancel();
      yield* sleep(20);
      task.cancel();
      assertError(yield* caught(task), CancelledError);
      assert.equal(task.cancelling(), 1);
    });
    assert.deepEqual(log, ["caught, cancelling() = 1", "uncancel() = 0", "15 slept on", "25 cancelled again"]);
  });

  test("uncancel() down to zero before the first step withdraws the cancellation (asyncio 3.13)", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        log.push("body ran");
        yield* sleep(1);
        return "finished";
      }());
      task.cancel();
      assert.equal(task.uncancel(), 0);
      assert.equal(yield* task, "finished");
      assert.equal(task.cancelled(), false);
    });
    assert.deepEqual(log, ["body ran"]);
  });

  test("uncancel() does not take back a cancellation already delivered to a sleep: the task still gets CancelledError", async () => {
    // asyncio: cancel() cancels the sleep's future at once, so the CancelledError
    // reaches the coroutine whatever uncancel() does afterwards.
    const log: string[] = [];
    const { clock } = await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(1000);
          stamp(log, "sleep returned");
        } catch (error) {
          assertError(error, CancelledError);
          stamp(log, "CancelledError");
        }
      }());
      yield* sleep(10);
      task.cancel();
      assert.equal(task.uncancel(), 0);
      yield* task;
    });
    assert.deepEqual(log, ["10 CancelledError"]);
    assert.equal(clock.now(), 10);
  });
});

describe("What a cancelled task was waiting on", () => {
  test("cancelling a task waiting on a future cancels that future, with the message", async () => {
    await runVirtual(function* () {
      const fut = getRunningLoop().createFuture<number>();
      const task = createTask(function* () {
        return yield* fut;
      }());
      yield* sleep(0);
      assert.equal(task.cancel("enough"), true);
      assert.equal(fut.cancelled(), true, "the future is cancelled at once");
      assertError(thrownBy(() => fut.result()), CancelledError, "enough");
      assertError(yield* caught(task), CancelledError, "enough");
      assert.equal(task.cancelled(), true);
    });
  });

  test("cancelling a task whose awaited future already completed still delivers CancelledError at the next step", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const fut = getRunningLoop().createFuture<number>();
      const task = createTask(function* () {
        try {
          const value = yield* fut;
          log.push(`got ${value}`);
        } catch (error) {
          assertError(error, CancelledError);
          log.push("CancelledError instead of the result");
          throw error;
        }
      }());
      yield* sleep(0);
      fut.setResult(1);
      assert.equal(task.cancel(), true);
      assert.equal(fut.cancelled(), false);
      assert.equal(fut.result(), 1);
      assertError(yield* caught(task), CancelledError);
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(log, ["CancelledError instead of the result"]);
  });

  test("cancel while sleeping drops the sleep's timer", async () => {
    const { clock } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const task = createTask(sleep(1000));
      yield* sleep(0);
      assert.equal(loop.stats().timers, 1);
      task.cancel();
      assertError(yield* caught(task), CancelledError);
      assert.equal(loop.stats().timers, 0);
    });
    assert.equal(clock.now(), 0, "the clock never jumped to the dropped deadline");
  });

  // These two drive a Loop with runUntilComplete rather than run(): if the
  // scheduler breaks, the test fails with its error instead of hanging.
  test("cancelling a task in the iteration where its sleep ends delivers CancelledError, and the loop goes on", async () => {
    const loop = new Loop({ clock: new VirtualClock() });
    captureErrors(loop);
    const log: string[] = [];
    try {
      await loop.runUntilComplete(function* () {
        const task = createTask(function* () {
          try {
            yield* sleep(10);
            stamp(log, "sleep returned");
          } catch (error) {
            assertError(error, CancelledError, "deadline");
            stamp(log, "CancelledError");
            throw error;
          }
        }());
        // Same deadline as the task's sleep, scheduled first: runs first in that iteration.
        loop.callLater(10, () => log.push(`cancel() = ${task.cancel("deadline")}`));
        assertError(yield* caught(task), CancelledError, "deadline");
        stamp(log, "main goes on");
        yield* sleep(5);
        stamp(log, "main slept");
      }());
    } finally {
      loop.close();
    }
    assert.deepEqual(log, ["cancel() = true", "10 CancelledError", "10 main goes on", "15 main slept"]);
  });

  test("a task cancelled by a task that runs just before it, when both sleeps end together, gets CancelledError", async () => {
    const loop = new Loop({ clock: new VirtualClock() });
    captureErrors(loop);
    const log: string[] = [];
    try {
      await loop.runUntilComplete(function* () {
        const tasks: Task<unknown>[] = [];
        const canceller = createTask(function* () {
          yield* sleep(10);
          log.push(`cancel() = ${tasks[0]!.cancel("from canceller")}`);
        }());
        const victim = createTask(function* () {
          try {
            yield* sleep(10);
            stamp(log, "victim slept");
          } catch (error) {
            assertError(error, CancelledError, "from canceller");
            stamp(log, "victim caught CancelledError");
          }
          yield* sleep(100);
          stamp(log, "victim slept again");
        }());
        tasks.push(victim);
        yield* victim;
        yield* canceller;
      }());
    } finally {
      loop.close();
    }
    assert.deepEqual(log, ["cancel() = true", "10 victim caught CancelledError", "110 victim slept again"]);
  });

  test("cancelling a task waiting on another task cancels the inner task (it is what the outer one waits on)", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const inner = createTask(
        function* () {
          try {
            yield* sleep(1000);
          } catch (error) {
            assertError(error, CancelledError);
            stamp(log, `inner caught "${error.message}"`);
            throw error;
          }
        }(),
        { name: "inner" },
      );
      const outer = createTask(
        function* () {
          try {
            yield* inner;
          } catch (error) {
            assertError(error, CancelledError);
            stamp(log, `outer caught "${error.message}"`);
            throw error;
          }
        }(),
        { name: "outer" },
      );
      yield* sleep(10);
      outer.cancel("stop");
      log.push(`inner.cancelling() = ${inner.cancelling()}`);
      assertError(yield* caught(outer), CancelledError, "stop");
      assert.equal(inner.cancelled(), true);
      assert.equal(outer.cancelled(), true);
    });
    assert.deepEqual(log, ["inner.cancelling() = 1", '10 inner caught "stop"', '10 outer caught "stop"']);
  });

  test("when the inner task swallows the cancellation, the outer task gets its result and goes on (asyncio)", async () => {
    await runVirtual(function* () {
      const inner = createTask(function* () {
        try {
          yield* sleep(1000);
        } catch {
          return "inner recovered";
        }
        return "inner slept";
      }());
      const outer = createTask(function* () {
        const value = yield* inner;
        return `outer got ${value}`;
      }());
      yield* sleep(10);
      outer.cancel();
      assert.equal(yield* outer, "outer got inner recovered");
      assert.equal(outer.cancelled(), false);
      assert.equal(inner.cancelled(), false);
      assert.equal(outer.cancelling(), 1);
      assert.equal(inner.cancelling(), 1);
    });
  });
});

describe("A task cancelling itself", () => {
  test("currentTask().cancel() goes on running and gets CancelledError at its next yield", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        log.push(`cancel() = ${currentTask()!.cancel()}`);
        log.push("still running");
        try {
          yield* sleep(0);
          log.push("not reached");
        } catch (error) {
          assertError(error, CancelledError);
          log.push("CancelledError at the next yield");
          throw error;
        }
      }());
      assertError(yield* caught(task), CancelledError);
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(log, ["cancel() = true", "still running", "CancelledError at the next yield"]);
  });

  test("a task that cancelled itself and then sleeps gets CancelledError without waiting", async () => {
    const { clock } = await runVirtual(function* () {
      const task = createTask(function* () {
        currentTask()!.cancel("self");
        yield* sleep(1000);
      }());
      assertError(yield* caught(task), CancelledError, "self");
    });
    assert.equal(clock.now(), 0);
  });
});

describe("task.signal", () => {
  test("task.signal aborts when cancel() is requested, with a CancelledError reason", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(sleep(1000));
      yield* sleep(0);
      const signal = task.signal;
      assert.equal(signal.aborted, false);
      signal.addEventListener("abort", () => log.push("abort event"));
      log.push("before cancel()");
      task.cancel("stop");
      log.push("after cancel()");
      assert.equal(signal.aborted, true);
      assertError(signal.reason, CancelledError, "stop");
      assert.equal(task.done(), false, "the signal aborts at the request, before the task ends");
      assertError(yield* caught(task), CancelledError, "stop");
    });
    assert.deepEqual(log, ["before cancel()", "abort event", "after cancel()"]);
  });

  test("a signal read after cancel() is already aborted with a CancelledError reason", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(1000));
      yield* sleep(0);
      task.cancel();
      const signal = task.signal;
      assert.equal(signal.aborted, true);
      assertError(signal.reason, CancelledError);
      yield* caught(task);
      assert.equal(task.signal.aborted, true);
    });
  });

  test("the signal's reason carries the cancel message whether it was read before or after cancel(msg)", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const sleeping = createTask(sleep(1000));
      const readEarly = createTask(loop.createFuture());
      const readLate = createTask(loop.createFuture());
      yield* sleep(0);
      const early = readEarly.signal;
      sleeping.cancel("bye sleeper");
      readEarly.cancel("bye early");
      readLate.cancel("bye late");
      assertError(sleeping.signal.reason, CancelledError, "bye sleeper");
      assertError(early.reason, CancelledError, "bye early");
      assertError(readLate.signal.reason, CancelledError, "bye late");
      for (const task of [sleeping, readEarly, readLate]) yield* caught(task);
    });
  });

  test("the signal of a task that finished normally is never aborted", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(5, "done"));
      const signal = task.signal;
      assert.equal(yield* task, "done");
      assert.equal(signal.aborted, false);
      assert.equal(task.signal.aborted, false);
    });
  });
});

describe("Cleanup that waits", () => {
  test("a finally block that yield*s runs to completion when the task is cancelled", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          stamp(log, "working");
          yield* sleep(1000);
          stamp(log, "not reached");
        } finally {
          stamp(log, "finally starts");
          yield* sleep(50);
          stamp(log, "finally waited");
          yield* sleep(50);
          stamp(log, "finally ends");
        }
      }());
      yield* sleep(100);
      task.cancel();
      assertError(yield* caught(task), CancelledError);
      stamp(log, "awaiter sees CancelledError");
    });
    assert.deepEqual(log, [
      "0 working",
      "100 finally starts",
      "150 finally waited",
      "200 finally ends",
      "200 awaiter sees CancelledError",
    ]);
  });

  test("finally blocks that yield* run to completion through yield* delegation three levels deep", async () => {
    const log: string[] = [];
    function* level3(): Coroutine<void> {
      try {
        stamp(log, "level3 waits");
        yield* sleep(1000);
      } finally {
        stamp(log, "level3 finally starts");
        yield* sleep(10);
        stamp(log, "level3 finally ends");
      }
    }
    function* level2(): Coroutine<void> {
      try {
        yield* level3();
      } finally {
        stamp(log, "level2 finally starts");
        yield* sleep(10);
        stamp(log, "level2 finally ends");
      }
    }
    function* level1(): Coroutine<void> {
      try {
        yield* level2();
      } finally {
        stamp(log, "level1 finally starts");
        yield* sleep(10);
        stamp(log, "level1 finally ends");
      }
    }
    const { clock } = await runVirtual(function* () {
      const task = createTask(level1());
      yield* sleep(100);
      task.cancel();
      assertError(yield* caught(task), CancelledError);
      stamp(log, "awaiter sees CancelledError");
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(log, [
      "0 level3 waits",
      "100 level3 finally starts",
      "110 level3 finally ends",
      "110 level2 finally starts",
      "120 level2 finally ends",
      "120 level1 finally starts",
      "130 level1 finally ends",
      "130 awaiter sees CancelledError",
    ]);
    assert.equal(clock.now(), 130);
  });

  test("a second cancel() during a waiting cleanup throws CancelledError into the cleanup's wait", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield* sleep(1000);
        } finally {
          stamp(log, "cleanup starts");
          try {
            yield* sleep(1000);
            stamp(log, "cleanup finished its wait");
          } catch (error) {
            assertError(error, CancelledError, "second");
            stamp(log, "cleanup interrupted");
          }
        }
      }());
      yield* sleep(10);
      task.cancel("first");
      yield* sleep(10);
      task.cancel("second");
      assertError(yield* caught(task), CancelledError, "first");
      assert.equal(task.cancelling(), 2);
    });
    assert.deepEqual(log, ["10 cleanup starts", "20 cleanup interrupted"]);
  });
});
