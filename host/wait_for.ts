/**
 * `waitFor(aw, ms)`: wait for one awaitable with a time limit; on timeout
 * it is cancelled *and awaited*, then TimeoutError is thrown
 * (asyncio.wait_for, 3.12+, built on timeout()).
 *
 * @module
 */

import { CancelledError, TimeoutError } from "./errors.ts";
import { ensureFuture } from "./ensure_future.ts";

import { type Awaitable, type Coroutine, describe, isCoroutine, isOperation, isThenable } from "./operation.ts";
import type { Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { timeout } from "./timeout.ts";

/**
 * Waits for `aw` for at most `ms` milliseconds (null: no limit). A coroutine
 * runs inline in the calling task; a task or future is awaited. On timeout
 * `aw` is cancelled and waited for, then TimeoutError is thrown; if `aw`
 * finishes anyway (it swallowed the cancellation), its result is returned.
 *
 * @example
 * ```ts
 * const reply = yield* waitFor(readReply(), 1000);
 * ```
 * @throws {TimeoutError} when `aw` did not finish in time
 */
export function waitFor<T>(aw: Awaitable<T> | Coroutine<T>, ms: number | null): Operation<T> {
  if (!isOperation(aw) && !isThenable(aw)) {
    throw new TypeError(`waitFor() needs an awaitable, got ${describe(aw)}`);
  }
  if (ms !== null && typeof ms !== "number") {
    throw new TypeError(`waitFor() needs a number of ms or null, got ${describe(ms)}`);
  }
  return {
    *[Symbol.iterator]() {
      if (ms !== null && ms <= 0) return yield* expireNow(aw);
      return yield* timeout(ms, function* () {
        if (isCoroutine(aw) || isOperation(aw)) return yield* aw as Operation<T>;
        return (yield aw) as T;
      });
    },
  };
}

/** A limit of 0 or less: done already, or cancel, wait, and time out. */
function* expireNow<T>(aw: Awaitable<T> | Coroutine<T>): Generator<unknown, T, unknown> {
  const future = ensureFuture(aw);
  if (future.done()) return future.result();
  const waiter = getRunningLoop().createFuture<void>();
  const release = () => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  future.addDoneCallback(release);
  try {
    future.cancel();
    yield* waiter;
  } finally {
    future.removeDoneCallback(release);
  }
  try {
    return future.result();
  } catch (error) {
    if (error instanceof CancelledError) throw new TimeoutError("The timeout expired");
    throw error;
  }
}
