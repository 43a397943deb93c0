import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, createTask, getRunningLoop, shield, sleep } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { after, assertError, cancellable, caught, now } from "./_helpers_concurrency.ts";

describe("shield()", () => {
  test("cancelling the waiter leaves the shielded task running: the waiter gets CancelledError, the inner result stays available", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const inner = createTask(cancellable(50, "saved", log, "inner"));
      const waiter = createTask(function* () {
        try {
          return yield* shield(inner);
        } catch (error) {
          log.push(`waiter caught ${(error as Error).name}@${now()}`);
          throw error;
        }
      }());
      yield* sleep(10);
      waiter.cancel();
      assertError(yield* caught(() => waiter), CancelledError);
      assert.equal(now(), 10);
      assert.equal(inner.done(), false);
      assert.equal(yield* inner, "saved");
      assert.equal(inner.result(), "saved");
      assert.equal(now(), 50);
    });
    assert.deepEqual(log, ["waiter caught CancelledError@10", "inner done@50"]);
  });

  test("a shielded coroutine runs to completion after its waiter is cancelled", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const waiter = createTask(shield(cancellable(50, "saved", log, "inner")));
      yield* sleep(10);
      waiter.cancel();
      assertError(yield* caught(() => waiter), CancelledError);
      yield* sleep(100);
    });
    assert.deepEqual(log, ["inner done@50"]);
  });

  test("cancelling the inner cancels the shield's future", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const inner = createTask(cancellable(50, "never", log, "inner"));
      const shielded = shield(inner);
      getRunningLoop().callLater(10, () => inner.cancel());
      assertError(yield* caught(() => shielded), CancelledError);
      assert.equal(shielded.cancelled(), true);
      assert.equal(inner.cancelled(), true);
      assert.equal(now(), 10);
    });
    assert.deepEqual(log, ["inner cancelled@10"]);
  });

  test("shield() returns a done awaitable as is", async () => {
    await runVirtual(function* () {
      const future = getRunningLoop().createFuture<string>();
      future.setResult("done");
      assert.equal(shield(future), future);
      const task = createTask(after(5, "task", [], "task"));
      yield* task;
      assert.equal(shield(task), task);
    });
  });
});
