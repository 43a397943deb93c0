/**
 * Waiting on promises from a coroutine: `until(promise)` and `call(fn)`.
 *
 * @module
 */

import { CancelledError } from "./errors.ts";
import type { Operation } from "./operation.ts";
import { isThenable } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";

/**
 * Waits for a Promise or any thenable. Cancelling the waiting task stops
 * the wait (the promise itself runs on: promises cannot be cancelled).
 *
 * @example
 * ```ts
 * const text = yield* until(response.text());
 * ```
 */
export function until<T>(thenable: PromiseLike<T>): Operation<T> {
  if (!isThenable(thenable)) {
    throw new TypeError(`until() needs a Promise or thenable, got ${typeof thenable}`);
  }
  return {
    *[Symbol.iterator]() {
      return (yield thenable) as T;
    },
  };
}

/**
 * Runs async code from a coroutine: `fn(signal)` is called at once, and its
 * result (or the promise's value) is returned. `signal` aborts when the
 * wait is cancelled, so pass it to `fetch` and other abortable APIs.
 *
 * @example
 * ```ts
 * const res = yield* call((signal) => fetch(url, { signal }));
 * ```
 */
export function call<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Operation<T> {
  if (typeof fn !== "function") {
    throw new TypeError(`call() needs a function (signal) => value or promise, got ${typeof fn}`);
  }
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const controller = new AbortController();
      const value = fn(controller.signal);
      if (!isThenable(value)) return value as T;
      const future = loop._wrapThenable(value as PromiseLike<T>, () => {
        controller.abort(new CancelledError("The task waiting on call() was cancelled"));
      });
      return yield* future;
    },
  };
}
