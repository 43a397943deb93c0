import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  call,
  CancelledError,
  createTask,
  currentTask,
  ensureFuture,
  Future,
  getRunningLoop,
  type Loop,
  type Operation,
  run,
  Runner,
  RuntimeError,
  sleep,
  Task,
  until,
  VirtualClock,
} from "../host/mod.ts";
import { captureErrors, runVirtual } from "./_helpers.ts";
import { assertError, caught, rejectionOf, thrownBy } from "./_helpers_tasks.ts";

describe("until()", () => {
  test("until(promise) returns the promise's value", async () => {
    const { result } = await runVirtual(function* () {
      const slow = Promise.resolve().then(() => Promise.resolve("value"));
      return yield* until(slow);
    });
    assert.equal(result, "value");
  });

  test("until(promise) throws the promise's rejection (the same object)", async () => {
    const error = new RangeError("rejected");
    await runVirtual(function* () {
      assert.equal(yield* caught(until(Promise.reject(error))), error);
    });
  });

  test("until() accepts any thenable", async () => {
    const { result } = await runVirtual(function* () {
      const thenable = {
        then(onfulfilled: (value: number) => unknown) {
          queueMicrotask(() => onfulfilled(7));
        },
      } as unknown as PromiseLike<number>;
      return yield* until(thenable);
    });
    assert.equal(result, 7);
  });

  test("until() of something that is not a thenable throws TypeError", () => {
    assertError(thrownBy(() => until(42 as any)), TypeError);
    assertError(thrownBy(() => until(null as any)), TypeError);
    assertError(thrownBy(() => until({ then: "not callable" } as any)), TypeError);
  });

  test("a task cancelled while in until() gets CancelledError; the promise settling later changes nothing", async () => {
    const log: string[] = [];
    let settle: (value: string) => void = () => {};
    const promise = new Promise<string>((resolve) => {
      settle = resolve;
    });
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          return yield* until(promise);
        } catch (error) {
          assertError(error, CancelledError);
          log.push("task sees CancelledError");
          throw error;
        }
      }());
      yield* sleep(10);
      task.cancel();
      assertError(yield* caught(task), CancelledError);
      settle("too late");
      yield* until(promise);
      yield* sleep(0);
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(log, ["task sees CancelledError"]);
  });
});

describe("call()", () => {
  test("call(fn) runs fn with an AbortSignal and returns what its promise resolves to", async () => {
    const seen: { signal?: AbortSignal } = {};
    const { result } = await runVirtual(function* () {
      return yield* call(async (signal) => {
        seen.signal = signal;
        await null;
        return "async value";
      });
    });
    assert.equal(result, "async value");
    assert.ok(seen.signal instanceof AbortSignal);
    assert.equal(seen.signal.aborted, false);
  });

  test("call(fn) returns a synchronous value directly, without giving way to other tasks", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      createTask(function* () {
        log.push("other task");
        yield* sleep(0);
      }());
      const value = yield* call((signal) => {
        log.push(`fn called with ${signal.constructor.name}`);
        return 5;
      });
      log.push(`got ${value}`);
      yield* sleep(0);
    });
    assert.deepEqual(log, ["fn called with AbortSignal", "got 5", "other task"]);
  });

  test("call(fn) throws the rejection of fn's promise, and what fn throws synchronously", async () => {
    const rejected = new RangeError("async failure");
    const thrown = new TypeError("sync failure");
    await runVirtual(function* () {
      assert.equal(
        yield* caught(call(async () => {
          await null;
          throw rejected;
        })),
        rejected,
      );
      assert.equal(
        yield* caught(call(() => {
          throw thrown;
        })),
        thrown,
      );
    });
  });

  test("call(fn)'s signal aborts when the calling task is cancelled while waiting", async () => {
    const log: string[] = [];
    const seen: { signal?: AbortSignal } = {};
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          return yield* call((signal) => {
            seen.signal = signal;
            log.push("fn called");
            return new Promise<string>((_resolve, reject) => {
              signal.addEventListener("abort", () => {
                log.push("abort event");
                reject(signal.reason);
              });
            });
          });
        } catch (error) {
          assertError(error, CancelledError);
          log.push("task sees CancelledError");
          throw error;
        }
      }());
      yield* sleep(10);
      assert.equal(seen.signal?.aborted, false);
      task.cancel();
      log.push("cancel() returned");
      assertError(yield* caught(task), CancelledError);
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(log, ["fn called", "abort event", "cancel() returned", "task sees CancelledError"]);
    assert.equal(seen.signal?.aborted, true);
    assertError(seen.signal?.reason, CancelledError);
  });

  test("call() of something that is not a function throws TypeError", () => {
    assertError(thrownBy(() => call("fetch" as any)), TypeError);
  });
});

describe("ensureFuture()", () => {
  test("ensureFuture(coroutine) schedules it as a Task", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const fut = ensureFuture(function* () {
        log.push("coroutine runs");
        yield* sleep(5);
        return "from coroutine";
      }());
      assert.ok(fut instanceof Task);
      log.push("ensureFuture returned");
      assert.equal(yield* fut, "from coroutine");
    });
    assert.deepEqual(log, ["ensureFuture returned", "coroutine runs"]);
  });

  test("ensureFuture(future) and ensureFuture(task) return the same object", async () => {
    await runVirtual(function* () {
      const fut = getRunningLoop().createFuture<number>();
      assert.equal(ensureFuture(fut), fut);
      const task = createTask(sleep(1));
      assert.equal(ensureFuture(task), task);
      fut.setResult(1);
      yield* task;
    });
  });

  test("ensureFuture(thenable) returns a Future that follows it", async () => {
    await runVirtual(function* () {
      const fut = ensureFuture(Promise.resolve("from promise"));
      assert.ok(fut instanceof Future);
      assert.equal(yield* fut, "from promise");
      const error = new Error("rejected");
      const failing = ensureFuture(Promise.reject(error));
      assert.equal(yield* caught(failing), error);
    });
  });

  test("ensureFuture(another Operation) schedules it as a Task", async () => {
    await runVirtual(function* () {
      const fut = ensureFuture(sleep(5, "slept"));
      assert.ok(fut instanceof Task);
      assert.equal(yield* fut, "slept");
    });
  });

  test("ensureFuture() of a number throws TypeError", async () => {
    await runVirtual(function* () {
      assertError(thrownBy(() => ensureFuture(42 as any)), TypeError);
      assertError(thrownBy(() => ensureFuture(null as any)), TypeError);
      yield* sleep(0);
    });
  });
});

describe("createTask() with awaitables that are not coroutines", () => {
  test("createTask(sleep(10, 'x')) wraps the operation in a task", async () => {
    const { result, clock } = await runVirtual(function* () {
      const task = createTask(sleep(10, "x"));
      assert.ok(task instanceof Task);
      return yield* task;
    });
    assert.equal(result, "x");
    assert.equal(clock.now(), 10);
  });

  test("createTask(future) makes a task that finishes with the future", async () => {
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const task = createTask(fut);
      assert.ok(task instanceof Task);
      assert.notEqual(task as unknown, fut);
      loop.callLater(20, () => fut.setResult("from future"));
      assert.equal(yield* task, "from future");
      assert.equal(loop.time(), 20);
    });
  });

  test("createTask() of a user-defined Operation or a promise wraps it in a task", async () => {
    await runVirtual(function* () {
      const op: Operation<string> = {
        *[Symbol.iterator]() {
          yield* sleep(3);
          return "custom operation";
        },
      };
      assert.equal(yield* createTask(op), "custom operation");
      assert.equal(yield* createTask(Promise.resolve("promise")), "promise");
    });
  });

  test("an Operation is reusable: createTask() of the same operation object twice runs it in both tasks", async () => {
    // Unlike a coroutine (one run only), an Operation may be yield*ed any
    // number of times; sleep(0) even returns one shared object.
    const { clock } = await runVirtual(function* () {
      const nap = sleep(10, "nap");
      const op: Operation<string> = {
        *[Symbol.iterator]() {
          yield* sleep(5);
          return "op";
        },
      };
      const tasks = [
        createTask(sleep(0)),
        createTask(sleep(0)),
        createTask(nap),
        createTask(nap),
        createTask(op),
        createTask(op),
      ];
      const results: unknown[] = [];
      for (const task of tasks) results.push(yield* task);
      assert.deepEqual(results, [undefined, undefined, "nap", "nap", "op", "op"]);
    });
    assert.equal(clock.now(), 10);
  });

  test("createTask() of a number throws TypeError", async () => {
    await runVirtual(function* () {
      assertError(thrownBy(() => createTask(42 as any)), TypeError);
      yield* sleep(0);
    });
  });
});

describe("Outside and inside a loop", () => {
  test("getRunningLoop(), createTask() and currentTask() outside a loop throw RuntimeError", () => {
    assertError(thrownBy(() => getRunningLoop()), RuntimeError);
    assertError(thrownBy(() => createTask(sleep(0))), RuntimeError);
    assertError(thrownBy(() => currentTask()), RuntimeError);
  });

  test("getRunningLoop() is the loop in coroutines and callbacks, and throws RuntimeError in async code after an await", async () => {
    const loops: Loop[] = [];
    await runVirtual(function* () {
      const loop = getRunningLoop();
      loops.push(loop);
      loop.callSoon(() => loops.push(getRunningLoop()));
      yield* sleep(0);
      const error = yield* call(async () => {
        await null;
        try {
          getRunningLoop();
        } catch (e) {
          return e;
        }
        return null;
      });
      assertError(error, RuntimeError);
    });
    assert.equal(loops.length, 2);
    assert.equal(loops[0], loops[1]);
  });

  test("run() called synchronously from inside a coroutine throws RuntimeError, and the outer run goes on", async () => {
    const log: string[] = [];
    const { result } = await runVirtual(function* () {
      const error = thrownBy(() =>
        run(function* () {
          log.push("inner main ran");
          yield* sleep(0);
        })
      );
      assertError(error, RuntimeError);
      const runner = new Runner({ clock: new VirtualClock() });
      assertError(thrownBy(() => runner.run(sleep(0))), RuntimeError);
      assertError(thrownBy(() => getRunningLoop().runUntilComplete(sleep(0))), RuntimeError);
      yield* sleep(5);
      return "outer finished";
    });
    assert.equal(result, "outer finished");
    assert.deepEqual(log, []);
  });

  test("run() accepts a coroutine object and settles with main's result or error", async () => {
    function* main(): Generator<unknown, string, unknown> {
      yield* sleep(10);
      return "main result";
    }
    assert.equal(await run(main(), { clock: new VirtualClock() }), "main result");
    const error = new Error("main failed");
    const rejection = await rejectionOf(run(function* () {
      yield* sleep(10);
      throw error;
    }, { clock: new VirtualClock() }));
    assert.equal(rejection, error);
  });

  test("concurrent run() calls from async code are independent loops", async () => {
    const log: string[] = [];
    const clockA = new VirtualClock();
    const clockB = new VirtualClock();
    const [loopA, loopB] = await Promise.all([
      run(function* () {
        const loop = getRunningLoop();
        yield* sleep(100);
        log.push(`a at ${loop.time()}`);
        return loop;
      }, { clock: clockA }),
      run(function* () {
        const loop = getRunningLoop();
        yield* sleep(50);
        log.push(`b at ${loop.time()}`);
        return loop;
      }, { clock: clockB }),
    ]);
    assert.notEqual(loopA, loopB);
    assert.deepEqual(log.toSorted(), ["a at 100", "b at 50"]);
    assert.equal(clockA.now(), 100);
    assert.equal(clockB.now(), 50);
  });

  test("await task from async code after run() finished gives its result, its error, or CancelledError", async () => {
    const error = new Error("task failed");
    const tasks: Task<string>[] = [];
    await runVirtual(function* () {
      captureErrors(getRunningLoop());
      tasks.push(createTask(sleep(5, "finished")));
      tasks.push(createTask(function* (): Generator<unknown, string, unknown> {
        yield* sleep(5);
        throw error;
      }()));
      tasks.push(createTask(sleep(1000, "never")));
      yield* sleep(10);
    });
    const [finished, failed, leftPending] = tasks;
    assert.equal(await finished!, "finished");
    assert.equal(await rejectionOf(failed!), error);
    assert.equal(leftPending!.cancelled(), true, "run() cancels the tasks still pending when main returns");
    assertError(await rejectionOf(leftPending!), CancelledError);
  });

  test("task.addDoneCallback after run() finished throws RuntimeError instead of never calling back", async () => {
    const tasks: Task<string>[] = [];
    await runVirtual(function* () {
      tasks.push(createTask(sleep(5, "finished")));
      yield* tasks[0]!;
    });
    const log: string[] = [];
    assertError(thrownBy(() => tasks[0]!.addDoneCallback(() => log.push("called"))), RuntimeError);
  });
});

describe("A thenable whose then() throws", () => {
  test("fails the waiting coroutine with that error, and the loop goes on", async () => {
    const { result } = await runVirtual(function* () {
      const bad = {
        then() {
          throw new RangeError("then() broke");
        },
      };
      let caughtError: unknown;
      try {
        yield* until(bad as unknown as PromiseLike<number>);
      } catch (error) {
        caughtError = error;
      }
      yield* sleep(1);
      return caughtError;
    });
    assert.ok(result instanceof RangeError);
    assert.equal((result as RangeError).message, "then() broke");
  });
});
