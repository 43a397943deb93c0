/**
 * Clocks: where a loop reads the time. `realClock` follows
 * `performance.now()`; a `VirtualClock` only moves when told to (or, with
 * autojump, when every task is waiting on a timer), so time-dependent code
 * is tested deterministically and instantly.
 *
 * @module
 */

/** A monotonic source of milliseconds. */
export interface Clock {
  /** The current time in milliseconds (float), never decreasing. */
  now(): number;
}

/** The default clock: `performance.now()`. */
export const realClock: Clock = {
  now: () => performance.now(),
};

/** Options for {@linkcode VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * Jump straight to the next timer whenever no task is ready (after letting
   * already-settled promises run). Default true.
   */
  autojump?: boolean;
}

/** Something a virtual clock wakes when its time moves (a loop). */
export interface ClockListener {
  _clockAdvanced(): void;
}

/**
 * Virtual time, starting at 0. Deadlines are exact (`now + delay`, no rounding).
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * await run(function* () { yield* sleep(600_000); }, { clock }); // instant
 * clock.now(); // 600000
 * ```
 */
export class VirtualClock implements Clock {
  #now = 0;
  /** Whether loops on this clock jump to their next timer when idle. */
  readonly autojump: boolean;
  readonly #listeners = new Set<ClockListener>();

  constructor(options: VirtualClockOptions = {}) {
    this.autojump = options.autojump ?? true;
  }

  now(): number {
    return this.#now;
  }

  /**
   * Moves time forward by `ms` and wakes the loops on this clock, which run
   * whatever became due.
   *
   * @throws {RangeError} when `ms` is negative or not a finite number
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !(ms >= 0) || ms === Infinity) {
      throw new RangeError(`advance() needs a finite number of milliseconds >= 0, got ${String(ms)}`);
    }
    this.#now += ms;
    for (const listener of this.#listeners) listener._clockAdvanced();
  }

  /** Moves time to `when` if it is later (a loop's autojump). */
  _jumpTo(when: number): void {
    if (when > this.#now) this.#now = when;
  }

  _attach(listener: ClockListener): void {
    this.#listeners.add(listener);
  }

  _detach(listener: ClockListener): void {
    this.#listeners.delete(listener);
  }
}
