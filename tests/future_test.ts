import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  type Future,
  getRunningLoop,
  Handle,
  InvalidStateError,
  RuntimeError,
  sleep,
  until,
} from "../host/mod.ts";
import { captureErrors, runVirtual } from "./_helpers.ts";
import { assertError, caught, manualLoop, rejectionOf, runUntilIdle, thrownBy } from "./_helpers_tasks.ts";

describe("Future states", () => {
  test("a pending future is not done, not cancelled, and result()/exception() throw InvalidStateError", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    assert.equal(fut.done(), false);
    assert.equal(fut.cancelled(), false);
    assertError(thrownBy(() => fut.result()), InvalidStateError);
    assertError(thrownBy(() => fut.exception()), InvalidStateError);
    loop.close();
  });

  test("a future with a result is done, not cancelled, result() returns it and exception() is null", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<{ n: number }>();
    const value = { n: 1 };
    fut.setResult(value);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), false);
    assert.equal(fut.result(), value);
    assert.equal(fut.exception(), null);
    loop.close();
  });

  test("a failed future is done, not cancelled, result() throws the same error and exception() returns it", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const error = new RangeError("bad input");
    fut.setException(error);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), false);
    assert.equal(thrownBy(() => fut.result()), error);
    assert.equal(fut.exception(), error);
    loop.close();
  });

  test("a cancelled future is done and cancelled; result() and exception() throw CancelledError with the message", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    assert.equal(fut.cancel("no longer needed"), true);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), true);
    assertError(thrownBy(() => fut.result()), CancelledError, "no longer needed");
    assertError(thrownBy(() => fut.exception()), CancelledError, "no longer needed");
    loop.close();
  });

  test("result() of a future cancelled without a message throws a CancelledError", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    fut.cancel();
    assertError(thrownBy(() => fut.result()), CancelledError);
    loop.close();
  });

  test("result() before done throws InvalidStateError", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<string>();
    assertError(thrownBy(() => fut.result()), InvalidStateError);
    fut.setResult("ready");
    assert.equal(fut.result(), "ready");
    loop.close();
  });

  test("setResult twice throws InvalidStateError and keeps the first result", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    fut.setResult(1);
    assertError(thrownBy(() => fut.setResult(2)), InvalidStateError);
    assert.equal(fut.result(), 1);
    loop.close();
  });

  test("setException then setResult throws InvalidStateError and keeps the exception", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const error = new Error("first");
    fut.setException(error);
    assertError(thrownBy(() => fut.setResult(2)), InvalidStateError);
    assertError(thrownBy(() => fut.setException(new Error("second"))), InvalidStateError);
    assert.equal(fut.exception(), error);
    loop.close();
  });

  test("setResult and setException on a cancelled future throw InvalidStateError", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    fut.cancel();
    assertError(thrownBy(() => fut.setResult(1)), InvalidStateError);
    assertError(thrownBy(() => fut.setException(new Error("late"))), InvalidStateError);
    assert.equal(fut.cancelled(), true);
    loop.close();
  });

  test("cancel() returns false when the future is already done, and changes nothing", () => {
    const loop = manualLoop();
    const withResult = loop.createFuture<number>();
    withResult.setResult(5);
    const failed = loop.createFuture<number>();
    const error = new Error("boom");
    failed.setException(error);
    const cancelled = loop.createFuture<number>();
    cancelled.cancel("first");

    assert.equal(withResult.cancel(), false);
    assert.equal(failed.cancel(), false);
    assert.equal(cancelled.cancel("second"), false);

    assert.equal(withResult.result(), 5);
    assert.equal(failed.exception(), error);
    assertError(thrownBy(() => cancelled.result()), CancelledError, "first");
    loop.close();
  });

  test("getLoop() returns the loop the future belongs to", async () => {
    const loop = manualLoop();
    assert.equal(loop.createFuture().getLoop(), loop);
    loop.close();
    await runVirtual(function* () {
      const running = getRunningLoop();
      const fut = running.createFuture();
      assert.equal(fut.getLoop(), running);
      const task = createTask(sleep(0));
      assert.equal(task.getLoop(), running);
      yield* task;
    });
  });
});

describe("Future done callbacks", () => {
  test("done callbacks run via callSoon, not synchronously, in registration order, each getting the future", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<string>();
    const log: string[] = [];
    const got: Future<string>[] = [];
    fut.addDoneCallback((f) => {
      got.push(f);
      log.push(`first sees ${f.result()}`);
    });
    fut.addDoneCallback((f) => {
      got.push(f);
      log.push(`second sees ${f.result()}`);
    });
    loop.callSoon(() => log.push("callSoon before completion"));
    fut.setResult("x");
    log.push("after setResult");
    loop.callSoon(() => log.push("callSoon after completion"));
    assert.deepEqual(log, ["after setResult"]);

    loop.runOnce();
    assert.deepEqual(log, [
      "after setResult",
      "callSoon before completion",
      "first sees x",
      "second sees x",
      "callSoon after completion",
    ]);
    assert.deepEqual(got, [fut, fut]);
    loop.close();
  });

  test("done callbacks run after cancel() and after setException() too", () => {
    const loop = manualLoop();
    const seen = captureErrors(loop);
    const cancelled = loop.createFuture();
    const failed = loop.createFuture();
    const log: string[] = [];
    cancelled.addDoneCallback((f) => log.push(`cancelled: ${f.cancelled()}`));
    failed.addDoneCallback((f) => log.push(`failed: ${(f.exception() as Error).message}`));
    cancelled.cancel();
    failed.setException(new Error("oops"));
    assert.deepEqual(log, []);
    loop.runOnce();
    assert.deepEqual(log, ["cancelled: true", "failed: oops"]);
    loop.close();
    assert.deepEqual(seen, []);
  });

  test("a task waiting on a future and the future's done callbacks are woken in the order they registered", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      fut.addDoneCallback(() => log.push("callback registered first"));
      const waiter = createTask(function* () {
        log.push(`task woken with ${yield* fut}`);
      }());
      yield* sleep(0); // the task is now waiting on fut
      fut.addDoneCallback(() => log.push("callback registered after the task"));
      fut.setResult("v");
      yield* waiter;
    });
    assert.deepEqual(log, ["callback registered first", "task woken with v", "callback registered after the task"]);
  });

  test("addDoneCallback on a done future still runs the callback later, not synchronously", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    fut.setResult(7);
    const log: string[] = [];
    fut.addDoneCallback((f) => log.push(`callback ${f.result()}`));
    log.push("added");
    assert.deepEqual(log, ["added"]);
    loop.runOnce();
    assert.deepEqual(log, ["added", "callback 7"]);
    loop.close();
  });

  test("a done callback added while callbacks run waits for the next iteration", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const log: string[] = [];
    fut.addDoneCallback((f) => {
      log.push("outer");
      f.addDoneCallback(() => log.push("inner"));
    });
    fut.setResult(1);
    loop.runOnce();
    assert.deepEqual(log, ["outer"]);
    loop.runOnce();
    assert.deepEqual(log, ["outer", "inner"]);
    loop.close();
  });

  test("removeDoneCallback removes every registration and returns the count", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const log: string[] = [];
    const twice = () => log.push("twice");
    const kept = () => log.push("kept");
    fut.addDoneCallback(twice);
    fut.addDoneCallback(kept);
    fut.addDoneCallback(twice);
    assert.equal(fut.removeDoneCallback(twice), 2);
    assert.equal(fut.removeDoneCallback(twice), 0);
    assert.equal(fut.removeDoneCallback(() => {}), 0);
    fut.setResult(1);
    runUntilIdle(loop);
    assert.deepEqual(log, ["kept"]);
    loop.close();
  });

  test("addDoneCallback with something that is not a function throws TypeError", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    assertError(thrownBy(() => fut.addDoneCallback(42 as any)), TypeError);
    loop.close();
  });

  test("a throwing done callback is reported to the exception handler and the loop goes on", async () => {
    const log: string[] = [];
    const boom = new Error("callback failed");
    let seenContexts: ReturnType<typeof captureErrors> = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      seenContexts = captureErrors(loop);
      const fut = loop.createFuture<number>();
      fut.addDoneCallback(() => {
        log.push("throwing callback");
        throw boom;
      });
      fut.addDoneCallback(() => log.push("next callback"));
      const other = createTask(function* () {
        yield* sleep(5);
        log.push("task after the failure");
        return "ok";
      }());
      fut.setResult(1);
      assert.equal(yield* other, "ok");
      log.push("main done");
    });
    assert.deepEqual(log, ["throwing callback", "next callback", "task after the failure", "main done"]);
    assert.equal(seenContexts.length, 1);
    const context = seenContexts[0]!;
    assert.match(context.message, /^Exception in callback/);
    assert.equal(context.exception, boom);
    assert.ok(context.handle instanceof Handle);
  });
});

describe("Waiting on a future", () => {
  test("yield* fut waits for the result and returns it", async () => {
    const log: string[] = [];
    const { result, clock } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callLater(30, () => {
        log.push("setting result");
        fut.setResult("value");
      });
      log.push("waiting");
      const value = yield* fut;
      log.push(`got ${value}`);
      return value;
    });
    assert.equal(result, "value");
    assert.equal(clock.now(), 30);
    assert.deepEqual(log, ["waiting", "setting result", "got value"]);
  });

  test("yield* fut throws the future's exception", async () => {
    const error = new RangeError("out of range");
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callLater(10, () => fut.setException(error));
      assert.equal(yield* caught(fut), error);
    });
  });

  test("yield* of a cancelled future throws CancelledError with the cancel message", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callLater(10, () => fut.cancel("gone"));
      assertError(yield* caught(fut), CancelledError, "gone");
    });
  });

  test("yield* of a future that is already done returns at once without yielding", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const fut = getRunningLoop().createFuture<number>();
      fut.setResult(3);
      createTask(function* () {
        log.push("other task");
        yield* sleep(0);
      }());
      const value = yield* fut;
      log.push(`got ${value}`);
      yield* sleep(0);
    });
    assert.deepEqual(log, ["got 3", "other task"]);
  });

  test("await fut from plain async code resolves with the result", async () => {
    const log: string[] = [];
    const { result } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<number>();
      loop.callLater(20, () => {
        log.push("set");
        fut.setResult(42);
      });
      const got = yield* until((async () => {
        log.push("awaiting");
        const value = await fut;
        log.push(`resolved ${value}`);
        return value;
      })());
      return got;
    });
    assert.equal(result, 42);
    assert.deepEqual(log, ["awaiting", "set", "resolved 42"]);
  });

  test("await fut from plain async code rejects with the future's exception", async () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const error = new Error("failed");
    const pending = rejectionOf(fut);
    fut.setException(error);
    runUntilIdle(loop);
    assert.equal(await pending, error);
    loop.close();
  });

  test("await of a cancelled future rejects with CancelledError", async () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const pending = rejectionOf(fut);
    fut.cancel("stopped");
    runUntilIdle(loop);
    assertError(await pending, CancelledError, "stopped");
    const late = await rejectionOf(fut);
    assertError(late, CancelledError, "stopped");
    loop.close();
  });

  test("fut.then() chains like a promise: the returned promise resolves with onfulfilled's value", async () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    const log: string[] = [];
    const chained = fut.then((v) => {
      log.push(`fulfilled ${v}`);
      return v * 2;
    });
    fut.setResult(21);
    runUntilIdle(loop);
    assert.equal(await chained, 42);
    assert.deepEqual(log, ["fulfilled 21"]);
    loop.close();
  });
});

describe("Futures of a closed loop", () => {
  // asyncio schedules done callbacks with call_soon, which raises
  // RuntimeError("Event loop is closed"); SPEC: never a silent no-op.
  test("addDoneCallback on a done future of a closed loop throws RuntimeError instead of dropping the callback", () => {
    const loop = manualLoop();
    const fut = loop.createFuture<number>();
    fut.setResult(1);
    loop.close();
    assertError(thrownBy(() => fut.addDoneCallback(() => {})), RuntimeError);
  });

  test("completing a future that has done callbacks on a closed loop throws RuntimeError", () => {
    const loop = manualLoop();
    const withResult = loop.createFuture<number>();
    withResult.addDoneCallback(() => {});
    const withException = loop.createFuture<number>();
    withException.addDoneCallback(() => {});
    const cancelled = loop.createFuture<number>();
    cancelled.addDoneCallback(() => {});
    loop.close();
    assertError(thrownBy(() => withResult.setResult(1)), RuntimeError);
    assertError(thrownBy(() => withException.setException(new Error("late"))), RuntimeError);
    assertError(thrownBy(() => cancelled.cancel()), RuntimeError);
  });
});

describe("Unretrieved future exceptions", () => {
  test("a future exception nobody retrieved is reported when the loop closes", () => {
    const loop = manualLoop();
    const seen = captureErrors(loop);
    const fut = loop.createFuture<number>();
    const error = new Error("lost");
    fut.setException(error);
    loop.close();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.message, "Future exception was never retrieved");
    assert.equal(seen[0]!.exception, error);
    assert.equal(seen[0]!.future, fut);
  });

  test("a future exception read with exception() or result() is not reported", () => {
    const loop = manualLoop();
    const seen = captureErrors(loop);
    const viaException = loop.createFuture<number>();
    viaException.setException(new Error("a"));
    viaException.exception();
    const viaResult = loop.createFuture<number>();
    viaResult.setException(new Error("b"));
    thrownBy(() => viaResult.result());
    const cancelled = loop.createFuture<number>();
    cancelled.cancel();
    loop.close();
    assert.deepEqual(seen, []);
  });
});
