/**
 * `wait(fs)`: wait for futures until some or all are done, without
 * cancelling anything (asyncio.wait).
 *
 * @module
 */

import { Future, WaitingFuture } from "./future.ts";
import { describe, isCoroutine } from "./operation.ts";
import type { Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";

/** wait() returns when any future is done. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/** wait() returns when any future fails, or when all are done. */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** wait() returns when every future is done (the default). */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** When wait() returns. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options for {@linkcode wait}. */
export interface WaitOptions {
  /** Return after this many ms even if the condition is not met (null: no limit). */
  timeout?: number | null;
  /** The condition (default ALL_COMPLETED). */
  returnWhen?: ReturnWhen;
}

/**
 * Waits for the futures and tasks in `fs` and returns `{ done, pending }`.
 * Never cancels anything; on timeout, the unfinished ones are in `pending`.
 *
 * @example
 * ```ts
 * const { done, pending } = yield* wait([t1, t2], { returnWhen: FIRST_COMPLETED });
 * ```
 * @throws {TypeError} for coroutines or anything that is not a future (wrap them with createTask)
 * @throws {RangeError} for an empty input or an unknown returnWhen
 */
export function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: WaitOptions = {},
): Operation<{ done: Set<F>; pending: Set<F> }> {
  if (fs instanceof Future || isCoroutine(fs)) {
    throw new TypeError(`wait() expects an iterable of futures, not ${describe(fs)}`);
  }
  if (fs === null || typeof (fs as Iterable<F>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`wait() expects an iterable of futures, got ${describe(fs)}`);
  }
  const { timeout = null, returnWhen = ALL_COMPLETED } = options;
  const futures = new Set(fs);
  if (futures.size === 0) throw new RangeError("wait() got an empty set of tasks/futures: pass at least one");
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new RangeError(`wait() got an invalid returnWhen ${describe(returnWhen)}`);
  }
  for (const f of futures) {
    if (!(f instanceof Future)) {
      throw new TypeError(
        `wait() takes futures and tasks only, got ${describe(f)}: wrap coroutines with createTask()`,
      );
    }
  }
  if (timeout !== null && typeof timeout !== "number") {
    throw new TypeError(`wait() timeout must be a number of ms or null, got ${describe(timeout)}`);
  }
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const waiter = new WaitingFuture<void>(loop, "wait", futures);
      const release = () => {
        if (!waiter.done()) waiter.setResult(undefined);
      };
      const timer = timeout === null ? null : loop.callLater(timeout, release);
      let left = futures.size;
      const onCompletion = (f: Future<unknown>) => {
        left--;
        if (
          left <= 0 || returnWhen === FIRST_COMPLETED ||
          (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
        ) {
          timer?.cancel();
          release();
        }
      };
      for (const f of futures) f.addDoneCallback(onCompletion);
      try {
        yield* waiter;
      } finally {
        timer?.cancel();
        for (const f of futures) f.removeDoneCallback(onCompletion);
      }
      const done = new Set<F>();
      const pending = new Set<F>();
      for (const f of futures) (f.done() ? done : pending).add(f);
      return { done, pending };
    },
  };
}
