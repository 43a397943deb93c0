/**
 * `ensureFuture(x)`: a coroutine becomes a Task, a Future stays itself, a
 * thenable becomes a Future (asyncio.ensure_future).
 *
 * @module
 */

import { Future } from "./future.ts";
import type { Loop } from "./loop.ts";
import { type Awaitable, type Coroutine, describe, isCoroutine, isOperation, isThenable } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";

/** Options for {@linkcode ensureFuture}. */
export interface EnsureFutureOptions {
  /** The loop to attach new tasks and futures to (default, or undefined: the running loop). */
  loop?: Loop | undefined;
}

/**
 * The future for `x`: futures and tasks are returned as they are,
 * coroutines and other Operations are scheduled as tasks, thenables are
 * followed by a new future.
 *
 * @throws {TypeError} when `x` is not awaitable
 * @throws {RangeError} when `x` is a future of another loop than `options.loop`
 */
export function ensureFuture<T>(x: Awaitable<T> | Coroutine<T>, options: EnsureFutureOptions = {}): Future<T> {
  if (x instanceof Future) {
    if (options.loop !== undefined && x._loop !== options.loop) {
      throw new RangeError("The future belongs to a different loop than the one specified as the loop option");
    }
    return x;
  }
  if (isCoroutine(x) || isOperation(x)) return (options.loop ?? getRunningLoop()).createTask(x);
  if (isThenable(x)) return (options.loop ?? getRunningLoop())._wrapThenable(x, undefined);
  throw new TypeError(`ensureFuture() needs a Future, a coroutine or an awaitable, got ${describe(x)}`);
}
