import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  allTasks,
  createTask,
  currentTask,
  eagerTaskFactory,
  getRunningLoop,
  InvalidStateError,
  Runner,
  RuntimeError,
  sleep,
  type Task,
  until,
  VirtualClock,
} from "../host/mod.ts";
import { captureErrors, runVirtual } from "./_helpers.ts";
import { assertError, caught, manualLoop, runUntilIdle, thrownBy } from "./_helpers_tasks.ts";

/** Asserts that `set` holds exactly `members` (by identity). */
function assertSameMembers<T>(set: Set<T>, members: T[]): void {
  assert.equal(set.size, members.length, `expected ${members.length} members, got ${set.size}`);
  for (const m of members) assert.ok(set.has(m), `missing ${String(m)}`);
}

describe("Task scheduling", () => {
  test("a generator whose function's prototype defines next() and throw() is driven through them", async () => {
    const calls: string[] = [];
    function* plain(): Generator<unknown, string, unknown> {
      yield* sleep(0);
      return "plain";
    }
    function* custom(): Generator<unknown, string, unknown> {
      try {
        yield* sleep(0);
        yield* sleep(10);
      } catch {
        return "custom caught";
      }
      return "custom";
    }
    const builtin = Object.getPrototypeOf(Object.getPrototypeOf(custom())) as Generator;
    Object.assign(custom.prototype, {
      next(this: Generator, value: unknown) {
        calls.push("next");
        return builtin.next.call(this, value);
      },
      throw(this: Generator, error: unknown) {
        calls.push("throw");
        return builtin.throw.call(this, error);
      },
    });
    const { result } = await runVirtual(function* () {
      // A plain generator function first: the check of the next one must not be skipped.
      const first = yield* createTask(plain());
      const second = createTask(custom());
      yield* sleep(1);
      second.cancel();
      return [first, yield* second];
    });
    assert.deepEqual(result, ["plain", "custom caught"]);
    assert.deepEqual(calls, ["next", "next", "throw"]);
  });

  test("calling a generator function runs nothing, and createTask returns before the body runs", async () => {
    const log: string[] = [];
    function* body() {
      log.push("body runs");
      yield* sleep(0);
      return "result";
    }
    await runVirtual(function* () {
      const coro = body();
      log.push("generator called");
      const task = createTask(coro);
      log.push("createTask returned");
      assert.equal(task.done(), false);
      assert.equal(yield* task, "result");
      log.push("awaited");
    });
    assert.deepEqual(log, ["generator called", "createTask returned", "body runs", "awaited"]);
  });

  test("a new task's first step is scheduled with callSoon: it runs on a later iteration, FIFO with callbacks", () => {
    const loop = manualLoop();
    const log: string[] = [];
    loop.callSoon(() => log.push("callback before"));
    const task = loop.createTask(function* () {
      log.push("first step");
      loop.callSoon(() => log.push("callback from the first step"));
      yield;
      log.push("second step");
    }());
    loop.callSoon(() => log.push("callback after"));
    assert.deepEqual(log, []);

    loop.runOnce();
    assert.deepEqual(log, ["callback before", "first step", "callback after"]);
    loop.runOnce();
    assert.deepEqual(log, [
      "callback before",
      "first step",
      "callback after",
      "callback from the first step",
      "second step",
    ]);
    runUntilIdle(loop);
    assert.equal(task.done(), true);
    loop.close();
  });

  test("a task's done callbacks are queued where it ends, FIFO with callSoon; one added later runs on its own", () => {
    const loop = manualLoop();
    const log: string[] = [];
    const task = loop.createTask(function* () {
      loop.callSoon(() => log.push("callSoon before the end"));
      yield* sleep(0);
      loop.callSoon(() => log.push("callSoon in the last step"));
      return "r";
    }());
    task.addDoneCallback((t) => log.push(`done 1: ${t.result()}`));
    task.addDoneCallback(() => log.push("done 2"));
    loop.createTask(function* () {
      yield* sleep(0);
      log.push("a task after it");
      loop.callSoon(() => log.push("callSoon after the end"));
    }());
    loop.runOnce(); // both first steps
    loop.runOnce(); // the task ends, then the other task's step
    assert.deepEqual(log, ["callSoon before the end", "a task after it"]);
    loop.runOnce();
    assert.deepEqual(log, [
      "callSoon before the end",
      "a task after it",
      "callSoon in the last step",
      "done 1: r",
      "done 2",
      "callSoon after the end",
    ]);
    task.addDoneCallback(() => log.push("done 3, added after the end"));
    loop.callSoon(() => log.push("callSoon after that"));
    loop.runOnce();
    assert.deepEqual(log.slice(6), ["done 3, added after the end", "callSoon after that"]);
    runUntilIdle(loop);
    const stats = loop.stats();
    assert.equal(stats.tasks, 0);
    assert.equal(stats.callbacks, 0, "no callback entry left behind");
    loop.close();
  });

  test("a failed or cancelled task's done callbacks run once each, and a callback that throws is reported", () => {
    const loop = manualLoop();
    const log: string[] = [];
    const reported: unknown[] = [];
    loop.setExceptionHandler((_loop, context) => reported.push(context.exception));
    const failing = loop.createTask(function* () {
      yield* sleep(0);
      throw new RangeError("boom");
    }());
    const cancelled = loop.createTask(function* () {
      yield* sleep(1000);
    }());
    failing.addDoneCallback((t) => log.push(`failed: ${(t.exception() as Error).message}`));
    failing.addDoneCallback(() => {
      throw new TypeError("bad callback");
    });
    failing.addDoneCallback(() => log.push("after the bad callback"));
    cancelled.addDoneCallback((t) => log.push(`cancelled: ${t.cancelled()}`));
    loop.runOnce();
    cancelled.cancel();
    runUntilIdle(loop);
    assert.deepEqual(log, ["failed: boom", "after the bad callback", "cancelled: true"]);
    assert.equal(reported.length, 1);
    assertError(reported[0], TypeError, "bad callback");
    assert.equal(loop.stats().callbacks, 0);
    loop.close();
  });

  test("result() of a task that has not finished throws InvalidStateError", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(10, "late"));
      assertError(thrownBy(() => task.result()), InvalidStateError);
      assert.equal(yield* task, "late");
      assert.equal(task.result(), "late");
    });
  });
});

describe("Task names and introspection", () => {
  test("an unnamed task is called Task-N, with N counting up per task", async () => {
    await runVirtual(function* () {
      const first = createTask(sleep(0));
      const second = createTask(sleep(0));
      const a = /^Task-(\d+)$/.exec(first.getName());
      const b = /^Task-(\d+)$/.exec(second.getName());
      assert.ok(a !== null, `unexpected default name ${first.getName()}`);
      assert.ok(b !== null, `unexpected default name ${second.getName()}`);
      assert.equal(Number(b[1]), Number(a[1]) + 1);
      yield* first;
      yield* second;
    });
  });

  test("options.name names the task; setName renames it (converting to a string); getName reads it", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(0), { name: "worker" });
      assert.equal(task.getName(), "worker");
      task.setName("renamed");
      assert.equal(task.getName(), "renamed");
      task.setName(42);
      assert.equal(task.getName(), "42");
      assert.match(String(task), /42/);
      yield* task;
    });
  });

  test("getCoro() returns the coroutine the task runs", async () => {
    await runVirtual(function* () {
      function* body() {
        yield* sleep(0);
      }
      const coro = body();
      const task = createTask(coro);
      assert.equal(task.getCoro(), coro);
      yield* task;
    });
  });

  test("currentTask() is the task being run, and null in a plain callSoon callback", async () => {
    const seen: [string, unknown][] = [];
    let main: Task<unknown> | null = null;
    let child: Task<unknown> | null = null;
    await runVirtual(function* () {
      main = currentTask();
      seen.push(["main", main]);
      child = createTask(function* () {
        seen.push(["child", currentTask()]);
        yield* sleep(1);
        seen.push(["child after sleep", currentTask()]);
      }());
      getRunningLoop().callSoon(() => seen.push(["callback", currentTask()]));
      yield* child;
      seen.push(["main again", currentTask()]);
    });
    assert.ok(main !== null);
    assert.deepEqual(seen.map(([where]) => where), ["main", "child", "callback", "child after sleep", "main again"]);
    const byWhere = new Map(seen);
    assert.equal(byWhere.get("main"), main);
    assert.equal(byWhere.get("child"), child);
    assert.equal(byWhere.get("callback"), null);
    assert.equal(byWhere.get("child after sleep"), child);
    assert.equal(byWhere.get("main again"), main);
  });

  test("allTasks() lists the pending tasks only, the running one included", async () => {
    await runVirtual(function* () {
      const main = currentTask()!;
      const quick = createTask(sleep(1));
      const slow = createTask(sleep(100));
      assertSameMembers(allTasks(), [main, quick, slow]);
      yield* quick;
      assertSameMembers(allTasks(), [main, slow]);
      yield* slow;
      assertSameMembers(allTasks(), [main]);
    });
  });

  test("toString() of a task contains its name", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(0), { name: "printer" });
      assert.match(String(task), /printer/);
      yield* task;
    });
  });
});

describe("Awaiting a task", () => {
  test("yield* task returns the coroutine's return value", async () => {
    const { result, clock } = await runVirtual(function* () {
      const task = createTask(function* () {
        yield* sleep(50);
        return { answer: 42 };
      }());
      return yield* task;
    });
    assert.deepEqual(result, { answer: 42 });
    assert.equal(clock.now(), 50);
  });

  test("yield* task rethrows the coroutine's error (the same object)", async () => {
    const error = new RangeError("bad value");
    await runVirtual(function* () {
      const task = createTask(function* () {
        yield* sleep(5);
        throw error;
      }());
      assert.equal(yield* caught(task), error);
      assert.equal(task.exception(), error);
      assert.equal(task.cancelled(), false);
    });
  });

  test("a task awaiting itself gets a RuntimeError it can catch", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        const error = yield* caught(currentTask()!);
        return error;
      }());
      assertError(yield* task, RuntimeError);
    });
  });

  test("a task awaiting itself without catching fails with RuntimeError", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        yield* currentTask()!;
        return "unreachable";
      }());
      assertError(yield* caught(task), RuntimeError);
      assertError(task.exception(), RuntimeError);
    });
  });

  test("yielding a number fails the task with a TypeError naming the value", async () => {
    await runVirtual(function* () {
      const task = createTask(function* () {
        yield 42 as any;
        return "unreachable";
      }());
      const error = yield* caught(task);
      assertError(error, TypeError, /42/);
      assert.equal(task.exception(), error);
    });
  });

  test("a coroutine can catch the TypeError for a bad yield at the yield and go on", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const task = createTask(function* () {
        try {
          yield "not a future" as any;
          log.push("resumed normally");
        } catch (error) {
          assertError(error, TypeError, /not a future/);
          log.push("caught TypeError");
        }
        yield* sleep(1);
        return "recovered";
      }());
      assert.equal(yield* task, "recovered");
    });
    assert.deepEqual(log, ["caught TypeError"]);
  });

  test("a bare yield gives way to the scheduler exactly once, without moving the clock", async () => {
    const log: string[] = [];
    const { clock } = await runVirtual(function* () {
      function* worker(name: string) {
        log.push(`${name}1`);
        yield;
        log.push(`${name}2`);
        yield;
        log.push(`${name}3`);
      }
      const a = createTask(worker("a"));
      const b = createTask(worker("b"));
      yield* a;
      yield* b;
    });
    assert.deepEqual(log, ["a1", "b1", "a2", "b2", "a3", "b3"]);
    assert.equal(clock.now(), 0);
  });

  test("yielding a Future directly waits for it and sends its result in", async () => {
    const log: string[] = [];
    const { clock } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callLater(25, () => {
        log.push("set");
        fut.setResult("value");
      });
      const value = yield fut;
      log.push(`got ${String(value)}`);
    });
    assert.deepEqual(log, ["set", "got value"]);
    assert.equal(clock.now(), 25);
  });

  test("yielding a failed Future directly throws its exception in", async () => {
    const error = new Error("future failed");
    await runVirtual(function* () {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      loop.callLater(5, () => fut.setException(error));
      let got: unknown;
      try {
        yield fut;
      } catch (e) {
        got = e;
      }
      assert.equal(got, error);
    });
  });

  test("yielding a thenable directly waits for it: its value is sent in, its rejection thrown in", async () => {
    const error = new Error("rejected");
    const { result } = await runVirtual(function* () {
      const fromPromise = yield Promise.resolve(5);
      const custom: PromiseLike<number> = {
        then(onfulfilled) {
          return Promise.resolve(onfulfilled?.(9));
        },
      } as PromiseLike<number>;
      const fromCustom = yield custom;
      let rejected: unknown;
      try {
        yield Promise.reject(error);
      } catch (e) {
        rejected = e;
      }
      return [fromPromise, fromCustom, rejected];
    });
    assert.deepEqual(result, [5, 9, error]);
  });

  test("waiting on a future of another loop fails with RuntimeError", async () => {
    const other = manualLoop();
    const foreign = other.createFuture<number>();
    await runVirtual(function* () {
      const task = createTask(function* () {
        return yield* foreign;
      }());
      assertError(yield* caught(task), RuntimeError);
    });
    other.close();
  });

  test("createTask on a closed loop throws RuntimeError", () => {
    const loop = manualLoop();
    loop.close();
    function* body() {
      yield* sleep(0);
    }
    assertError(thrownBy(() => loop.createTask(body())), RuntimeError);
  });

  test("Task.setResult and Task.setException throw RuntimeError", async () => {
    await runVirtual(function* () {
      const task = createTask(sleep(1, "mine"));
      assertError(thrownBy(() => task.setResult("other")), RuntimeError);
      assertError(thrownBy(() => task.setException(new Error("x"))), RuntimeError);
      assert.equal(yield* task, "mine");
    });
  });
});

describe("Task exception was never retrieved", () => {
  test("a failed task nobody awaited is reported through the exception handler when the loop closes", async () => {
    const clock = new VirtualClock();
    const runner = new Runner({ clock });
    const seen = captureErrors(runner.getLoop());
    const error = new Error("nobody listens");
    let forgotten: Task<unknown> | null = null;
    await runner.run(function* () {
      forgotten = createTask(
        function* () {
          yield* sleep(1);
          throw error;
        }(),
        { name: "forgotten-task" },
      );
      yield* sleep(10);
    });
    await runner.close();
    assert.equal(seen.length, 1);
    const context = seen[0]!;
    assert.equal(context.message, "Task exception was never retrieved");
    assert.equal(context.exception, error);
    assert.ok(forgotten !== null);
    assert.equal(context.future, forgotten);
    assert.match(String(context.future), /forgotten-task/);
  });

  test("a task exception retrieved by yield*, exception() or await is not reported; neither is a cancellation", async () => {
    const clock = new VirtualClock();
    const runner = new Runner({ clock });
    const seen = captureErrors(runner.getLoop());
    await runner.run(function* () {
      function* failing(message: string) {
        yield* sleep(1);
        throw new Error(message);
      }
      const awaited = createTask(failing("awaited"));
      const inspected = createTask(failing("inspected"));
      const promised = createTask(failing("promised"));
      const cancelled = createTask(sleep(100));
      yield* sleep(5);
      assert.match(String(yield* caught(awaited)), /awaited/);
      assert.match(String(inspected.exception()), /inspected/);
      const viaThen = yield* until(promised.then(() => "fulfilled", (e: unknown) => String(e)));
      assert.match(viaThen, /promised/);
      cancelled.cancel();
      yield* caught(cancelled);
    });
    await runner.close();
    assert.deepEqual(seen, []);
  });
});

describe("eagerTaskFactory", () => {
  test("the first step runs synchronously inside createTask, later steps on the loop", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      const task = createTask(function* () {
        log.push("first step");
        yield* sleep(10);
        log.push("second step");
        return "done";
      }());
      log.push("createTask returned");
      assert.equal(task.done(), false);
      assert.ok(allTasks().has(task));
      assert.equal(yield* task, "done");
    });
    assert.deepEqual(log, ["first step", "createTask returned", "second step"]);
  });

  test("a coroutine that returns without waiting is done as soon as createTask returns", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      // deno-lint-ignore require-yield
      const task = createTask(function* () {
        log.push("ran");
        return 7;
      }());
      log.push("created");
      assert.equal(task.done(), true);
      assert.equal(task.result(), 7);
      assert.equal(allTasks().has(task), false);
      const callbackRan: string[] = [];
      task.addDoneCallback(() => callbackRan.push("callback"));
      assert.deepEqual(callbackRan, []);
      yield* sleep(0);
      assert.deepEqual(callbackRan, ["callback"]);
    });
    assert.deepEqual(log, ["ran", "created"]);
  });

  test("currentTask() inside the eager first step is the new task, and the creator again afterwards", async () => {
    let inside: unknown = undefined;
    let afterYield: unknown = undefined;
    let created: Task<unknown> | null = null;
    let main: Task<unknown> | null = null;
    let afterCreate: unknown = undefined;
    await runVirtual(function* () {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      main = currentTask();
      created = createTask(function* () {
        inside = currentTask();
        yield* sleep(1);
        afterYield = currentTask();
      }());
      afterCreate = currentTask();
      yield* created;
    });
    assert.ok(created !== null && main !== null);
    assert.equal(inside, created);
    assert.equal(afterCreate, main);
    assert.equal(afterYield, created);
  });

  test("nested eager tasks: each first step sees its own task, and each creator is current again afterwards", async () => {
    const seen: [string, unknown][] = [];
    const tasks: Record<string, unknown> = {};
    await runVirtual(function* () {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      tasks.main = currentTask();
      tasks.outer = createTask(function* () {
        seen.push(["outer starts", currentTask()]);
        tasks.inner = createTask(function* () {
          seen.push(["inner starts", currentTask()]);
          yield* sleep(1);
        }());
        seen.push(["outer after creating inner", currentTask()]);
        yield* sleep(1);
      }());
      seen.push(["main after creating outer", currentTask()]);
      yield* sleep(5);
    });
    const names = new Map([[tasks.main, "main"], [tasks.outer, "outer"], [tasks.inner, "inner"]]);
    assert.deepEqual(seen.map(([where, task]) => [where, names.get(task)]), [
      ["outer starts", "outer"],
      ["inner starts", "inner"],
      ["outer after creating inner", "outer"],
      ["main after creating outer", "main"],
    ]);
  });

  test("an eager coroutine that throws at once leaves a failed task; yield* rethrows", async () => {
    const error = new Error("eager failure");
    await runVirtual(function* () {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      // deno-lint-ignore require-yield
      const task = createTask(function* () {
        throw error;
      }());
      assert.equal(task.done(), true);
      assert.equal(yield* caught(task), error);
    });
  });
});
