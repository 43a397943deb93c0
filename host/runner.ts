/**
 * `run(main)` and `Runner`: the entry points that make a loop, run a main
 * coroutine on it, clean up every task left behind and close the loop
 * (asyncio.run / asyncio.Runner).
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { RuntimeError } from "./errors.ts";
import type { Future } from "./future.ts";
import { Loop } from "./loop.ts";
import { type Awaitable, type Coroutine, describe } from "./operation.ts";
import { platform } from "./platform/detect.ts";
import { _runningLoop } from "./_running.ts";
import { keepShapes } from "./_shape_keepers.ts";
import type { Task } from "./task.ts";
import { startTrace, type TraceRecorder } from "./trace.ts";

/** Options for {@linkcode run} and {@linkcode Runner}. */
export interface RunOptions {
  /** Debug mode (see SPEC: slow steps, creation stacks, pending tasks at close). */
  debug?: boolean;
  /** The clock (default `realClock`; a `VirtualClock` for tests). */
  clock?: Clock;
  /** Seed for running each iteration's ready tasks in a shuffled order. */
  shuffle?: number;
  /**
   * A file to write a trace of the loop's tasks, callbacks and timers to,
   * as Chrome trace-event JSON (open it in https://ui.perfetto.dev or
   * chrome://tracing). Recording starts with the loop; the file is written
   * when the loop closes (the end of run(), or `runner.close()`). Deno, Bun
   * and Node only: elsewhere record with `startTrace(loop)` and keep
   * `recorder.toJSON()` yourself.
   */
  trace?: string;
}

/** A coroutine, or a function that returns one (or any awaitable). */
export type Main<T> = Coroutine<T> | Awaitable<T> | (() => Coroutine<T> | Awaitable<T>);

/**
 * Runs `main` on a new loop until it finishes, then cancels and awaits the
 * tasks still pending, closes the loop, and settles with main's result or
 * error. SIGINT (Deno, Bun, Node) cancels the main task once.
 *
 * @example
 * ```ts
 * await run(function* () {
 *   yield* sleep(1000);
 *   return "done";
 * });
 * ```
 * @throws {RuntimeError} synchronously, when called from inside a running loop,
 *   or with `trace` where the platform cannot write files
 * @throws {TypeError} synchronously, when `trace` is not a string
 */
export function run<T>(main: Main<T>, options: RunOptions = {}): Promise<T> {
  checkNoRunningLoop("run()");
  const runner = new Runner(options);
  return runWith(runner, main);
}

async function runWith<T>(runner: Runner, main: Main<T>): Promise<T> {
  let result: T;
  try {
    result = await runner.run(main);
  } catch (error) {
    // main's error is the one to report; a failure to close (the trace file) must not hide it.
    await runner.close().catch((closeError: unknown) => {
      console.error("spindle: closing the loop after main failed also failed:", closeError);
    });
    throw error;
  }
  await runner.close();
  return result;
}

/**
 * A loop that runs several main coroutines in turn, then closes
 * (asyncio.Runner). `await using runner = new Runner()` closes it at scope end.
 */
export class Runner {
  readonly #options: RunOptions;
  #loop: Loop | null = null;
  #recorder: TraceRecorder | null = null;
  #closed = false;

  /**
   * @throws {TypeError} when `trace` is not a string
   * @throws {RangeError} when `trace` is empty
   * @throws {RuntimeError} with `trace` where the platform cannot write files (browsers, workerd)
   */
  constructor(options: RunOptions = {}) {
    checkTrace(options.trace);
    this.#options = options;
    keepRunnerShapes(new.target);
  }

  /** The runner's loop, made on first use. */
  getLoop(): Loop {
    if (this.#closed) throw new RuntimeError("Runner is closed");
    if (this.#loop === null) {
      const { clock, debug, shuffle } = this.#options;
      this.#loop = new Loop({
        ...(clock !== undefined ? { clock } : {}),
        ...(debug !== undefined ? { debug } : {}),
        ...(shuffle !== undefined ? { shuffle } : {}),
      });
      if (this.#options.trace !== undefined) this.#recorder = startTrace(this.#loop);
    }
    return this.#loop;
  }

  /**
   * Runs `main` to the end on the runner's loop.
   *
   * @throws {RuntimeError} synchronously, inside a running loop or after close()
   */
  run<T>(main: Main<T>): Promise<T> {
    checkNoRunningLoop("Runner.run()");
    const loop = this.getLoop();
    if (loop.isRunning()) {
      throw new RuntimeError("Runner.run() cannot be called while the runner's loop is running: await the first run");
    }
    const coro = typeof main === "function" ? main() : main;
    const task = loop.createTask(coro) as Task<T>;
    let interrupts = 0;
    const removeListener = platform.onInterrupt(() => {
      interrupts++;
      if (interrupts === 1 && !task.done()) {
        task.cancel();
        return;
      }
      stopListening();
      platform.interruptDefault();
    });
    let listening = removeListener !== undefined;
    const stopListening = () => {
      if (listening) removeListener!();
      listening = false;
    };
    return loop.runUntilComplete(task).finally(stopListening);
  }

  /**
   * Cancels and awaits the tasks still pending, reports their errors and the
   * exceptions nobody retrieved, and closes the loop. With `trace`, then
   * writes the trace file. Idempotent.
   *
   * @throws {RuntimeError} when the trace file cannot be written
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loop = this.#loop;
    if (loop === null) return;
    try {
      await cancelAllTasks(loop);
    } finally {
      loop.close();
    }
    const recorder = this.#recorder;
    if (recorder !== null) await writeTrace(recorder, this.#options.trace!);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function cancelAllTasks(loop: Loop): Promise<void> {
  if (loop._broken !== undefined) return; // nothing can run on it: close() reports and releases
  const tasks = [...loop._allTasks()];
  if (tasks.length === 0) return;
  for (const task of tasks) task.cancel();
  await loop.runUntilComplete(allDone(loop, tasks));
  for (const task of tasks) {
    if (task.cancelled()) continue;
    const error = task.exception();
    if (error !== null) {
      loop.callExceptionHandler({
        message: "Unhandled exception during run() shutdown",
        exception: error,
        task,
      });
    }
  }
}

/** A future done when every one of `tasks` is done (gather with returnExceptions, without results). */
function allDone(loop: Loop, tasks: Task<unknown>[]): Future<void> {
  const all = loop.createFuture<void>();
  let left = tasks.length;
  const countDown = () => {
    if (--left === 0) all.setResult(undefined);
  };
  for (const task of tasks) task.addDoneCallback(countDown);
  return all;
}

function checkTrace(trace: unknown): void {
  if (trace === undefined) return;
  if (typeof trace !== "string") {
    throw new TypeError(`The trace option needs a file path string, got ${describe(trace)}`);
  }
  if (trace === "") throw new RangeError("The trace option got an empty file path: name the file to write");
  if (platform.files === undefined) {
    throw new RuntimeError(
      `The trace option writes a file, and ${platform.name} has no file system: ` +
        "record with startTrace(loop) and keep recorder.toJSON() instead",
    );
  }
}

async function writeTrace(recorder: TraceRecorder, path: string): Promise<void> {
  recorder.stop();
  try {
    await platform.files!.writeTextFile(path, JSON.stringify(recorder.toJSON()));
  } catch (error) {
    throw new RuntimeError(
      `Cannot write the trace to ${JSON.stringify(path)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function checkNoRunningLoop(what: string): void {
  if (_runningLoop() !== null) {
    throw new RuntimeError(
      `${what} cannot be called from a running event loop: yield* the coroutine instead, or createTask() it`,
    );
  }
}

/**
 * Keeps a Runner for its hidden classes (see _shape_keepers.ts): run() makes
 * one per call, and an edge function calls it per request. Ours only, never
 * a program's subclass.
 */
function keepRunnerShapes(kind: typeof Runner): void {
  if (kind === Runner) keepShapes(Runner, () => new Runner());
}
