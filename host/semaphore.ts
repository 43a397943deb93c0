/**
 * `Semaphore` and `BoundedSemaphore` (asyncio, 3.13): a counter of permits.
 * A release hands its permit straight to the first waiter, so waiters are
 * served in FIFO order and a newcomer never overtakes one in line.
 *
 * @module
 */

import type { Operation } from "./operation.ts";
import { runningTask } from "./_current.ts";
import { WaitList } from "./_wait_list.ts";

/**
 * A semaphore with `value` permits (default 1).
 *
 * @example
 * ```ts
 * const limit = new Semaphore(64);
 * function* job() {
 *   using _ = yield* limit.acquire();
 *   yield* work();
 * }
 * ```
 * @throws {RangeError} when `value` is negative or not an integer
 */
export class Semaphore {
  /** @internal permits left */ _value: number;
  readonly #line = new WaitList(this);
  readonly #release: Disposable = { [Symbol.dispose]: () => this.release() };

  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`Semaphore initial value must be an integer >= 0, got ${String(value)}`);
    }
    this._value = value;
  }

  /** True if acquire() would wait: no permit left, or tasks already in line. */
  locked(): boolean {
    return this._value === 0 || this.#line.size > 0;
  }

  /** Takes a permit, waiting in line if none is free. */
  acquire(): Operation<Disposable> {
    return this.#acquire();
  }

  /** Returns a permit; the first waiter in line gets it. */
  release(): void {
    this._value++;
    this.#wakeUpNext();
  }

  toString(): string {
    const waiters = this.#line.size;
    const state = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${state}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  *#acquire(): Generator<unknown, Disposable, unknown> {
    if (!this.locked()) {
      this._value--;
      return this.#release;
    }
    const line = this.#line;
    const task = runningTask("Semaphore.acquire()");
    try {
      try {
        yield* line.op;
      } catch (error) {
        // Woken with a permit but cancelled before taking it: give it back.
        if (line.resumed(task)) this._value++;
        throw error;
      }
      line.resumed(task);
    } finally {
      // Newcomers may have queued behind us: hand out what is free.
      while (this._value > 0 && this.#wakeUpNext()) {
        // each call hands one permit to the next waiter
      }
    }
    return this.#release;
  }

  /** Hands one permit to the first waiter in line; false when nobody waits. */
  #wakeUpNext(): boolean {
    if (this.#line.queued === 0) return false;
    this._value--;
    this.#line.wakeFirst();
    return true;
  }
}

/** A semaphore that refuses to be released more often than acquired. */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  /** @throws {RangeError} when released more times than acquired */
  override release(): void {
    if (this._value >= this.#bound) {
      throw new RangeError("BoundedSemaphore released too many times: each release() needs an acquire()");
    }
    super.release();
  }
}
