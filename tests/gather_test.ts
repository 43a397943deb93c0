import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, createTask, type Future, gather, getRunningLoop, sleep } from "../host/mod.ts";
import { captureErrors, runVirtual } from "./_helpers.ts";
import { after, assertError, cancellable, caught, failAfter, now } from "./_helpers_concurrency.ts";

class AppError extends Error {
  override name = "AppError";
}

describe("gather()", () => {
  test("gather() returns tuple-typed results in input order when they arrive out of order", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const results = yield* gather([
        after(30, "thirty", log, "first input"),
        after(10, 10, log, "second input"),
        sleep(20, true),
      ]);
      // Each position keeps its own type: this line does not compile if gather loses the tuple.
      const typed: [string, number, boolean] = results;
      assert.deepEqual(typed, ["thirty", 10, true]);
      assert.equal(now(), 30);
    });
    assert.deepEqual(log, ["second input@10", "first input@30"]);
  });

  test("gather() throws the first error at once while the other children keep running to completion", async () => {
    const log: string[] = [];
    const first = new AppError("first");
    const second = new AppError("second");
    let reported: unknown[] = [];
    await runVirtual(function* () {
      reported = captureErrors(getRunningLoop());
      const slow = createTask(after(20, "slow", log, "slow"));
      const late = createTask(failAfter(30, second, log, "late failure"));
      const error = yield* caught(() => gather([failAfter(10, first, log, "failure"), slow, late]));
      assert.equal(error, first);
      assert.equal(now(), 10);
      log.push(`gather threw@${now()}`);
      assert.equal(slow.done(), false);
      assert.equal(late.done(), false);

      yield* sleep(40);
      assert.equal(slow.result(), "slow");
      // Not late.exception(): that would retrieve the error here instead of leaving it to the gather.
      assert.equal(late.done() && !late.cancelled(), true);
    });
    assert.deepEqual(log, ["failure@10", "gather threw@10", "slow@20", "late failure@30"]);
    // The gather retrieved the late error, so nothing is reported as "never retrieved".
    assert.deepEqual(reported, []);
  });

  test("gather() with returnExceptions puts errors and CancelledErrors in the results", async () => {
    const error = new AppError("boom");
    await runVirtual(function* () {
      const log: string[] = [];
      const doomed = createTask(sleep(1000, "never"));
      getRunningLoop().callLater(5, () => doomed.cancel());
      const results = yield* gather([
        after(10, 1, log, "ok"),
        failAfter(20, error, log, "fail"),
        doomed,
      ], { returnExceptions: true });
      assert.equal(now(), 20);
      assert.equal(results.length, 3);
      assert.equal(results[0], 1);
      assert.equal(results[1], error);
      assertError(results[2], CancelledError);
    });
  });

  test("cancelling the task awaiting gather() cancels every child, and the task gets CancelledError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const a = createTask(cancellable(100, "a", log, "a"));
      const b = createTask(cancellable(200, "b", log, "b"));
      const waiter = createTask(function* () {
        try {
          return yield* gather([a, b, cancellable(300, "c", log, "c")]);
        } catch (error) {
          log.push(`waiter caught ${(error as Error).name}@${now()}`);
          throw error;
        }
      }());
      yield* sleep(50);
      assert.equal(waiter.cancel(), true);
      assertError(yield* caught(() => waiter), CancelledError);
      assert.equal(waiter.cancelled(), true);
      assert.equal(a.cancelled(), true);
      assert.equal(b.cancelled(), true);
      assert.equal(now(), 50);
    });
    assert.deepEqual(log, ["a cancelled@50", "b cancelled@50", "c cancelled@50", "waiter caught CancelledError@50"]);
  });

  test("cancelling gather(..., { returnExceptions: true }) cancels every child and still throws CancelledError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const a = createTask(cancellable(100, "a", log, "a"));
      const gathering = gather([a, cancellable(200, "b", log, "b")], { returnExceptions: true });
      getRunningLoop().callLater(50, () => log.push(`cancel() returned ${gathering.cancel()}`));
      // With returnExceptions the children's CancelledErrors would be results; the gather's own cancellation is not.
      assertError(yield* caught(() => gathering), CancelledError);
      assert.equal(a.cancelled(), true);
      assert.equal(now(), 50);
    });
    assert.deepEqual(log, ["cancel() returned true", "a cancelled@50", "b cancelled@50"]);
  });

  test("a child cancelled on its own makes gather() throw CancelledError while the others run on", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const doomed = createTask(cancellable(100, "doomed", log, "doomed"));
      const other = createTask(cancellable(30, "other", log, "other"));
      const gathering = gather([doomed, other]);
      getRunningLoop().callLater(10, () => doomed.cancel());
      assertError(yield* caught(() => gathering), CancelledError);
      assert.equal(now(), 10);
      // As in asyncio, the gather is not itself cancelled: it failed with a CancelledError.
      assert.equal(gathering.cancelled(), false);
      assertError(gathering.exception(), CancelledError);
      assert.equal(yield* other, "other");
    });
    assert.deepEqual(log, ["doomed cancelled@10", "other done@30"]);
  });

  test("gather([]) resolves to an empty array", async () => {
    await runVirtual(function* () {
      const gathering = gather([]);
      assert.equal(gathering.done(), true);
      assert.deepEqual(yield* gathering, []);
      assert.equal(now(), 0);
    });
  });

  test("the same coroutine passed twice runs once and its result appears twice", async () => {
    let runs = 0;
    function* counted() {
      runs++;
      yield* sleep(10);
      return `run ${runs}`;
    }
    await runVirtual(function* () {
      const coro = counted();
      const results = yield* gather([coro, sleep(5, "other"), coro]);
      assert.deepEqual(results, ["run 1", "other", "run 1"]);
    });
    assert.equal(runs, 1);
  });

  test("the same future passed twice appears twice in the results", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const future = loop.createFuture<string>();
      loop.callLater(10, () => future.setResult("once"));
      const results = yield* gather([future, sleep(20, "other"), future]);
      assert.deepEqual(results, ["once", "other", "once"]);
      assert.equal(now(), 20);
    });
  });

  test("gather() accepts promises, other thenables and plain futures", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const future: Future<number> = loop.createFuture<number>();
      loop.callLater(10, () => future.setResult(42));
      const thenable: PromiseLike<string> = {
        then(onfulfilled) {
          return Promise.resolve("thenable").then(onfulfilled);
        },
      };
      const results = yield* gather([Promise.resolve("promise"), thenable, future]);
      const typed: [string, string, number] = results;
      assert.deepEqual(typed, ["promise", "thenable", 42]);
      assert.equal(now(), 10);
    });
  });
});
