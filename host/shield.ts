/**
 * `shield(aw)`: protect an awaitable from the caller's cancellation
 * (asyncio.shield).
 *
 * @module
 */

import { ensureFuture } from "./ensure_future.ts";
import { type Future, WaitingFuture } from "./future.ts";
import type { Awaitable, Coroutine } from "./operation.ts";

/**
 * Returns a future that follows `aw` (wrapped in a task if needed).
 * Cancelling the returned future, or the task waiting on it, does not
 * cancel `aw`, which runs on; cancelling `aw` itself cancels the result.
 *
 * @example
 * ```ts
 * const saved = yield* shield(saveToDisk(data)); // survives our cancellation
 * ```
 */
export function shield<T>(aw: Awaitable<T> | Coroutine<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new WaitingFuture<T>(inner._loop, "shield", [inner]);
  const onInnerDone = (): void => {
    if (outer.cancelled()) {
      if (!inner.cancelled()) inner.exception(); // retrieved: nobody waits on it any more
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    const error = inner.exception();
    if (error !== null) outer.setException(error);
    else outer.setResult(inner.result());
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}
