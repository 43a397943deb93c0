import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  TimeoutError,
  waitFor,
} from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { after, assertError, cancellable, caught, now } from "./_helpers_concurrency.ts";

class AppError extends Error {
  override name = "AppError";
}

/** Sleeps `ms`; its finally block logs, spends 5 ms, and logs again (a cancellation then goes on). */
function* slowCleanup(ms: number, log: string[]): Coroutine<string> {
  try {
    yield* sleep(ms);
    return "finished";
  } finally {
    log.push(`cleanup starts@${now()}`);
    yield* sleep(5);
    log.push(`cleanup ends@${now()}`);
  }
}

describe("waitFor()", () => {
  test("waitFor() returns the result when the awaitable finishes in time", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      assert.equal(yield* waitFor(after(10, "coroutine", log, "coro"), 100), "coroutine");
      assert.equal(now(), 10);
      assert.equal(yield* waitFor(createTask(after(10, "task", log, "task")), 100), "task");
      assert.equal(now(), 20);
      assert.equal(yield* waitFor(Promise.resolve("promise"), 100), "promise");
      assert.equal(now(), 20);
    });
  });

  test("on timeout waitFor() cancels the coroutine and awaits its cleanup before throwing TimeoutError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const error = yield* caught(() => waitFor(slowCleanup(1000, log), 100));
      log.push(`${(error as Error).name}@${now()}`);
      assertError(error, TimeoutError);
    });
    assert.deepEqual(log, ["cleanup starts@100", "cleanup ends@105", "TimeoutError@105"]);
  });

  test("on timeout waitFor() cancels a Task argument and the task is finished when TimeoutError arrives", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(slowCleanup(1000, log));
      const error = yield* caught(() => waitFor(task, 100));
      log.push(`${(error as Error).name}@${now()}`);
      assertError(error, TimeoutError);
      assert.equal(task.done(), true);
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(log, ["cleanup starts@100", "cleanup ends@105", "TimeoutError@105"]);
  });

  test("waitFor(aw, null) waits without a limit", async () => {
    await runVirtual(function* () {
      const hour = 60 * 60 * 1000;
      assert.equal(yield* waitFor(sleep(hour, "an hour later"), null), "an hour later");
      assert.equal(now(), hour);
    });
  });

  test("waitFor() with a timeout of 0 or less cancels a pending awaitable and throws TimeoutError at once", async () => {
    await runVirtual(function* () {
      for (const limit of [0, -1]) {
        const log: string[] = [];
        const task = createTask(cancellable(1000, "late", log, `task(${limit})`));
        yield* sleep(10);
        const start = now();
        assertError(yield* caught(() => waitFor(task, limit)), TimeoutError);
        assert.equal(task.cancelled(), true);
        assert.equal(now(), start);
        assert.deepEqual(log, [`task(${limit}) cancelled@${start}`]);
      }
      // A coroutine is wrapped in a task that is cancelled before its first step: it never starts.
      let started = false;
      function* neverStarts() {
        started = true;
        yield* sleep(10);
      }
      assertError(yield* caught(() => waitFor(neverStarts(), 0)), TimeoutError);
      assert.equal(started, false);
    });
  });

  test("waitFor() with a timeout of 0 on a done future returns its result", async () => {
    await runVirtual(function* () {
      const future = getRunningLoop().createFuture<string>();
      future.setResult("done");
      assert.equal(yield* waitFor(future, 0), "done");
      assert.equal(yield* waitFor(future, -5), "done");
      assert.equal(now(), 0);
    });
  });

  test("waitFor() returns the value of an awaitable that swallows the cancellation and returns (asyncio 3.12)", async () => {
    await runVirtual(function* () {
      function* return42() {
        try {
          yield* sleep(1000);
        } catch (error) {
          assertError(error, CancelledError);
          return 42;
        }
        return 0;
      }
      assert.equal(yield* waitFor(return42(), 100), 42);
      assert.equal(now(), 100);
      // The timeout took back its own cancellation request: the task is not left cancelling.
      assert.equal(currentTask()!.cancelling(), 0);
      yield* sleep(10);
      assert.equal(now(), 110);
    });
  });

  test("cancelling the task that calls waitFor() gives CancelledError, not TimeoutError, and cancels the awaitable", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const inner = createTask(cancellable(1000, "inner", log, "inner"));
      const caller = createTask(function* () {
        try {
          return yield* waitFor(inner, 500);
        } catch (error) {
          log.push(`caller caught ${(error as Error).name}@${now()}`);
          throw error;
        }
      }());
      const inlineCaller = createTask(waitFor(cancellable(1000, "inline", log, "inline"), 500));
      yield* sleep(10);
      caller.cancel();
      inlineCaller.cancel();
      assertError(yield* caught(() => caller), CancelledError);
      assertError(yield* caught(() => inlineCaller), CancelledError);
      assert.equal(inner.cancelled(), true);
      assert.equal(caller.cancelled(), true);
      assert.equal(inlineCaller.cancelled(), true);
      // Long after the limit would have passed, nothing else happens.
      yield* sleep(1000);
    });
    assert.deepEqual(log, ["inner cancelled@10", "inline cancelled@10", "caller caught CancelledError@10"]);
  });

  test("waitFor() throws the error an awaitable raises while being cancelled for the timeout", async () => {
    await runVirtual(function* () {
      const error = new AppError("cleanup failed");
      const task = createTask(function* () {
        try {
          yield* sleep(1000);
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw error;
        }
      }());
      assert.equal(yield* caught(() => waitFor(task, 100)), error);
      assert.equal(now(), 100);
    });
  });
});
