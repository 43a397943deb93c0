/**
 * `Future<T>`: a result that will be set later (asyncio.Future). A future is
 * an Operation (`yield* fut`) and a PromiseLike (`await fut`).
 *
 * Ground rules
 * - A future completes once: with a result, an exception or a cancellation.
 * - Done callbacks never run synchronously: completion hands each to the
 *   loop (callSoon), in the order they were added. Tasks waiting on the
 *   future are woken through the same FIFO, without a callback object.
 * - An exception nobody retrieves (result(), exception(), yield*, await) is
 *   reported by the loop when it closes.
 *
 * @module
 */

import { CancelledError, InvalidStateError, makeCancelledError } from "./errors.ts";
import type { Loop } from "./loop.ts";
import type { Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import type { Task } from "./task.ts";
import { Handle } from "./handle.ts";

/** Future states. */
export const PENDING = 0;
export const FINISHED = 1;
export const FAILED = 2;
export const CANCELLED = 3;
const STATE_NAMES = ["pending", "finished", "finished", "cancelled"];

/** A done callback: gets the future that completed. */
export type DoneCallback<T> = (future: Future<T>) => void;

/** A callback entry: a function, or a task to wake (internal). */
type Waiter = DoneCallback<never> | Task<unknown>;

/** Options for {@linkcode Future}. */
export interface FutureOptions {
  /** The loop the future belongs to; default: the running loop. */
  loop?: Loop;
}

/**
 * A result that will be set later, by `setResult`, `setException` or `cancel`.
 *
 * @example
 * ```ts
 * const fut = getRunningLoop().createFuture<number>();
 * getRunningLoop().callLater(10, () => fut.setResult(42));
 * const answer = yield* fut; // 42
 * ```
 */
export class Future<T = unknown> implements Operation<T>, PromiseLike<T> {
  /** @internal */ _loop: Loop;
  /** @internal */ _state = PENDING;
  /** @internal */ _value: unknown = undefined; // result, exception, cancel message, or a task's CancelledError
  /** @internal */ _waiters: Waiter | Waiter[] | null = null;

  constructor(options: FutureOptions = {}) {
    this._loop = options.loop ?? getRunningLoop();
  }

  /** The loop this future belongs to. */
  getLoop(): Loop {
    return this._loop;
  }

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** True if the future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result.
   *
   * @throws {CancelledError} if the future was cancelled
   * @throws {InvalidStateError} if it is not done yet
   * @throws the future's exception, if it has one
   */
  result(): T {
    switch (this._state) {
      case FINISHED:
        return this._value as T;
      case FAILED:
        this._loop._retrieved(this);
        throw this._value;
      case CANCELLED:
        throw this._makeCancelledError();
      default:
        throw new InvalidStateError("Result is not ready: wait for the future (yield* it) before reading result()");
    }
  }

  /**
   * The exception the future failed with, or null if it has a result.
   *
   * @throws {CancelledError} if the future was cancelled
   * @throws {InvalidStateError} if it is not done yet
   */
  exception(): unknown {
    switch (this._state) {
      case FINISHED:
        return null;
      case FAILED:
        this._loop._retrieved(this);
        return this._value;
      case CANCELLED:
        throw this._makeCancelledError();
      default:
        throw new InvalidStateError("Exception is not set: wait for the future before reading exception()");
    }
  }

  /**
   * Marks the future done with `value` and schedules its callbacks.
   *
   * @throws {InvalidStateError} if it is already done
   */
  setResult(value: T): void {
    if (this._state !== PENDING) throw this._alreadyDone("setResult");
    this._state = FINISHED;
    this._value = value;
    this._scheduleCallbacks();
  }

  /**
   * Marks the future failed with `error` and schedules its callbacks.
   *
   * @throws {InvalidStateError} if it is already done
   */
  setException(error: unknown): void {
    if (this._state !== PENDING) throw this._alreadyDone("setException");
    this._state = FAILED;
    this._value = error;
    this._loop._failed(this);
    this._scheduleCallbacks();
  }

  /**
   * Cancels the future: returns false if it is already done, else marks it
   * cancelled (with `msg` for the CancelledError), schedules its callbacks
   * and returns true.
   */
  cancel(msg?: string): boolean {
    if (this._state !== PENDING) {
      if (this._state === FAILED) this._loop._retrieved(this); // asyncio: cancel() silences the report
      return false;
    }
    this._state = CANCELLED;
    this._value = msg;
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Calls `fn(future)` (through the loop, never synchronously) once the
   * future is done; at once (next iteration) if it is done already.
   */
  addDoneCallback(fn: DoneCallback<T>): void {
    if (typeof fn !== "function") {
      throw new TypeError(`addDoneCallback() needs a function, got ${typeof fn}`);
    }
    if (this._state !== PENDING) {
      this._loop._callSoonWith(fn as DoneCallback<unknown>, this);
      return;
    }
    this._addWaiter(fn as Waiter);
  }

  /** Removes every registration of `fn`; returns how many were removed. */
  removeDoneCallback(fn: DoneCallback<T>): number {
    const waiters = this._waiters;
    // Once done, the callbacks are scheduled already (asyncio: nothing left to remove).
    if (waiters === null || this._state !== PENDING) return 0;
    if (!Array.isArray(waiters)) {
      if (waiters !== fn) return 0;
      this._waiters = null;
      return 1;
    }
    const kept = waiters.filter((w) => w !== fn);
    const removed = waiters.length - kept.length;
    this._waiters = kept.length === 0 ? null : kept;
    return removed;
  }

  /** `yield* future`: waits until done, then returns the result or throws. */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return new FutureIterator(this);
  }

  /** `await future` from ordinary async code. A cancelled future rejects with CancelledError. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        try {
          resolve(this.result());
        } catch (error) {
          reject(error);
        }
      };
      if (this._state !== PENDING) settle();
      else this._addWaiter(settle as Waiter);
    }).then(onfulfilled, onrejected);
  }

  toString(): string {
    return `<Future ${STATE_NAMES[this._state]}${this._describeOutcome()}>`;
  }

  /** @internal */
  _describeOutcome(): string {
    if (this._state === FINISHED) return ` result=${short(this._value)}`;
    if (this._state === FAILED) return ` exception=${short(this._value)}`;
    return "";
  }

  /** @internal a new CancelledError carrying the cancel message */
  _makeCancelledError(): CancelledError {
    const value = this._value;
    if (value instanceof CancelledError) {
      // A task keeps the CancelledError its coroutine raised; the first
      // reader gets that one (asyncio's _cancelled_exc), later ones new ones.
      this._value = value.message === "" ? undefined : value.message;
      return value;
    }
    const msg = value as string | undefined;
    return makeCancelledError(msg);
  }

  /** @internal */
  _alreadyDone(method: string): InvalidStateError {
    return new InvalidStateError(
      `${method}() on a future that is already ${STATE_NAMES[this._state]}: a future completes only once`,
    );
  }

  /** @internal registers a callback or a task to wake */
  _addWaiter(waiter: Waiter): void {
    const waiters = this._waiters;
    if (waiters === null) this._waiters = waiter;
    else if (Array.isArray(waiters)) waiters.push(waiter);
    else this._waiters = [waiters, waiter];
  }

  /**
   * @internal hands every waiter to the loop, in order. The first run of
   * callbacks does not get a Handle each: the future itself goes into the
   * ready queue once and runs them (see _run), in the same FIFO position
   * asyncio's call_soon() would give them. Tasks are woken in their place;
   * callbacks after a task go through Handles to keep the order exact.
   */
  _scheduleCallbacks(): void {
    const waiters = this._waiters;
    if (waiters === null) return;
    this._waiters = null;
    const loop = this._loop;
    if (!Array.isArray(waiters)) {
      if (typeof waiters === "function") loop._runCallbacksSoon(this, waiters as DoneCallback<unknown>);
      else loop._wakeTask(waiters);
      return;
    }
    let i = 0;
    while (i < waiters.length && typeof waiters[i] === "function") i++;
    if (i > 0) {
      const first = (i === waiters.length ? waiters : waiters.slice(0, i)) as DoneCallback<unknown>[];
      loop._runCallbacksSoon(this, first);
    }
    for (; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (typeof w === "function") loop._callSoonWith(w as DoneCallback<unknown>, this);
      else loop._wakeTask(w);
    }
  }

  /**
   * @internal Run by the loop when this future's entry comes up in the ready
   * queue: calls the done callbacks handed over by _scheduleCallbacks (kept
   * in _waiters, which a done future no longer needs), each guarded.
   */
  _run(): void {
    const callbacks = this._waiters as DoneCallback<unknown> | DoneCallback<unknown>[] | null;
    this._waiters = null;
    if (callbacks === null) return;
    if (!Array.isArray(callbacks)) {
      this._callGuarded(callbacks);
      return;
    }
    for (const fn of callbacks) this._callGuarded(fn);
  }

  /** @internal calls one done callback; an exception goes to the loop's exception handler */
  _callGuarded(fn: DoneCallback<unknown>): void {
    try {
      fn(this);
    } catch (error) {
      const loop = this._loop;
      // asyncio reports the callback's Handle; one is made only now, for the report.
      const handle = new Handle(loop, fn as (...args: never[]) => unknown, [this]);
      handle._ran = true;
      loop.callExceptionHandler({
        message: `Exception in callback ${fn.name || "(anonymous)"}`,
        exception: error,
        handle,
      });
    }
  }
}

/**
 * @internal A plain future that a combinator (shield, wait, asCompleted)
 * sleeps on, knowing what it waits for: formatTaskTree() draws the wait as
 * a line of its own (`_awaitKind`) above the futures it waits for.
 */
export class WaitingFuture<T> extends Future<T> {
  /** @internal what formatTaskTree() calls this wait */
  readonly _awaitKind: string;
  readonly #awaited: Iterable<Future<unknown>>;

  constructor(loop: Loop, kind: string, awaited: Iterable<Future<unknown>>) {
    super({ loop });
    this._awaitKind = kind;
    this.#awaited = awaited;
  }

  /** @internal the futures waited for (live: a set shrinks as they finish), for formatTaskTree() */
  _awaited(): Iterable<Future<unknown>> {
    return this.#awaited;
  }
}

function short(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message)})`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return `[${value.constructor?.name ?? "object"}]`;
  return String(value);
}

/**
 * The iterator behind `yield* future`. Yields the future once if it is
 * pending; the task resumes it with the result (or throws the error in).
 */
class FutureIterator<T> implements Iterator<unknown, T, unknown> {
  #future: Future<T>;
  #started = false;

  constructor(future: Future<T>) {
    this.#future = future;
  }

  next(value?: unknown): IteratorResult<unknown, T> {
    if (this.#started) return { done: true, value: value as T };
    this.#started = true;
    const future = this.#future;
    if (future._state === PENDING) return { done: false, value: future };
    return { done: true, value: future.result() };
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
