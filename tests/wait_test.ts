import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  CancelledError,
  createTask,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type Future,
  getRunningLoop,
  type ReturnWhen,
  sleep,
  wait,
} from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { after, assertError, assertMembers, cancellable, caught, failAfter, now } from "./_helpers_concurrency.ts";

class AppError extends Error {
  override name = "AppError";
}

describe("wait()", () => {
  test("wait() with FIRST_COMPLETED returns as soon as one future is done", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const t10 = createTask(after(10, 10, log, "t10"));
      const t20 = createTask(after(20, 20, log, "t20"));
      const t30 = createTask(after(30, 30, log, "t30"));
      const { done, pending } = yield* wait([t30, t10, t20], { returnWhen: FIRST_COMPLETED });
      log.push(`wait returned@${now()}`);
      assertMembers(done, [t10]);
      assertMembers(pending, [t20, t30]);
      assert.equal(yield* t30, 30);
    });
    assert.deepEqual(log, ["t10@10", "wait returned@10", "t20@20", "t30@30"]);
  });

  test("wait() with FIRST_EXCEPTION returns at the first failure", async () => {
    const log: string[] = [];
    const error = new AppError("boom");
    await runVirtual(function* () {
      const ok10 = createTask(after(10, "ok", log, "ok10"));
      const fail20 = createTask(failAfter(20, error, log, "fail20"));
      const ok30 = createTask(after(30, "ok", log, "ok30"));
      const { done, pending } = yield* wait([ok10, fail20, ok30], { returnWhen: FIRST_EXCEPTION });
      log.push(`wait returned@${now()}`);
      assertMembers(done, [ok10, fail20]);
      assertMembers(pending, [ok30]);
      assert.equal(fail20.exception(), error);
      yield* ok30;
    });
    assert.deepEqual(log, ["ok10@10", "fail20@20", "wait returned@20", "ok30@30"]);
  });

  test("wait() with FIRST_EXCEPTION returns when all are done if none fails", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const a = createTask(after(10, "a", log, "a"));
      const b = createTask(after(20, "b", log, "b"));
      const { done, pending } = yield* wait([a, b], { returnWhen: FIRST_EXCEPTION });
      assert.equal(now(), 20);
      assertMembers(done, [a, b]);
      assertMembers(pending, []);
    });
  });

  test("wait() waits for every future by default (ALL_COMPLETED), without raising their errors", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const error = new AppError("boom");
      const failed = createTask(failAfter(10, error, log, "failed"));
      const ok = createTask(after(30, "ok", log, "ok"));
      const future = getRunningLoop().createFuture<string>();
      getRunningLoop().callLater(20, () => future.setResult("future"));
      const { done, pending } = yield* wait<Future<unknown>>([failed, ok, future]);
      assert.equal(now(), 30);
      assertMembers(done, [failed, ok, future]);
      assertMembers(pending, []);
      assert.equal(failed.exception(), error);

      const explicit = yield* wait([createTask(sleep(5, 1))], { returnWhen: ALL_COMPLETED });
      assert.equal(explicit.done.size, 1);
      assert.equal(now(), 35);
    });
  });

  test("wait() with a timeout returns done and pending at the deadline, cancels nothing, and the pending finish later", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const fast = createTask(cancellable(10, "fast", log, "fast"));
      const slow = createTask(cancellable(50, "slow", log, "slow"));
      const { done, pending } = yield* wait([fast, slow], { timeout: 25 });
      log.push(`wait returned@${now()}`);
      assertMembers(done, [fast]);
      assertMembers(pending, [slow]);
      assert.equal(slow.cancelled(), false);
      assert.equal(yield* slow, "slow");
    });
    assert.deepEqual(log, ["fast done@10", "wait returned@25", "slow done@50"]);
  });

  test("wait() never cancels: cancelling the waiting task leaves the futures running", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const a = createTask(cancellable(30, "a", log, "a"));
      const waiter = createTask(wait([a]));
      yield* sleep(10);
      waiter.cancel();
      assertError(yield* caught(() => waiter), CancelledError);
      assert.equal(now(), 10);
      assert.equal(a.done(), false);
      assert.equal(yield* a, "a");
    });
    assert.deepEqual(log, ["a done@30"]);
  });

  test("wait() rejects coroutines with TypeError", async () => {
    await runVirtual(function* () {
      function* coro() {
        yield* sleep(10);
      }
      const pending = coro();
      const task = createTask(sleep(10));
      assertError(yield* caught(() => wait([task, pending] as unknown as Future<unknown>[])), TypeError);
      assertError(yield* caught(() => wait(pending as unknown as Future<unknown>[])), TypeError);
      yield* task;
    });
  });

  test("wait() rejects a single future instead of an iterable with TypeError", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(10));
      assertError(yield* caught(() => wait(task as unknown as Future<unknown>[])), TypeError);
      const future = getRunningLoop().createFuture();
      assertError(yield* caught(() => wait(future as unknown as Future<unknown>[])), TypeError);
      yield* task;
    });
  });

  test("wait() rejects an empty input with RangeError", async () => {
    await runVirtual(function* () {
      assertError(yield* caught(() => wait([])), RangeError);
      assertError(yield* caught(() => wait(new Set<Future<unknown>>())), RangeError);
    });
  });

  test("wait() rejects an invalid returnWhen with RangeError", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(10));
      const bad = "FIRST_DONE" as unknown as ReturnWhen;
      assertError(yield* caught(() => wait([task], { returnWhen: bad })), RangeError);
      assert.equal(yield* task, undefined);
      assert.equal(now(), 10);
    });
  });
});
