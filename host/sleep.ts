/**
 * `sleep(ms, result?)`: suspends the calling task. `sleep(0)` (or less)
 * yields exactly once without a timer; longer sleeps arm the task's own
 * timer in the core, so a sleep allocates no future and no callback.
 *
 * @module
 */

import type { Operation } from "./operation.ts";

/** What the task sends into a sleep when it resumes it (never visible to users). */
export const SLEEP_DONE: unique symbol = Symbol("spindle.sleepDone");

const DONE_UNDEFINED: IteratorResult<unknown, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A sleep request: the value a sleeping coroutine yields to its task. Its
 * iterator is stateless (it tells the first call from the resumption by the
 * SLEEP_DONE token), so one object serves any number of `yield*`s. It is
 * also its own "not done" IteratorResult (`done: false`, `value: this`):
 * a sleeping task keeps one small object alive, not two.
 */
export class SleepOp<T> implements Operation<T>, Iterator<unknown, T, unknown> {
  readonly done = false;
  readonly value: SleepOp<T> = this;
  readonly ms: number;
  readonly result: T;

  constructor(ms: number, result: T) {
    this.ms = ms;
    this.result = result;
  }

  next(sent?: unknown): IteratorResult<unknown, T> {
    if (sent !== SLEEP_DONE) return this as IteratorYieldResult<unknown>;
    return this.result === undefined
      ? DONE_UNDEFINED as IteratorResult<unknown, T>
      : { done: true, value: this.result };
  }

  throw(error?: unknown): IteratorResult<unknown, T> {
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** The one `sleep(0)`: shared by every task, allocates nothing per use. */
const SLEEP0 = new SleepOp<undefined>(0, undefined);

/**
 * Suspends the calling task for `ms` milliseconds, then returns `result`.
 * `sleep(0)` yields to the scheduler exactly once, without a timer.
 *
 * @example
 * ```ts
 * yield* sleep(1000); // one second
 * const x = yield* sleep(10, "done"); // "done"
 * ```
 * @throws {TypeError} when `ms` is not a number
 * @throws {RangeError} when `ms` is NaN
 */
export function sleep(ms: number): Operation<void>;
export function sleep<T>(ms: number, result: T): Operation<T>;
export function sleep<T>(ms: number, result?: T): Operation<T | undefined> {
  if (typeof ms !== "number") {
    throw new TypeError(`sleep() needs a number of milliseconds, got ${typeof ms}`);
  }
  if (ms !== ms) throw new RangeError("sleep() got NaN milliseconds: pass a number >= 0");
  if (ms <= 0 && result === undefined) return SLEEP0;
  return new SleepOp(ms, result);
}
