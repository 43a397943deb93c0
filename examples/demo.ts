/**
 * The asyncio tutorial's examples ("Coroutines and Tasks"), on real time.
 * `npm run demo` (Node), `deno task demo`, `bun run demo:bun`.
 *
 * @module
 */

import { CancelledError, createTask, gather, run, sleep } from "../host/mod.ts";

const clock = () => new Date().toTimeString().slice(0, 8);

function* sayAfter(delay: number, what: string) {
  yield* sleep(delay);
  console.log(what);
}

// Awaiting coroutines one after the other: 1 s + 2 s = 3 s.
await run(function* serial() {
  console.log(`started at ${clock()}`);
  yield* sayAfter(1000, "hello");
  yield* sayAfter(2000, "world");
  console.log(`finished at ${clock()}`);
});

// Running them as tasks: concurrently, 2 s in all.
await run(function* concurrent() {
  const task1 = createTask(sayAfter(1000, "hello"));
  const task2 = createTask(sayAfter(2000, "world"));
  console.log(`started at ${clock()}`);
  yield* task1;
  yield* task2;
  console.log(`finished at ${clock()}`);
});

// Cancelling a task: it catches CancelledError, cleans up and re-raises.
function* cancelMe() {
  console.log("cancel_me(): before sleep");
  try {
    yield* sleep(3_600_000);
  } catch (error) {
    if (error instanceof CancelledError) console.log("cancel_me(): cancel sleep");
    throw error;
  } finally {
    console.log("cancel_me(): after sleep");
  }
}

await run(function* main() {
  const task = createTask(cancelMe());
  yield* sleep(1000);
  task.cancel();
  try {
    yield* task;
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    console.log("main(): cancel_me is cancelled now");
  }
});

// gather(): three dishes cooked concurrently. They finish in the order of
// their cooking times, but gather returns the results in the order asked.
function* cook(dish: string, seconds: number) {
  console.log(`${dish}: on the stove for ${seconds} s`);
  yield* sleep(seconds * 1000);
  console.log(`${dish}: ready`);
  return `${dish} (${seconds} s)`;
}

await run(function* dinner() {
  const started = Date.now();
  const dishes = yield* gather([cook("pasta", 3), cook("salad", 1), cook("soup", 2)]);
  console.log(`served in order: ${dishes.join(", ")}, after ${Math.round((Date.now() - started) / 1000)} s`);
});

// Streams: the asyncio tutorial's echo server and client over loopback (examples/echo.ts).
console.log("\n--- streams ---");
await import("./echo.ts");

// Subprocesses: commands, a shell pipeline, a conversation over stdin/stdout (examples/subprocess.ts).
console.log("\n--- subprocesses ---");
await import("./subprocess.ts");
