/**
 * `asCompleted(aws)`: results in the order they complete
 * (asyncio.as_completed, plain iteration).
 *
 * @module
 */

import { TimeoutError } from "./errors.ts";
import { ensureFuture } from "./ensure_future.ts";
import { Future, WaitingFuture } from "./future.ts";
import { type Awaitable, describe, isCoroutine, type Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";

/** Options for {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /** After this many ms, each operation not yet answered throws TimeoutError. */
  timeout?: number | null;
}

/**
 * Starts `aws` (coroutines become tasks) and returns one operation per
 * input; the i-th one to be run yields the i-th result to arrive (or throws
 * its error). With a timeout, the operations still waiting when it passes
 * throw TimeoutError.
 *
 * @example
 * ```ts
 * for (const next of asCompleted([a(), b(), c()])) {
 *   const first = yield* next;
 * }
 * ```
 * @throws {TypeError} when `aws` is a single future or coroutine instead of an iterable
 */
export function asCompleted<T>(
  aws: Iterable<Awaitable<T>>,
  options: AsCompletedOptions = {},
): IterableIterator<Operation<T>> {
  if (aws instanceof Future || isCoroutine(aws)) {
    throw new TypeError(`asCompleted() expects an iterable of awaitables, not ${describe(aws)}`);
  }
  if (aws === null || typeof (aws as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`asCompleted() expects an iterable of awaitables, got ${describe(aws)}`);
  }
  const { timeout = null } = options;
  if (timeout !== null && typeof timeout !== "number") {
    throw new TypeError(`asCompleted() timeout must be a number of ms or null, got ${describe(timeout)}`);
  }
  const loop = getRunningLoop();
  const todo = new Set<Future<T>>();
  for (const aw of new Set(aws)) todo.add(ensureFuture(aw, { loop }));
  // Completed futures (null: the timeout passed) not yet handed out, and the operations waiting for one.
  const done: (Future<T> | null)[] = [];
  const waiters: Future<Future<T> | null>[] = [];
  const deliver = (f: Future<T> | null) => {
    const waiter = waiters.shift();
    if (waiter === undefined) done.push(f);
    else waiter.setResult(f);
  };
  let timer: { cancel(): void } | null = null;
  const onCompletion = (f: Future<T>) => {
    if (todo.size === 0) return; // the timeout came first
    todo.delete(f);
    deliver(f);
    if (todo.size === 0) timer?.cancel();
  };
  for (const f of todo) f.addDoneCallback(onCompletion);
  if (todo.size > 0 && timeout !== null) {
    timer = loop.callLater(timeout, () => {
      for (const f of todo) {
        f.removeDoneCallback(onCompletion);
        deliver(null);
      }
      todo.clear();
    });
  }

  let left = todo.size;
  function* next(): Generator<unknown, T, unknown> {
    let f: Future<T> | null;
    if (done.length > 0) {
      f = done.shift()!;
    } else {
      const waiter = new WaitingFuture<Future<T> | null>(loop, "asCompleted", todo);
      waiters.push(waiter);
      try {
        f = yield* waiter;
      } catch (error) {
        // Cancelled while waiting: give up the place in line.
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        else if (waiter.done() && !waiter.cancelled()) done.unshift(waiter.result());
        throw error;
      }
    }
    if (f === null) throw new TimeoutError("asCompleted() timed out");
    return f.result();
  }
  const iterator: IterableIterator<Operation<T>> = {
    next() {
      if (left === 0) return { done: true, value: undefined };
      left--;
      return { done: false, value: { [Symbol.iterator]: next } };
    },
    [Symbol.iterator]() {
      return this;
    },
  };
  return iterator;
}
