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
 * A sleep request: what `sleep()` returns. `yield*` runs it in one of two
 * ways, and the task tells them apart by what the coroutine yields.
 *
 * - The common way: a sleep without a result hands out the one shared
 *   {@linkcode SLEEPING} iterator and leaves its delay in `handedMs`, which
 *   the task takes as soon as the coroutine yields SLEEP_MARK. The
 *   generator suspended in `yield*` then holds only that shared iterator:
 *   the SleepOp itself is garbage at once, and a sleeping task keeps no
 *   object of its own for its sleep (W3 weighs every byte a sleeping task
 *   holds).
 * - Otherwise (a result to return, or a handed-out delay not taken yet,
 *   which only an iterator taken by hand and not stepped can cause) the
 *   SleepOp is its own iterator, and its own "not done" IteratorResult
 *   (`done: false`, `value: this`): the task reads `ms` from it.
 *
 * Both iterators are stateless between the first step and the resumption
 * (SLEEP_DONE tells them apart), so one object serves any number of
 * `yield*`s.
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

  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    // yield* steps the iterator right after taking it, and the task takes the
    // delay right after that step, so at most one delay is ever in hand.
    if (this.result !== undefined || handedMs === handedMs) return this;
    handedMs = this.ms;
    return SLEEPING as Iterator<unknown, T, unknown>;
  }
}

/** What a coroutine yields for a sleep run by {@linkcode SLEEPING}: the delay is in `handedMs`. */
export const SLEEP_MARK: unique symbol = Symbol("spindle.sleep");

/** The delay of the sleep whose SLEEPING iterator was handed out last, until the task takes it; NaN when none. */
let handedMs = NaN;

/**
 * The shared iterator of result-less sleeps (see SleepOp), and its own "not
 * done" IteratorResult, as a SleepOp is: one object, of one shape, in every
 * yield* of a sleep.
 */
class SleepingIterator implements Iterator<unknown, undefined, unknown> {
  readonly done = false;
  readonly value = SLEEP_MARK;

  next(sent?: unknown): IteratorResult<unknown, undefined> {
    return sent === SLEEP_DONE ? DONE_UNDEFINED : this as IteratorYieldResult<unknown>;
  }

  throw(error?: unknown): IteratorResult<unknown, undefined> {
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, undefined> {
    return { done: true, value: value as undefined };
  }
}

const SLEEPING = new SleepingIterator();

/**
 * @internal The delay of the sleep a coroutine just yielded SLEEP_MARK for.
 * 0 when none is in hand: only a coroutine driven by hand (stepping a shared
 * iterator again without resuming it) can yield the mark twice.
 */
export function takeHandedMs(): number {
  const ms = handedMs;
  handedMs = NaN;
  return ms === ms ? ms : 0;
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
