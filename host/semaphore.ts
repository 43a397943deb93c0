/**
 * `Semaphore` and `BoundedSemaphore` (asyncio, 3.13): a counter of permits.
 * A release hands its permit straight to the first waiter, so waiters are
 * served in FIFO order and a newcomer never overtakes one in line.
 *
 * @module
 */

import type { Operation } from "./operation.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { type Acquirable, AcquireOp, WaitList } from "./_wait_list.ts";
import type { Task } from "./task.ts";

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
export class Semaphore implements Acquirable {
  /** @internal permits left */ _value: number;
  readonly #line = new WaitList(this, "Semaphore.acquire");
  /** @internal a finished acquire() operation, handed out by the next acquire() */
  _spareAcquire: AcquireOp | null = null;
  readonly #release: Disposable = { [Symbol.dispose]: () => this.release() };
  /** What a finished acquire() gives back, shared: the Disposable that releases. */
  readonly #acquired: IteratorResult<unknown, Disposable> = Object.freeze({ done: true, value: this.#release });

  constructor(value = 1) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`Semaphore initial value must be an integer >= 0, got ${String(value)}`);
    }
    this._value = value;
    keepSemaphoreShapes(new.target);
  }

  /** True if acquire() would wait: no permit left, or tasks already in line. */
  locked(): boolean {
    return this._value === 0 || this.#line.size > 0;
  }

  /** Takes a permit, waiting in line if none is free. */
  acquire(): Operation<Disposable> {
    return AcquireOp.of(this, "Semaphore.acquire()");
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

  /** @internal takes a permit if one is free and nobody is in line */
  _tryAcquire(): IteratorResult<unknown, Disposable> | null {
    if (this.locked()) return null;
    this._value--;
    return this.#acquired;
  }

  /** @internal the line to wait in */
  get _line(): WaitList {
    return this.#line;
  }

  /**
   * @internal a waiter resumed: woken, it holds the permit handed to it;
   * cancelled after being woken, it gives that permit back. Either way the
   * permits free now go to the waiters in line.
   */
  _resumed(task: Task<unknown>, taking: boolean): IteratorResult<unknown, Disposable> {
    const woken = this.#line.resumed(task);
    if (!taking && woken) this._value++;
    while (this._value > 0 && this.#wakeUpNext()) {
      // each call hands one permit to the next waiter
    }
    return this.#acquired;
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

/** Keeps a semaphore of `kind` and an acquire() operation for their hidden classes (see _shape_keepers.ts and queue.ts). */
function keepSemaphoreShapes(kind: typeof Semaphore): void {
  if (kind !== Semaphore && kind !== BoundedSemaphore) return;
  keepShapes(kind, () => {
    const semaphore = new kind(1);
    return [semaphore, semaphore.acquire()];
  });
}
