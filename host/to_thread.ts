/**
 * `toThread(fn, ...args)`: runs a function on a worker thread of the
 * default pool (asyncio.to_thread). Functions travel as source text, so
 * they must be self-contained.
 *
 * @module
 */

import { describe, type Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { _defaultPool, _functionSource } from "./worker_pool.ts";

/**
 * Runs `fn(...args)` on a worker thread of the default pool (the one
 * `loop.runInExecutor(null, ...)` uses) and returns its result, awaited if
 * it is a promise, so CPU-heavy work does not block the loop.
 *
 * `fn` is sent as source text and rebuilt in the worker: it must be
 * self-contained. It sees only its arguments and the worker's globals, not
 * the variables around it (a closure over them throws ReferenceError in
 * the worker), and it cannot be a method shorthand, a bound or built-in
 * function, or a generator function. Arguments and the result travel by
 * structured clone. Cancelling the waiting task terminates the worker
 * running `fn`, and the pool replaces it.
 *
 * The default pool has as many workers as logical processors (4 where the
 * runtime does not tell); for another size, make a WorkerPool and pass
 * functions to its `run()`.
 *
 * @example
 * ```ts
 * const primes = yield* toThread((limit: number) => {
 *   const found: number[] = [];
 *   for (let n = 2; found.length < limit; n++) {
 *     if (found.every((p) => n % p !== 0)) found.push(n);
 *   }
 *   return found;
 * }, 1000);
 * ```
 * @throws {TypeError} when `fn` is not a function that can travel as source
 *   (at the call); when the job starts, for an argument that cannot be cloned
 * @throws {RuntimeError} where the platform has no worker threads (workerd)
 */
export function toThread<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Operation<Awaited<R>> {
  if (typeof fn !== "function") throw new TypeError(`toThread() needs a function to run, got ${describe(fn)}`);
  _functionSource(fn, "toThread()");
  const pool = _defaultPool("toThread()");
  return {
    *[Symbol.iterator]() {
      return (yield* pool._submit(getRunningLoop(), fn, args, "toThread()")) as Awaited<R>;
    },
  };
}
