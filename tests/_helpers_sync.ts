/**
 * Helpers for the synchronisation and queue tests (Lock, Event, Condition,
 * Semaphore, Barrier, Queue): a virtual-time scenario runner that checks the
 * loop for leaked waiters and tasks when the scenario ends, catching what an
 * operation throws, a task's outcome as text, and a seeded generator.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  currentTask,
  getRunningLoop,
  run,
  type RunOptions,
  sleep,
  type Task,
  VirtualClock,
} from "../host/mod.ts";

import { assertError, caught, now, thrownBy } from "./_helpers.ts";

export { assertError, caught, now, thrownBy };

/**
 * Asserts the running loop has no wait line with tasks in it and no task
 * alive besides the one calling (the scenario's main task).
 */
export function assertNoLeaks(context = "at the end of the scenario"): void {
  const stats = getRunningLoop().stats();
  assert.equal(stats.waitLines, 0, `${context}: wait lines still holding tasks`);
  assert.equal(stats.tasks, 1, `${context}: tasks alive besides main`);
}

/**
 * Virtual ms after which a scenario that is still running counts as
 * deadlocked. With an autojumping clock a deadlock (nothing ready, no timer
 * but this one) jumps straight here, so it fails at once instead of hanging.
 */
export const DEADLOCK_MS = 10_000_000;

/**
 * Runs `body` as the main task of a fresh loop on an autojumping
 * VirtualClock, then (still inside the loop) checks for leaks with
 * assertNoLeaks(). Returns the body's result and the clock. A body still
 * running at virtual time DEADLOCK_MS is cancelled and the scenario fails.
 */
export async function scenario<T>(
  body: () => Coroutine<T>,
  options: RunOptions = {},
): Promise<{ result: T; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const result = await run(function* () {
    const main = currentTask()!;
    const loop = getRunningLoop();
    let deadlocked = false;
    // Cancelling main also cancels the task it awaits, which a helper may
    // take as an outcome; so the watchdog keeps firing until main is done.
    const bark = () => {
      deadlocked = true;
      main.cancel();
      watchdog = loop.callLater(DEADLOCK_MS, bark);
    };
    let watchdog = loop.callLater(DEADLOCK_MS, bark);
    let value: T;
    try {
      value = yield* body();
    } catch (error) {
      if (deadlocked) assert.fail(`deadlock: the scenario was still waiting at virtual t=${DEADLOCK_MS} ms`);
      throw error;
    } finally {
      watchdog.cancel();
    }
    assert.ok(!deadlocked, `deadlock: the scenario was still waiting at virtual t=${DEADLOCK_MS} ms`);
    assertNoLeaks();
    return value;
  }, { clock, ...options });
  return { result, clock };
}

/**
 * Waits for `task` and describes how it ended: `"returned <value>"`,
 * `"cancelled"`, or `"<ErrorName>"` for any other error.
 */
export function* outcome(task: Task<unknown>): Coroutine<string> {
  try {
    const value = yield* task;
    return `returned ${String(value)}`;
  } catch (error) {
    if (error instanceof CancelledError) return "cancelled";
    return error instanceof Error ? error.name : `threw ${String(error)}`;
  }
}

/** Waits for every task (in order) and returns their outcomes. */
export function* outcomes(tasks: readonly Task<unknown>[]): Coroutine<string[]> {
  const seen: string[] = [];
  for (const task of tasks) seen.push(yield* outcome(task));
  return seen;
}

/** Yields to the scheduler `n` times (sleep(0) each), letting ready tasks take `n` steps. */
export function* ticks(n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield* sleep(0);
}

/** A seeded generator (mulberry32): the same seed gives the same sequence on every runtime. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}
