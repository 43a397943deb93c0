import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { asCompleted, type Awaitable, createTask, getRunningLoop, TimeoutError } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { after, assertError, failAfter, now } from "./_helpers_concurrency.ts";

class AppError extends Error {
  override name = "AppError";
}

describe("asCompleted()", () => {
  test("asCompleted() yields results in completion order", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const results: string[] = [];
      const ops = asCompleted([after(30, "c", log, "c"), after(10, "a", log, "a"), after(20, "b", log, "b")]);
      for (const next of ops) {
        const value = yield* next;
        results.push(`${value}@${now()}`);
      }
      assert.deepEqual(results, ["a@10", "b@20", "c@30"]);
    });
    assert.deepEqual(log, ["a@10", "b@20", "c@30"]);
  });

  test("asCompleted() throws an error from the operation that corresponds to it", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const error = new AppError("second to finish");
      const outcomes: string[] = [];
      const ops = asCompleted([
        after(30, "slow", log, "slow"),
        failAfter(20, error, log, "fail"),
        after(10, "fast", log, "fast"),
      ]);
      for (const next of ops) {
        try {
          outcomes.push(`${yield* next}@${now()}`);
        } catch (e) {
          assert.equal(e, error);
          outcomes.push(`error@${now()}`);
        }
      }
      assert.deepEqual(outcomes, ["fast@10", "error@20", "slow@30"]);
    });
  });

  test("asCompleted() with a timeout: the operations not answered in time throw TimeoutError", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const slow = createTask(after(100, "slow", log, "slow"));
      const outcomes: string[] = [];
      const inputs = [slow, after(10, "fast", log, "fast"), after(200, "slower", log, "slower")];
      for (const next of asCompleted<string>(inputs, { timeout: 50 })) {
        try {
          outcomes.push(`${yield* next}@${now()}`);
        } catch (e) {
          assertError(e, TimeoutError);
          outcomes.push(`timeout@${now()}`);
        }
      }
      assert.deepEqual(outcomes, ["fast@10", "timeout@50", "timeout@50"]);
      // Like asyncio.as_completed, the timeout cancels nothing.
      assert.equal(slow.cancelled(), false);
      assert.equal(yield* slow, "slow");
      assert.equal(now(), 100);
    });
  });

  test("asCompleted() rejects a single future with TypeError", async () => {
    await runVirtual(function* () {
      const future = getRunningLoop().createFuture<number>();
      assert.throws(() => asCompleted(future as unknown as Awaitable<number>[]), TypeError);
      const task = createTask(after(10, 1, [], "task"));
      assert.throws(() => asCompleted(task as unknown as Awaitable<number>[]), TypeError);
      yield* task;
    });
  });
});
