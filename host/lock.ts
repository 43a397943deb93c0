/**
 * `Lock`: mutual exclusion for tasks (asyncio.Lock, 3.13). Waiters queue in
 * the core in FIFO order; a waiter in line is never overtaken.
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import type { Operation } from "./operation.ts";
import { runningTask } from "./_current.ts";
import { WaitList } from "./_wait_list.ts";

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
export class Lock {
  #locked = false;
  readonly #line = new WaitList(this);
  readonly #release: Disposable = { [Symbol.dispose]: () => this.release() };

  /** True while the lock is held. Between release() and the next waiter's turn it reads false. */
  locked(): boolean {
    return this.#locked;
  }

  /** Waits until the lock is free and no earlier waiter is in line, then takes it. */
  acquire(): Operation<Disposable> {
    return this.#acquire();
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

  *#acquire(): Generator<unknown, Disposable, unknown> {
    const line = this.#line;
    if (!this.#locked && line.size === 0) {
      this.#locked = true;
      return this.#release;
    }
    const task = runningTask("Lock.acquire()");
    try {
      yield* line.op;
    } catch (error) {
      line.resumed(task);
      // Not taking the lock after all: make sure the next waiter gets its turn.
      if (!this.#locked) this.#wakeUpFirst();
      throw error;
    }
    line.resumed(task);
    this.#locked = true;
    return this.#release;
  }

  /** Wakes the first waiter unless one is already woken and about to take the lock. */
  #wakeUpFirst(): void {
    if (this.#line.woken === 0) this.#line.wakeFirst();
  }
}
