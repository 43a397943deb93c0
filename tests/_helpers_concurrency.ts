/**
 * Helpers for the gather, wait, waitFor, timeout, asCompleted, shield and
 * taskGroup tests: catching what an operation throws (at the call or at
 * `yield*`), checking error classes, small timed coroutines, and the loop's
 * leak counters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Coroutine, getRunningLoop, sleep } from "../host/mod.ts";

import { assertError, caught, now } from "./_helpers.ts";

export { assertError, caught, now };

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
