import { describe, test } from "node:test";
import assert from "node:assert/strict";

import {
  allTasks,
  createTask,
  type ExceptionContext,
  getRunningLoop,
  type Loop,
  run,
  Runner,
  RuntimeError,
  sleep,
  type Task,
  until,
  VirtualClock,
} from "../host/mod.ts";
import { thrown } from "./_helpers_loop.ts";

/** run() on a fresh autojumping VirtualClock. */
function runVirtual<T>(main: () => Generator<unknown, T, unknown>): Promise<T> {
  return run(main, { clock: new VirtualClock() });
}

describe("run", () => {
  test("run() resolves with main's return value", async () => {
    const result = await runVirtual(function* () {
      yield* sleep(5);
      return 42;
    });
    assert.equal(result, 42);
  });

  test("run() rejects with main's error, the same object", async () => {
    class AppError extends Error {}
    const error = new AppError("main failed");
    await assert.rejects(
      runVirtual(function* () {
        yield* sleep(5);
        throw error;
      }),
      (e) => e === error,
    );
  });

  test("run() takes a generator function, a coroutine, or a function returning a coroutine", async () => {
    function* main(x: number) {
      yield* sleep(1);
      return x * 2;
    }
    const clock = () => ({ clock: new VirtualClock() });
    assert.equal(
      await run(function* () {
        return yield* main(1);
      }, clock()),
      2,
    );
    assert.equal(await run(main(2), clock()), 4);
    assert.equal(await run(() => main(3), clock()), 6);
  });

  test("run() takes any awaitable as main, such as a promise", async () => {
    assert.equal(await run(Promise.resolve("from a promise"), { clock: new VirtualClock() }), "from a promise");
  });

  test("run() with a main that is not awaitable rejects with TypeError", async () => {
    await assert.rejects(async () => await run(42 as never), TypeError);
    await assert.rejects(async () => await run((() => 42) as never), TypeError);
  });

  test("run() makes a new loop each time and closes it, also when main fails", async () => {
    // deno-lint-ignore require-yield
    const first = await runVirtual(function* () {
      return getRunningLoop();
    });
    let second: Loop | undefined;
    await assert.rejects(
      // deno-lint-ignore require-yield
      runVirtual(function* () {
        second = getRunningLoop();
        throw new Error("fail");
      }),
      /fail/,
    );
    assert.ok(second !== undefined);
    assert.notEqual(first, second);
    assert.equal(first.isClosed(), true);
    assert.equal(second.isClosed(), true);
  });

  test("run() cancels the tasks still pending when main returns and awaits their finally blocks, in order", async () => {
    const log: string[] = [];
    const clock = new VirtualClock();
    function* worker(name: string) {
      try {
        yield* sleep(Infinity);
      } catch (error) {
        log.push(`${name} got ${(error as Error).name}`);
        throw error;
      } finally {
        log.push(`${name} cleaning up`);
        yield* sleep(10); // cleanup that waits
        log.push(`${name} cleaned up`);
      }
    }
    let tasks: Task<void>[] = [];
    const result = await run(function* () {
      tasks = [createTask(worker("A")), createTask(worker("B"))];
      yield* sleep(0);
      log.push("main returns");
      return "main result";
    }, { clock });
    log.push("run() settled");
    assert.equal(result, "main result");
    assert.deepEqual(log, [
      "main returns",
      "A got CancelledError",
      "A cleaning up",
      "B got CancelledError",
      "B cleaning up",
      "A cleaned up",
      "B cleaned up",
      "run() settled",
    ]);
    assert.ok(tasks.every((t) => t.cancelled()));
    assert.equal(clock.now(), 10);
  });

  test("run() reports an error a task raises while being cancelled at shutdown", async () => {
    const reports: ExceptionContext[] = [];
    const cleanupError = new Error("cleanup failed");
    let failing: Task<void> | undefined;
    const result = await runVirtual(function* () {
      getRunningLoop().setExceptionHandler((_loop, context) => reports.push(context));
      failing = createTask((function* () {
        try {
          yield* sleep(Infinity);
        } catch {
          throw cleanupError; // instead of the CancelledError
        }
      })());
      yield* sleep(0);
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(reports.length, 1, "reported once, not again as never retrieved");
    const [report] = reports;
    assert.equal(report!.exception, cleanupError);
    assert.equal(report!.task, failing);
    assert.match(report!.message, /shutdown/);
  });

  test("two concurrent run() calls from async code are independent loops", async () => {
    let release!: (value: string) => void;
    const gate = new Promise<string>((resolve) => (release = resolve));
    const clockA = new VirtualClock();
    const clockB = new VirtualClock();
    const [a, b] = await Promise.all([
      run(function* () {
        const loop = getRunningLoop();
        yield* sleep(100);
        const message = yield* until(gate); // released by the other loop
        yield* sleep(50);
        return { loop, message, time: loop.time() };
      }, { clock: clockA }),
      run(function* () {
        const loop = getRunningLoop();
        yield* sleep(30);
        release("from B");
        yield* sleep(1000);
        return { loop, time: loop.time() };
      }, { clock: clockB }),
    ]);
    assert.notEqual(a.loop, b.loop);
    assert.equal(a.message, "from B");
    assert.equal(a.time, 150);
    assert.equal(b.time, 1030);
    assert.equal(clockA.now(), 150);
    assert.equal(clockB.now(), 1030);
  });

  test("run() or Runner.run() called synchronously inside a coroutine or callback throws RuntimeError", async () => {
    const errors = await runVirtual(function* () {
      const found: unknown[] = [];
      found.push(thrown(() => run(function* () {})));
      const runner = new Runner();
      found.push(thrown(() => runner.run(function* () {})));
      yield* until(runner.close());
      let fromCallback: unknown;
      getRunningLoop().callSoon(() => {
        fromCallback = thrown(() => run(function* () {}));
      });
      yield* sleep(0);
      found.push(fromCallback);
      return found;
    });
    assert.equal(errors.length, 3);
    for (const error of errors) assert.ok(error instanceof RuntimeError, `got ${String(error)}`);
  });

  test("getRunningLoop() throws RuntimeError outside a loop and returns the loop inside", async () => {
    assert.throws(() => getRunningLoop(), RuntimeError);
    const runner = new Runner({ clock: new VirtualClock() });
    // deno-lint-ignore require-yield
    const inside = await runner.run(function* () {
      return getRunningLoop();
    });
    assert.equal(inside, runner.getLoop());
    assert.throws(() => getRunningLoop(), RuntimeError);
    await runner.close();
  });
});

describe("Runner", () => {
  test("Runner.run() runs several mains on one loop; tasks and virtual time carry over", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    const loop = runner.getLoop();
    let background: Task<void> | undefined;
    const first = await runner.run(function* () {
      background = createTask(sleep(10_000));
      yield* sleep(100);
      return getRunningLoop();
    });
    assert.equal(first, loop);
    // deno-lint-ignore require-yield
    const second = await runner.run(function* () {
      return { loop: getRunningLoop(), pending: allTasks().has(background!), time: getRunningLoop().time() };
    });
    assert.equal(second.loop, loop);
    assert.equal(second.pending, true);
    assert.equal(second.time, 100);
    assert.equal(background!.done(), false);
    await runner.close();
    assert.equal(background!.cancelled(), true);
  });

  test("a second Runner.run() while the first is running throws RuntimeError and does not run its main", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    const log: string[] = [];
    const first = runner.run(function* () {
      yield* sleep(100);
      log.push("first done");
      return "first";
    });
    await assert.rejects(async () =>
      await runner.run(function* () {
        log.push("second ran");
        yield* sleep(10);
      }), RuntimeError);
    assert.equal(await first, "first");
    assert.deepEqual(log, ["first done"]);
    await runner.close();
    assert.deepEqual(log, ["first done"]);
  });

  test("getLoop() returns the same loop before and after run()", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    const loop = runner.getLoop();
    assert.equal(runner.getLoop(), loop);
    await runner.run(sleep(1));
    assert.equal(runner.getLoop(), loop);
    assert.equal(loop.isClosed(), false);
    await runner.close();
  });

  test("the Runner's options reach its loop", async () => {
    const clock = new VirtualClock({ autojump: false });
    const runner = new Runner({ clock, shuffle: 99, debug: true });
    const loop = runner.getLoop();
    clock.advance(25);
    assert.equal(loop.time(), 25);
    assert.equal(loop.shuffleSeed, 99);
    assert.equal(loop.getDebug(), true);
    await runner.close();
  });

  test("close() cancels leftover tasks, closes the loop and is idempotent", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    const loop = runner.getLoop();
    const log: string[] = [];
    await runner.run(function* () {
      createTask((function* () {
        try {
          yield* sleep(Infinity);
        } catch (error) {
          log.push((error as Error).name);
          throw error;
        }
      })());
      yield* sleep(0);
    });
    await runner.close();
    await runner.close();
    assert.deepEqual(log, ["CancelledError"]);
    assert.equal(loop.isClosed(), true);
  });

  test("Runner.run() and getLoop() after close() throw RuntimeError", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    await runner.run(sleep(1));
    await runner.close();
    await assert.rejects(async () => await runner.run(sleep(1)), RuntimeError);
    assert.throws(() => runner.getLoop(), RuntimeError);
  });

  test("Symbol.asyncDispose closes the runner", async () => {
    const runner = new Runner({ clock: new VirtualClock() });
    const loop = runner.getLoop();
    assert.equal(typeof runner[Symbol.asyncDispose], "function");
    await runner[Symbol.asyncDispose]();
    assert.equal(loop.isClosed(), true);
    assert.throws(() => runner.getLoop(), RuntimeError);
  });
});
