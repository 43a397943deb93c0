/**
 * `Condition`: wait until notified, holding a lock around the check
 * (asyncio.Condition, 3.13).
 *
 * @module
 */

import { CancelledError, RuntimeError } from "./errors.ts";
import { Lock } from "./lock.ts";
import { describe, type Operation } from "./operation.ts";
import { runningTask } from "./_current.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { WaitList } from "./_wait_list.ts";

/**
 * A condition variable over `lock` (a new Lock by default).
 *
 * @example
 * ```ts
 * using _ = yield* cond.acquire();
 * yield* cond.waitFor(() => items.length > 0);
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  readonly #line = new WaitList(this, "Condition.wait");

  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(`Condition needs a Lock, got ${describe(lock)}`);
    }
    this.#lock = lock ?? new Lock();
    keepConditionShapes(new.target);
  }

  acquire(): Operation<Disposable> {
    return this.#lock.acquire();
  }

  release(): void {
    this.#lock.release();
  }

  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Releases the lock, waits until notified, and takes the lock back (also
   * when cancelled, before the CancelledError propagates). Returns true.
   *
   * @throws {RuntimeError} when the lock is not held
   */
  wait(): Operation<true> {
    if (!this.locked()) throw new RuntimeError("cannot wait on un-acquired lock: acquire() the condition first");
    return this.#wait();
  }

  /** Waits until `predicate()` is truthy (checking it first); returns its value. */
  waitFor<T>(predicate: () => T): Operation<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(`waitFor() needs a predicate function, got ${describe(predicate)}`);
    }
    return this.#waitFor(predicate);
  }

  /**
   * Wakes up to `n` waiting tasks (each takes the lock back before it returns).
   *
   * @throws {RuntimeError} when the lock is not held
   */
  notify(n = 1): void {
    if (!this.locked()) throw new RuntimeError("cannot notify on un-acquired lock: acquire() the condition first");
    this.#notify(n);
  }

  /** Wakes every waiting task. */
  notifyAll(): void {
    this.notify(this.#line.queued);
  }

  toString(): string {
    const waiters = this.#line.size;
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  *#wait(): Generator<unknown, true, unknown> {
    const task = runningTask("Condition.wait()");
    const line = this.#line;
    this.release();
    try {
      try {
        try {
          yield* line.op;
          return true;
        } finally {
          line.resumed(task);
        }
      } finally {
        // Take the lock back even when cancelled; re-raise the last cancellation.
        let cancelled: CancelledError | null = null;
        for (;;) {
          try {
            yield* this.#lock.acquire();
            break;
          } catch (error) {
            // deno-lint-ignore no-unsafe-finally -- only a non-cancellation error may stop the re-acquire loop
            if (!(error instanceof CancelledError)) throw error;
            cancelled = error;
          }
        }
        // deno-lint-ignore no-unsafe-finally -- asyncio re-raises the last cancellation once the lock is back
        if (cancelled !== null) throw cancelled;
      }
    } catch (error) {
      // We may have been notified before failing: pass the notification on
      // (a spurious wake-up is allowed by the condition-variable protocol).
      this.#notify(1);
      throw error;
    }
  }

  *#waitFor<T>(predicate: () => T): Generator<unknown, T, unknown> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  #notify(n: number): void {
    for (let i = 0; i < n; i++) {
      if (this.#line.wakeFirst() === null) return;
    }
  }
}

/** Keeps a Condition for its hidden classes (see _shape_keepers.ts): ours only, never a program's subclass. */
function keepConditionShapes(kind: typeof Condition): void {
  if (kind === Condition) keepShapes(Condition, () => new Condition());
}
