/**
 * After each waiting primitive completes, fails or is cancelled, the loop
 * holds nothing of it: no armed timer (deadlines are cancelled), no
 * scheduled callback, and no task but the main one.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  createTask,
  ExceptionGroup,
  gather,
  shield,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  wait,
  waitFor,
} from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import {
  after,
  assertError,
  assertOnlyMainTaskLeft,
  cancellable,
  caught,
  failAfter,
  now,
} from "./_helpers_concurrency.ts";

class AppError extends Error {
  override name = "AppError";
}

describe("no leaks", () => {
  test("gather() leaves nothing behind when it succeeds", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      assert.deepEqual(yield* gather([after(10, 1, log, "a"), after(20, 2, log, "b")]), [1, 2]);
      assertOnlyMainTaskLeft();
    });
  });

  test("gather() leaves nothing behind once the children of a failed gather have finished", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const slow = createTask(after(30, "slow", log, "slow"));
      yield* caught(() => gather([failAfter(10, new AppError("boom"), log, "fail"), slow]));
      yield* slow;
      // The gather's done callback on `slow` ran in the iteration that resumed us, just before
      // our step, but the core frees a callback's slot only at the next tick and stats() counts
      // it until then: let one iteration pass.
      yield* sleep(0);
      assertOnlyMainTaskLeft();
    });
  });

  test("gather() leaves nothing behind when it is cancelled", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const waiter = createTask(gather([cancellable(100, "a", log, "a"), cancellable(200, "b", log, "b")]));
      yield* sleep(10);
      waiter.cancel();
      assertError(yield* caught(() => waiter), CancelledError);
      assertOnlyMainTaskLeft();
    });
  });

  test("wait() with a timeout cancels its timer when the futures finish first", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const t = createTask(after(10, 1, log, "t"));
      const { done } = yield* wait([t], { timeout: 1000 });
      assert.equal(done.size, 1);
      assertOnlyMainTaskLeft();
    });
  });

  test("wait() with a timeout leaves nothing behind after the deadline once the pending futures finish", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const t = createTask(after(50, 1, log, "t"));
      const { pending } = yield* wait([t], { timeout: 10 });
      assert.equal(pending.size, 1);
      yield* t;
      assertOnlyMainTaskLeft();
    });
  });

  test("wait() with a timeout leaves nothing behind when the waiting task is cancelled", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const t = createTask(after(50, 1, log, "t"));
      const waiter = createTask(wait([t], { timeout: 1000 }));
      yield* sleep(10);
      waiter.cancel();
      assertError(yield* caught(() => waiter), CancelledError);
      yield* t;
      assertOnlyMainTaskLeft();
    });
  });

  test("waitFor() leaves nothing behind when it succeeds", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      assert.equal(yield* waitFor(after(10, "ok", log, "inline"), 1000), "ok");
      assertOnlyMainTaskLeft();
      assert.equal(yield* waitFor(createTask(after(10, "ok", log, "task")), 1000), "ok");
      assertOnlyMainTaskLeft();
    });
  });

  test("waitFor() leaves nothing behind when it times out", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      assertError(yield* caught(() => waitFor(cancellable(1000, "x", log, "inline"), 10)), TimeoutError);
      assertOnlyMainTaskLeft();
      assertError(yield* caught(() => waitFor(createTask(cancellable(1000, "x", log, "task")), 10)), TimeoutError);
      assertOnlyMainTaskLeft();
      assertError(yield* caught(() => waitFor(createTask(cancellable(1000, "x", log, "zero")), 0)), TimeoutError);
      assertOnlyMainTaskLeft();
    });
  });

  test("waitFor() leaves nothing behind when the calling task is cancelled", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const inline = createTask(waitFor(cancellable(1000, "x", log, "inline"), 100));
      const inner = createTask(cancellable(1000, "x", log, "inner"));
      const viaTask = createTask(waitFor(inner, 100));
      yield* sleep(10);
      inline.cancel();
      viaTask.cancel();
      assertError(yield* caught(() => inline), CancelledError);
      assertError(yield* caught(() => viaTask), CancelledError);
      assertOnlyMainTaskLeft();
    });
  });

  test("timeout() leaves nothing behind when the body finishes in time", async () => {
    await runVirtual(function* () {
      yield* timeout(1000, function* () {
        yield* sleep(10);
      });
      assertOnlyMainTaskLeft();
    });
  });

  test("timeout() leaves nothing behind when it expires", async () => {
    await runVirtual(function* () {
      assertError(
        yield* caught(() =>
          timeout(10, function* () {
            yield* sleep(1000);
          })
        ),
        TimeoutError,
      );
      assertOnlyMainTaskLeft();
    });
  });

  test("timeout() leaves nothing behind when the task is cancelled from outside", async () => {
    await runVirtual(function* () {
      const task = createTask(timeout(100, function* () {
        yield* sleep(1000);
      }));
      yield* sleep(10);
      task.cancel();
      assertError(yield* caught(() => task), CancelledError);
      assertOnlyMainTaskLeft();
    });
  });

  test("asCompleted() with a timeout cancels its timer when everything finishes in time", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      for (const next of asCompleted([after(10, 1, log, "a"), after(20, 2, log, "b")], { timeout: 1000 })) {
        yield* next;
      }
      assert.equal(now(), 20);
      assertOnlyMainTaskLeft();
    });
  });

  test("asCompleted() leaves nothing behind after its timeout once the late awaitables finish", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const late = createTask(after(50, 2, log, "late"));
      const outcomes: string[] = [];
      for (const next of asCompleted<number>([after(10, 1, log, "early"), late], { timeout: 20 })) {
        try {
          outcomes.push(String(yield* next));
        } catch (error) {
          assertError(error, TimeoutError);
          outcomes.push("timeout");
        }
      }
      assert.deepEqual(outcomes, ["1", "timeout"]);
      yield* late;
      assertOnlyMainTaskLeft();
    });
  });

  test("shield() leaves nothing behind once the shielded task finishes after its waiter was cancelled", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const inner = createTask(after(50, "saved", log, "inner"));
      const waiter = createTask(shield(inner));
      yield* sleep(10);
      waiter.cancel();
      yield* caught(() => waiter);
      yield* inner;
      // No sleep(0) needed: cancelling the shield's future removed its done callback from `inner`.
      assertOnlyMainTaskLeft();
    });
  });

  test("taskGroup() leaves nothing behind when it succeeds", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      yield* taskGroup(function* (tg) {
        tg.createTask(after(10, 1, log, "a"));
        tg.createTask(after(20, 2, log, "b"));
        yield* sleep(0);
      });
      assertOnlyMainTaskLeft();
    });
  });

  test("taskGroup() leaves nothing behind when a child fails", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const eg = yield* caught(() =>
        taskGroup(function* (tg) {
          tg.createTask(failAfter(10, new AppError("boom"), log, "fail"));
          tg.createTask(cancellable(100, "b", log, "b"));
          yield* sleep(1000);
        })
      );
      assertError(eg, ExceptionGroup);
      assertOnlyMainTaskLeft();
    });
  });

  test("taskGroup() leaves nothing behind when its parent is cancelled", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const parent = createTask(taskGroup(function* (tg) {
        tg.createTask(cancellable(100, "a", log, "a"));
        yield* sleep(1000);
      }));
      yield* sleep(10);
      parent.cancel();
      assertError(yield* caught(() => parent), CancelledError);
      assertOnlyMainTaskLeft();
    });
  });
});
