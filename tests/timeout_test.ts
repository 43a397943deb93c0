import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  type Operation,
  RuntimeError,
  sleep,
  Timeout,
  timeout,
  timeoutAt,
  TimeoutError,
} from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { assertError, caught, now } from "./_helpers_concurrency.ts";

/** Runs `op`, logging `name caught <ErrorName>@time` if it throws (then rethrowing). */
function* logged<T>(op: Operation<T>, log: string[], name: string): Coroutine<T> {
  try {
    return yield* op;
  } catch (error) {
    log.push(`${name} caught ${(error as Error).name}@${now()}`);
    throw error;
  }
}

describe("timeout() and timeoutAt()", () => {
  test("timeout() returns the body's result when it finishes in time", async () => {
    await runVirtual(function* () {
      const result = yield* timeout(100, function* () {
        yield* sleep(30);
        return "in time";
      });
      assert.equal(result, "in time");
      assert.equal(now(), 30);
    });
  });

  test("timeout() cancels the body at the deadline and throws TimeoutError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      yield* sleep(10);
      const error = yield* caught(() =>
        timeout(50, function* () {
          yield* logged(sleep(1000), log, "body");
        })
      );
      log.push(`${(error as Error).name}@${now()}`);
      assertError(error, TimeoutError);
    });
    assert.deepEqual(log, ["body caught CancelledError@60", "TimeoutError@60"]);
  });

  test("timeoutAt() expires at the given loop time", async () => {
    await runVirtual(function* () {
      yield* sleep(10);
      assertError(
        yield* caught(() =>
          timeoutAt(75, function* () {
            yield* sleep(1000);
          })
        ),
        TimeoutError,
      );
      assert.equal(now(), 75);
    });
  });

  test("scope.when() is the absolute deadline, or null for none", async () => {
    await runVirtual(function* () {
      yield* sleep(10);
      const whens: (number | null)[] = [];
      yield* timeout(50, function* (scope) {
        whens.push(scope.when());
        yield* sleep(0);
      });
      yield* timeoutAt(500, function* (scope) {
        whens.push(scope.when());
        yield* sleep(0);
      });
      yield* timeout(null, function* (scope) {
        whens.push(scope.when());
        yield* sleep(0);
      });
      assert.deepEqual(whens, [60, 500, null]);
    });
  });

  test("scope.reschedule(later) extends the deadline", async () => {
    await runVirtual(function* () {
      let seen: number | null = null;
      const error = yield* caught(() =>
        timeout(50, function* (scope) {
          yield* sleep(20);
          scope.reschedule(now() + 100);
          seen = scope.when();
          yield* sleep(1000);
        })
      );
      assertError(error, TimeoutError);
      assert.equal(seen, 120);
      assert.equal(now(), 120);
    });
  });

  test("scope.reschedule(null) removes the deadline", async () => {
    await runVirtual(function* () {
      let scope: Timeout | undefined;
      const result = yield* timeout(50, function* (s) {
        scope = s;
        s.reschedule(null);
        yield* sleep(200);
        return "no deadline";
      });
      assert.equal(result, "no deadline");
      assert.equal(now(), 200);
      assert.equal(scope!.when(), null);
      assert.equal(scope!.expired(), false);
    });
  });

  test("scope.reschedule() to a past time expires on the next loop iteration", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      yield* sleep(10);
      const error = yield* caught(() =>
        timeout(1000, function* (scope) {
          scope.reschedule(now() - 5);
          log.push("rescheduled");
          // sleep(0) yields exactly once: the expiry is already there when the task resumes.
          yield* logged(sleep(0), log, "sleep(0)");
          log.push("not reached");
        })
      );
      assertError(error, TimeoutError);
      assert.equal(now(), 10);
    });
    assert.deepEqual(log, ["rescheduled", "sleep(0) caught CancelledError@10"]);
  });

  test("scope.expired() is true after expiry, false when the body finished in time", async () => {
    await runVirtual(function* () {
      let late: Timeout | undefined;
      assertError(
        yield* caught(() =>
          timeout(10, function* (scope) {
            late = scope;
            assert.equal(scope.expired(), false);
            yield* sleep(100);
          })
        ),
        TimeoutError,
      );
      assert.equal(late!.expired(), true);

      let early: Timeout | undefined;
      yield* timeout(10, function* (scope) {
        early = scope;
        yield* sleep(5);
      });
      assert.equal(early!.expired(), false);
    });
  });

  test("scope.reschedule() before the scope is entered throws RuntimeError", () => {
    const scope = new Timeout(10);
    assert.throws(() => scope.reschedule(20), RuntimeError);
    assert.equal(scope.when(), 10);
  });

  test("scope.reschedule() after the scope exited throws RuntimeError", async () => {
    await runVirtual(function* () {
      let finished: Timeout | undefined;
      yield* timeout(100, function* (scope) {
        finished = scope;
        yield* sleep(1);
      });
      assert.throws(() => finished!.reschedule(now() + 10), RuntimeError);

      let expired: Timeout | undefined;
      yield* caught(() =>
        timeout(10, function* (scope) {
          expired = scope;
          yield* sleep(100);
        })
      );
      assert.throws(() => expired!.reschedule(now() + 10), RuntimeError);
      assert.throws(() => expired!.reschedule(null), RuntimeError);
    });
  });

  test("a task.cancel() from outside during a timeout body stays CancelledError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      let scope: Timeout | undefined;
      const task = createTask(logged(
        timeout(100, function* (s) {
          scope = s;
          yield* sleep(1000);
        }),
        log,
        "task",
      ));
      yield* sleep(30);
      task.cancel();
      assertError(yield* caught(() => task), CancelledError);
      assert.equal(task.cancelled(), true);
      assert.equal(scope!.expired(), false);
      // The deadline has been dropped: nothing fires at 100.
      yield* sleep(200);
    });
    assert.deepEqual(log, ["task caught CancelledError@30"]);
  });

  test("nested timeouts: the shorter inner one fires, is caught inside the outer, and the outer body continues", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const result = yield* timeout(100, function* (outer) {
        try {
          yield* timeout(20, function* () {
            yield* sleep(1000);
          });
        } catch (error) {
          assertError(error, TimeoutError);
          log.push(`inner timed out@${now()}`);
        }
        yield* sleep(30);
        log.push(`outer body continues@${now()}`);
        assert.equal(outer.expired(), false);
        return "outer done";
      });
      assert.equal(result, "outer done");
      assert.equal(currentTask()!.cancelling(), 0);
    });
    assert.deepEqual(log, ["inner timed out@20", "outer body continues@50"]);
  });

  test("nested timeouts: when the shorter outer one fires, the inner lets the cancellation through and the outer throws TimeoutError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      let inner: Timeout | undefined;
      const error = yield* caught(() =>
        timeout(20, function* () {
          yield* logged(
            timeout(100, function* (scope) {
              inner = scope;
              yield* sleep(1000);
            }),
            log,
            "inner timeout",
          );
        })
      );
      assertError(error, TimeoutError);
      assert.equal(now(), 20);
      assert.equal(inner!.expired(), false);
      assert.equal(currentTask()!.cancelling(), 0);
    });
    assert.deepEqual(log, ["inner timeout caught CancelledError@20"]);
  });

  test("nested timeouts with the same deadline: only the outer one throws TimeoutError, both are expired", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      let outer: Timeout | undefined;
      let inner: Timeout | undefined;
      const error = yield* caught(() =>
        timeoutAt(40, function* (o) {
          outer = o;
          yield* logged(
            timeoutAt(40, function* (i) {
              inner = i;
              yield* sleep(1000);
            }),
            log,
            "inner timeout",
          );
        })
      );
      assertError(error, TimeoutError);
      assert.equal(outer!.expired(), true);
      assert.equal(inner!.expired(), true);
      assert.equal(currentTask()!.cancelling(), 0);
    });
    assert.deepEqual(log, ["inner timeout caught CancelledError@40"]);
  });

  test("timeout(null) never fires", async () => {
    await runVirtual(function* () {
      const hour = 60 * 60 * 1000;
      const result = yield* timeout(null, function* (scope) {
        yield* sleep(hour);
        return scope.expired();
      });
      assert.equal(result, false);
      assert.equal(now(), hour);
    });
  });

  test("after a TimeoutError the task's cancelling() is back to 0 and it can keep waiting", async () => {
    await runVirtual(function* () {
      const task = currentTask()!;
      assertError(
        yield* caught(() =>
          timeout(10, function* () {
            yield* sleep(100);
          })
        ),
        TimeoutError,
      );
      assert.equal(task.cancelling(), 0);
      yield* sleep(25);
      assert.equal(now(), 35);
    });
  });

  test("a timeout entered while the task has an earlier cancellation pending still expires as TimeoutError", async () => {
    await runVirtual(function* () {
      const task = currentTask()!;
      try {
        task.cancel();
        yield* sleep(10);
      } catch (error) {
        assertError(error, CancelledError);
      }
      assert.equal(task.cancelling(), 1);
      // asyncio test_timeout_after_cancellation: the scope counts the request that was already there.
      assertError(
        yield* caught(() =>
          timeout(0, function* () {
            yield* sleep(10);
          })
        ),
        TimeoutError,
      );
      assert.equal(task.cancelling(), 1);
      task.uncancel();
      assert.equal(now(), 0);
    });
  });
});
