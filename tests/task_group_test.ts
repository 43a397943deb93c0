import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  ExceptionGroup,
  RuntimeError,
  sleep,
  type Task,
  type TaskGroup,
  taskGroup,
} from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { after, assertError, cancellable, caught, failAfter, now } from "./_helpers_concurrency.ts";

class AppError extends Error {
  override name = "AppError";
}

describe("taskGroup()", () => {
  test("taskGroup() waits for every child before it returns", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      let t1: Task<number> | undefined;
      let t2: Task<number> | undefined;
      yield* taskGroup(function* (tg) {
        t1 = tg.createTask(after(10, 42, log, "child 1"));
        t2 = tg.createTask(after(20, 11, log, "child 2"));
        log.push(`body ends@${now()}`);
        yield* sleep(0);
      });
      log.push(`group returned@${now()}`);
      assert.equal(t1!.result(), 42);
      assert.equal(t2!.result(), 11);
    });
    assert.deepEqual(log, ["body ends@0", "child 1@10", "child 2@20", "group returned@20"]);
  });

  test("taskGroup() returns the body's return value", async () => {
    await runVirtual(function* () {
      const result = yield* taskGroup(function* (tg) {
        const child = tg.createTask(sleep(10, 21));
        return (yield* child) * 2;
      });
      assert.equal(result, 42);
    });
  });

  test("the first child failure cancels the siblings and the body (finally blocks run) and throws ExceptionGroup of the non-cancellation errors", async () => {
    const log: string[] = [];
    const error = new AppError("child failed");
    await runVirtual(function* () {
      let sibling: Task<string> | undefined;
      const eg = yield* caught(() =>
        taskGroup(function* (tg) {
          tg.createTask(failAfter(10, error, log, "failing child"));
          sibling = tg.createTask(function* () {
            try {
              yield* sleep(1000);
              return "sibling";
            } finally {
              log.push(`sibling finally@${now()}`);
            }
          }());
          try {
            yield* sleep(1000);
          } finally {
            log.push(`body finally@${now()}`);
          }
        })
      );
      assertError(eg, ExceptionGroup);
      assert.deepEqual((eg as ExceptionGroup).errors, [error]);
      assert.equal(sibling!.cancelled(), true);
      assert.equal(now(), 10);
    });
    assert.deepEqual(log, ["failing child@10", "sibling finally@10", "body finally@10"]);
  });

  test("two children failing at the same time are both in ExceptionGroup.errors", async () => {
    await runVirtual(function* () {
      const log: string[] = [];
      const first = new AppError("first");
      const second = new AppError("second");
      const eg = yield* caught(() =>
        taskGroup(function* (tg) {
          tg.createTask(failAfter(10, first, log, "first"));
          tg.createTask(failAfter(10, second, log, "second"));
          tg.createTask(cancellable(1000, "third", log, "third"));
          yield* sleep(1000);
        })
      );
      assertError(eg, ExceptionGroup);
      assert.deepEqual((eg as ExceptionGroup).errors, [first, second]);
      assert.deepEqual(log, ["first@10", "second@10", "third cancelled@10"]);
    });
  });

  test("a body error cancels the children and is included in the ExceptionGroup", async () => {
    const log: string[] = [];
    const error = new AppError("body failed");
    await runVirtual(function* () {
      const children: Task<string>[] = [];
      const eg = yield* caught(() =>
        taskGroup(function* (tg) {
          children.push(tg.createTask(cancellable(100, "a", log, "a")));
          children.push(tg.createTask(cancellable(200, "b", log, "b")));
          yield* sleep(10);
          throw error;
        })
      );
      assertError(eg, ExceptionGroup);
      assert.deepEqual((eg as ExceptionGroup).errors, [error]);
      assert.ok(children.every((t) => t.cancelled()));
      assert.equal(now(), 10);
    });
    assert.deepEqual(log, ["a cancelled@10", "b cancelled@10"]);
  });

  test("cancelling the parent from outside cancels the children and throws CancelledError, not ExceptionGroup", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const parent = createTask(function* () {
        try {
          yield* taskGroup(function* (tg) {
            tg.createTask(cancellable(100, "a", log, "a"));
            tg.createTask(cancellable(200, "b", log, "b"));
            yield* cancellable(300, "body", log, "body");
          });
        } catch (error) {
          log.push(`parent caught ${(error as Error).name}: ${(error as Error).message}`);
          throw error;
        }
      }());
      yield* sleep(10);
      parent.cancel("stop");
      assertError(yield* caught(() => parent), CancelledError, "stop");
      assert.equal(parent.cancelled(), true);
    });
    assert.deepEqual(log, [
      "body cancelled@10",
      "a cancelled@10",
      "b cancelled@10",
      "parent caught CancelledError: stop",
    ]);
  });

  test("cancelling the parent while the group waits for its children also throws CancelledError", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const parent = createTask(taskGroup(function* (tg) {
        tg.createTask(cancellable(100, "a", log, "a"));
        yield* sleep(0);
      }));
      yield* sleep(10);
      parent.cancel();
      assertError(yield* caught(() => parent), CancelledError);
    });
    assert.deepEqual(log, ["a cancelled@10"]);
  });

  test("nested groups: an inner group's failure is a nested ExceptionGroup in the outer group's errors", async () => {
    const log: string[] = [];
    const error = new AppError("inner child failed");
    await runVirtual(function* () {
      const eg = yield* caught(() =>
        taskGroup(function* (outer) {
          outer.createTask(cancellable(1000, "outer child", log, "outer child"));
          yield* taskGroup(function* (inner) {
            inner.createTask(failAfter(10, error, log, "inner child"));
            yield* sleep(1000);
          });
        })
      );
      assertError(eg, ExceptionGroup);
      const errors = (eg as ExceptionGroup).errors;
      assert.equal(errors.length, 1);
      assertError(errors[0], ExceptionGroup);
      assert.deepEqual((errors[0] as ExceptionGroup).errors, [error]);
    });
    assert.deepEqual(log, ["inner child@10", "outer child cancelled@10"]);
  });

  test("nested groups: an outer child failure cancels the inner group, which adds no error of its own", async () => {
    const log: string[] = [];
    const error = new AppError("outer child failed");
    await runVirtual(function* () {
      const eg = yield* caught(() =>
        taskGroup(function* (outer) {
          outer.createTask(failAfter(10, error, log, "outer child"));
          yield* taskGroup(function* (inner) {
            inner.createTask(cancellable(1000, "inner child", log, "inner child"));
            yield* sleep(0);
          });
        })
      );
      assertError(eg, ExceptionGroup);
      assert.deepEqual((eg as ExceptionGroup).errors, [error]);
    });
    assert.deepEqual(log, ["outer child@10", "inner child cancelled@10"]);
  });

  test("creating a task in a finished group throws RuntimeError", async () => {
    await runVirtual(function* () {
      let group: TaskGroup | undefined;
      yield* taskGroup(function* (tg) {
        group = tg;
        tg.createTask(sleep(10));
        yield* sleep(0);
      });
      let started = false;
      function* child() {
        started = true;
        yield* sleep(0);
      }
      assert.throws(() => group!.createTask(child()), RuntimeError);
      yield* sleep(10);
      assert.equal(started, false);
    });
  });

  test("after a group failure the parent's cancelling() is 0 and it can keep waiting", async () => {
    await runVirtual(function* () {
      const parent = currentTask()!;
      const log: string[] = [];
      const eg = yield* caught(() =>
        taskGroup(function* (tg) {
          tg.createTask(failAfter(10, new AppError("boom"), log, "child"));
          yield* sleep(1000);
        })
      );
      assertError(eg, ExceptionGroup);
      assert.equal(parent.cancelling(), 0);
      yield* sleep(25);
      assert.equal(now(), 35);
      assert.equal(parent.cancelling(), 0);
    });
  });
});
