/**
 * Helpers for the gather, wait, waitFor, timeout, asCompleted, shield and
 * taskGroup tests: catching what an operation throws (at the call or at
 * `yield*`), checking error classes, small timed coroutines, and the loop's
 * leak counters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Coroutine, getRunningLoop, type Operation, sleep } from "../host/mod.ts";

/** The running loop's time (exact virtual ms in these tests). */
export function now(): number {
  return getRunningLoop().time();
}

/**
 * Calls `start()` and runs the operation it returns; returns what was thrown,
 * whether the call threw (eager argument checks) or the operation did. Fails
 * the test if the operation returned.
 */
export function* caught(start: () => Operation<unknown>): Coroutine<unknown> {
  let value: unknown;
  try {
    value = yield* start();
  } catch (error) {
    return error;
  }
  assert.fail(`expected the operation to throw, it returned ${String(value)}`);
}

/** Asserts that `error` is an instance of exactly `type` (not a subclass) and, if given, that its message matches. */
export function assertError(
  error: unknown,
  type: new (...args: any[]) => Error,
  message?: string | RegExp,
): asserts error is Error {
  assert.ok(
    error instanceof Error && error.constructor === type,
    `expected a ${type.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
  if (typeof message === "string") assert.equal(error.message, message);
  else if (message !== undefined) assert.match(error.message, message);
}

/** Sleeps `ms`, logs `name@time` to `log`, and returns `value`. */
export function* after<T>(ms: number, value: T, log: string[], name: string): Coroutine<T> {
  yield* sleep(ms);
  log.push(`${name}@${now()}`);
  return value;
}

/** Sleeps `ms`, logs `name@time` to `log`, then throws `error`. */
export function* failAfter(ms: number, error: Error, log: string[], name: string): Coroutine<never> {
  yield* sleep(ms);
  log.push(`${name}@${now()}`);
  throw error;
}

/**
 * Sleeps `ms`; logs `name done@time` if it finishes, or `name cancelled@time`
 * (then rethrows) if it is cancelled; returns `value`.
 */
export function* cancellable<T>(ms: number, value: T, log: string[], name: string): Coroutine<T> {
  try {
    yield* sleep(ms);
  } catch (error) {
    log.push(`${name} cancelled@${now()}`);
    throw error;
  }
  log.push(`${name} done@${now()}`);
  return value;
}

/** Asserts that `set` holds exactly `members` (by identity). */
export function assertMembers<T>(set: ReadonlySet<T>, members: readonly T[]): void {
  assert.equal(set.size, members.length, `expected ${members.length} members, got ${set.size}`);
  for (const m of members) assert.ok(set.has(m), `missing ${String(m)}`);
}

/**
 * Asserts that the running loop holds nothing but the calling (main) task:
 * no armed timer, no scheduled callback, one live task.
 */
export function assertOnlyMainTaskLeft(): void {
  const { timers, callbacks, tasks } = getRunningLoop().stats();
  assert.deepEqual({ timers, callbacks, tasks }, { timers: 0, callbacks: 0, tasks: 1 });
}
