/**
 * `Barrier`: `parties` tasks wait until all have arrived, then all go on
 * (asyncio.Barrier, 3.11+), built on a Condition as asyncio builds it.
 *
 * @module
 */

import { Condition } from "./condition.ts";
import { BrokenBarrierError } from "./errors.ts";
import type { Operation } from "./operation.ts";
import { keepShapes } from "./_shape_keepers.ts";

type State = "filling" | "draining" | "resetting" | "broken";

/**
 * A barrier for `parties` tasks.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3);
 * const myIndex = yield* barrier.wait(); // 0, 1 or 2, once all three arrived
 * ```
 * @throws {RangeError} when `parties` is not an integer >= 1
 */
export class Barrier {
  readonly #cond = new Condition();
  readonly #parties: number;
  #state: State = "filling";
  #count = 0;

  constructor(parties: number) {
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`Barrier parties must be an integer >= 1, got ${String(parties)}`);
    }
    this.#parties = parties;
    keepBarrierShapes(new.target);
  }

  /** How many tasks must call wait() to pass the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks are waiting while the barrier fills. */
  get nWaiting(): number {
    return this.#state === "filling" ? this.#count : 0;
  }

  /** True after abort(). */
  get broken(): boolean {
    return this.#state === "broken";
  }

  /**
   * Waits until `parties` tasks are waiting, then returns this task's arrival
   * index (0 .. parties - 1).
   *
   * @throws {BrokenBarrierError} when the barrier is aborted or reset while waiting
   */
  wait(): Operation<number> {
    return this.#wait();
  }

  /** Returns the barrier to its empty state; tasks waiting get BrokenBarrierError. */
  reset(): Operation<void> {
    return this.#reset();
  }

  /** Breaks the barrier: current and future waiters get BrokenBarrierError. */
  abort(): Operation<void> {
    return this.#abort();
  }

  toString(): string {
    const extra = this.#state === "filling" ? `, waiters:${this.nWaiting}/${this.#parties}` : "";
    return `<Barrier [${this.#state}${extra}]>`;
  }

  *#wait(): Generator<unknown, number, unknown> {
    using _ = yield* this.#cond.acquire();
    yield* this.#block();
    const index = this.#count++;
    try {
      if (index + 1 === this.#parties) {
        this.#state = "draining"; // the last arrival releases everyone
        this.#cond.notifyAll();
      } else {
        yield* this.#cond.waitFor(() => this.#state !== "filling");
        if (this.#state === "broken" || this.#state === "resetting") {
          throw new BrokenBarrierError("Abort or reset of barrier");
        }
      }
      return index;
    } finally {
      this.#count--;
      this.#exit();
    }
  }

  /** Waits while the barrier drains or resets; fails if it is broken. */
  *#block(): Generator<unknown, void, unknown> {
    yield* this.#cond.waitFor(() => this.#state !== "draining" && this.#state !== "resetting");
    if (this.#state === "broken") throw new BrokenBarrierError("Barrier aborted");
  }

  /** The last task out refills the barrier and wakes anyone blocked on the drain. */
  #exit(): void {
    if (this.#count === 0) {
      if (this.#state === "resetting" || this.#state === "draining") this.#state = "filling";
      this.#cond.notifyAll();
    }
  }

  *#reset(): Generator<unknown, void, unknown> {
    using _ = yield* this.#cond.acquire();
    if (this.#count > 0) {
      if (this.#state !== "resetting") this.#state = "resetting";
    } else {
      this.#state = "filling";
    }
    this.#cond.notifyAll();
  }

  *#abort(): Generator<unknown, void, unknown> {
    using _ = yield* this.#cond.acquire();
    this.#state = "broken";
    this.#cond.notifyAll();
  }
}

/** Keeps a Barrier for its hidden classes (see _shape_keepers.ts): ours only, never a program's subclass. */
function keepBarrierShapes(kind: typeof Barrier): void {
  if (kind === Barrier) keepShapes(Barrier, () => new Barrier(1));
}
