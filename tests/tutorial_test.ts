// The examples of the asyncio docs, "Coroutines and Tasks", in spindle: what they
// print, in order, and how much (virtual) time they take. print() is a log array.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, createTask, getRunningLoop, sleep } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";

describe("Coroutines", () => {
  test("say_after awaited one after the other takes 1 s + 2 s = 3000 ms and prints hello, world", async () => {
    const printed: string[] = [];
    function* sayAfter(delay: number, what: string) {
      yield* sleep(delay);
      printed.push(`${what} at ${getRunningLoop().time()}`);
    }
    const { clock } = await runVirtual(function* main() {
      printed.push(`started at ${getRunningLoop().time()}`);
      yield* sayAfter(1000, "hello");
      yield* sayAfter(2000, "world");
      printed.push(`finished at ${getRunningLoop().time()}`);
    });
    assert.deepEqual(printed, ["started at 0", "hello at 1000", "world at 3000", "finished at 3000"]);
    assert.equal(clock.now(), 3000);
  });

  test("say_after run concurrently as two tasks takes 2000 ms and prints hello, world", async () => {
    const printed: string[] = [];
    function* sayAfter(delay: number, what: string) {
      yield* sleep(delay);
      printed.push(`${what} at ${getRunningLoop().time()}`);
    }
    const { clock } = await runVirtual(function* main() {
      const task1 = createTask(sayAfter(1000, "hello"));
      const task2 = createTask(sayAfter(2000, "world"));
      printed.push(`started at ${getRunningLoop().time()}`);
      // Wait until both tasks are completed (should take around 2 seconds.)
      yield* task1;
      yield* task2;
      printed.push(`finished at ${getRunningLoop().time()}`);
    });
    assert.deepEqual(printed, ["started at 0", "hello at 1000", "world at 2000", "finished at 2000"]);
    assert.equal(clock.now(), 2000);
  });
});

describe("Awaitables", () => {
  test("calling a coroutine function runs nothing; awaiting it runs it and returns 42", async () => {
    const printed: unknown[] = [];
    // deno-lint-ignore require-yield
    function* nested() {
      printed.push("nested runs");
      return 42;
    }
    const { result } = await runVirtual(function* main() {
      // Nothing happens if we just call "nested()": a coroutine object is created but not awaited.
      nested();
      yield* sleep(0);
      printed.push("after calling nested()");
      // Let's do it differently now and await it:
      printed.push(yield* nested()); // will print "42".
      return "main done";
    });
    assert.deepEqual(printed, ["after calling nested()", "nested runs", 42]);
    assert.equal(result, "main done");
  });

  test("a coroutine scheduled as a task runs concurrently and its result is awaited", async () => {
    const printed: unknown[] = [];
    // deno-lint-ignore require-yield
    function* nested() {
      printed.push("nested runs");
      return 42;
    }
    await runVirtual(function* main() {
      // Schedule nested() to run soon concurrently with "main()".
      const task = createTask(nested());
      printed.push("task created");
      // "task" can now be used to cancel "nested()", or can simply be awaited to wait until it is complete:
      printed.push(yield* task);
    });
    assert.deepEqual(printed, ["task created", "nested runs", 42]);
  });
});

describe("Sleeping", () => {
  test("display_date prints every second for 5 seconds", async () => {
    const printed: number[] = [];
    const { clock } = await runVirtual(function* displayDate() {
      const loop = getRunningLoop();
      const endTime = loop.time() + 5000;
      for (;;) {
        printed.push(loop.time());
        if (loop.time() + 1000 >= endTime) break;
        yield* sleep(1000);
      }
    });
    assert.deepEqual(printed, [0, 1000, 2000, 3000, 4000]);
    assert.equal(clock.now(), 4000);
  });
});

describe("Task cancellation", () => {
  test("cancel_me: the task sees CancelledError at its sleep, runs finally, and main sees it cancelled", async () => {
    const printed: string[] = [];
    function* cancelMe() {
      printed.push("cancel_me(): before sleep");
      try {
        // Wait for 1 hour
        yield* sleep(3_600_000);
      } catch (error) {
        if (error instanceof CancelledError) printed.push("cancel_me(): cancel sleep");
        throw error;
      } finally {
        printed.push("cancel_me(): after sleep");
      }
    }
    const { clock } = await runVirtual(function* main() {
      // Create a "cancel_me" Task
      const task = createTask(cancelMe());
      // Wait for 1 second
      yield* sleep(1000);
      task.cancel();
      try {
        yield* task;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        printed.push("main(): cancel_me is cancelled now");
      }
      assert.equal(task.cancelled(), true);
    });
    assert.deepEqual(printed, [
      "cancel_me(): before sleep",
      "cancel_me(): cancel sleep",
      "cancel_me(): after sleep",
      "main(): cancel_me is cancelled now",
    ]);
    assert.equal(clock.now(), 1000);
  });
});
