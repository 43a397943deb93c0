/**
 * `timeout(ms, body)` / `timeoutAt(when, body)`: run a body under a
 * deadline; on expiry it is cancelled and TimeoutError is thrown
 * (asyncio.timeout / asyncio.timeout_at, 3.13).
 *
 * Only the scope's own cancellation becomes a TimeoutError: the scope counts
 * the task's cancel requests on entry (`cancelling()`) and takes back its own
 * with `uncancel()`, so a cancellation from outside stays a CancelledError.
 *
 * @module
 */

import { CancelledError, RuntimeError, TimeoutError } from "./errors.ts";
import type { TimerHandle } from "./handle.ts";
import type { Handle } from "./handle.ts";
import type { Loop } from "./loop.ts";
import { describe, type Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { currentTask, type Task } from "./task.ts";

type State = "created" | "active" | "expiring" | "expired" | "finished";

/** The scope a timeout body receives: inspect or move its deadline. */
export class Timeout {
  #state: State = "created";
  #when: number | null;
  #handle: Handle | TimerHandle | null = null;
  #task: Task<unknown> | null = null;
  #loop: Loop | null = null;
  #cancelling = 0;

  /** @internal made by timeout() / timeoutAt() */
  constructor(when: number | null) {
    this.#when = when;
    // One kept for its hidden classes (see _shape_keepers.ts); only timeout() and timeoutAt() make them.
    keepShapes(Timeout, () => new Timeout(null));
  }

  /** The deadline (loop time, ms), or null for none. */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline to `when` (loop time, ms), or removes it with null.
   *
   * @throws {RuntimeError} outside the body, or after the timeout expired
   */
  reschedule(when: number | null): void {
    if (this.#state !== "active") {
      if (this.#state === "created") throw new RuntimeError("Timeout has not been entered");
      throw new RuntimeError(`Cannot change state of ${this.#state} Timeout`);
    }
    checkWhen(when, "reschedule");
    this.#when = when;
    this.#handle?.cancel();
    const loop = this.#loop!;
    if (when === null) this.#handle = null;
    else if (when <= loop.time()) this.#handle = loop.callSoon(this.#onTimeout);
    else this.#handle = loop.callAt(when, this.#onTimeout);
  }

  /** True once the deadline has passed and the body was cancelled for it. */
  expired(): boolean {
    return this.#state === "expiring" || this.#state === "expired";
  }

  toString(): string {
    return `<Timeout [${this.#state}]${this.#when === null ? "" : ` when=${this.#when}`}>`;
  }

  /** @internal */
  _enter(): void {
    if (this.#state !== "created") throw new RuntimeError("Timeout has already been entered");
    const task = currentTask();
    if (task === null) throw new RuntimeError("Timeout should be used inside a task");
    this.#loop = task._loop;
    this.#state = "active";
    this.#task = task;
    this.#cancelling = task.cancelling();
    this.reschedule(this.#when);
  }

  /** @internal returns the error to throw instead of `error`, if any */
  _exit(failed: boolean, error: unknown): unknown {
    this.#handle?.cancel();
    this.#handle = null;
    if (this.#state === "expiring") {
      this.#state = "expired";
      if (this.#task!.uncancel() <= this.#cancelling && failed && error instanceof CancelledError) {
        return new TimeoutError("The timeout expired");
      }
    } else if (this.#state === "active") {
      this.#state = "finished";
    }
    return error;
  }

  readonly #onTimeout = (): void => {
    this.#task!.cancel();
    this.#state = "expiring";
    this.#handle = null;
  };
}

/**
 * Runs `body(scope)`; if it is still running `ms` from now, cancels it and
 * throws TimeoutError. `ms = null` means no deadline (it can be set later
 * with `scope.reschedule()`).
 *
 * @example
 * ```ts
 * const page = yield* timeout(5000, function* () {
 *   return yield* call((signal) => fetch(url, { signal }));
 * });
 * ```
 * @throws {TimeoutError} when the deadline passes first
 */
export function timeout<T>(ms: number | null, body: (scope: Timeout) => Operation<T>): Operation<T> {
  checkWhen(ms, "timeout");
  checkBody(body, "timeout");
  return {
    *[Symbol.iterator]() {
      const when = ms === null ? null : getRunningLoop().time() + ms;
      return yield* runScope(new Timeout(when), body);
    },
  };
}

/**
 * Like {@linkcode timeout}, with an absolute deadline in loop time (ms).
 *
 * @throws {TimeoutError} when the deadline passes first
 */
export function timeoutAt<T>(when: number | null, body: (scope: Timeout) => Operation<T>): Operation<T> {
  checkWhen(when, "timeoutAt");
  checkBody(body, "timeoutAt");
  return {
    *[Symbol.iterator]() {
      return yield* runScope(new Timeout(when), body);
    },
  };
}

function* runScope<T>(scope: Timeout, body: (scope: Timeout) => Operation<T>): Generator<unknown, T, unknown> {
  scope._enter();
  let result: T;
  try {
    result = yield* body(scope);
  } catch (error) {
    throw scope._exit(true, error);
  }
  scope._exit(false, undefined);
  return result;
}

function checkWhen(value: unknown, caller: string): void {
  if (value === null) return;
  if (typeof value !== "number") {
    throw new TypeError(`${caller}() needs a number of ms or null, got ${describe(value)}`);
  }
  if (value !== value) throw new RangeError(`${caller}() got NaN: pass a number of ms or null`);
}

function checkBody(body: unknown, caller: string): void {
  if (typeof body !== "function") {
    throw new TypeError(`${caller}() needs a body: a function* (scope) => ..., got ${describe(body)}`);
  }
}
