/**
 * `Lock`: mutual exclusion for tasks (asyncio.Lock, 3.13). Waiters queue in
 * the core in FIFO order; a waiter in line is never overtaken.
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import type { Operation } from "./operation.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { type Acquirable, AcquireOp, WaitList } from "./_wait_list.ts";
import type { Task } from "./task.ts";

/**
 * A lock. `acquire()` returns a Disposable, so
 * `using _ = yield* lock.acquire()` releases at the end of the scope.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * function* worker() {
 *   using _ = yield* lock.acquire();
 *   counter += 1;
 * }
 * ```
 */
export class Lock implements Acquirable {
  #locked = false;
  readonly #line = new WaitList(this, "Lock.acquire");
  /** @internal a finished acquire() operation, handed out by the next acquire() */
  _spareAcquire: AcquireOp | null = null;
  readonly #release: Disposable = { [Symbol.dispose]: () => this.release() };
  /** What a finished acquire() gives back, shared: the Disposable that releases. */
  readonly #acquired: IteratorResult<unknown, Disposable> = Object.freeze({ done: true, value: this.#release });

  constructor() {
    keepLockShapes(new.target);
  }

  /** True while the lock is held. Between release() and the next waiter's turn it reads false. */
  locked(): boolean {
    return this.#locked;
  }

  /** Waits until the lock is free and no earlier waiter is in line, then takes it. */
  acquire(): Operation<Disposable> {
    return AcquireOp.of(this, "Lock.acquire()");
  }

  /**
   * Releases the lock and wakes the first waiter.
   *
   * @throws {RuntimeError} when the lock is not held
   */
  release(): void {
    if (!this.#locked) throw new RuntimeError("Lock is not acquired: call release() only after acquire()");
    this.#locked = false;
    this.#wakeUpFirst();
  }

  toString(): string {
    const waiters = this.#line.size;
    return `<Lock [${this.#locked ? "locked" : "unlocked"}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  /** @internal takes the lock if it is free and nobody is in line; the result acquire() returns then */
  _tryAcquire(): IteratorResult<unknown, Disposable> | null {
    if (this.#locked || this.#line.size !== 0) return null;
    this.#locked = true;
    return this.#acquired;
  }

  /** @internal the line to wait in */
  get _line(): WaitList {
    return this.#line;
  }

  /** @internal a waiter resumed: woken, it takes the lock; cancelled, it passes its turn on */
  _resumed(task: Task<unknown>, taking: boolean): IteratorResult<unknown, Disposable> {
    this.#line.resumed(task);
    if (taking) {
      this.#locked = true;
      return this.#acquired;
    }
    if (!this.#locked) this.#wakeUpFirst();
    return this.#acquired;
  }

  /** Wakes the first waiter unless one is already woken and about to take the lock. */
  #wakeUpFirst(): void {
    if (this.#line.woken === 0) this.#line.wakeFirst();
  }
}

/** Keeps a Lock and an acquire() operation for their hidden classes (see _shape_keepers.ts and queue.ts). */
function keepLockShapes(kind: typeof Lock): void {
  if (kind !== Lock) return;
  keepShapes(Lock, () => {
    const lock = new Lock();
    return [lock, lock.acquire()];
  });
}
