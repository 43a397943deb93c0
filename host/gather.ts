/**
 * `gather(aws)`: run awaitables concurrently and collect their results in
 * input order (asyncio.gather).
 *
 * @module
 */

import { ensureFuture, type EnsureFutureOptions } from "./ensure_future.ts";
import { Future } from "./future.ts";
import type { Loop } from "./loop.ts";
import { type Awaitable, isCoroutine, type Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";

/** Options for {@linkcode gather}. */
export interface GatherOptions {
  /** Put errors (and CancelledErrors) in the results instead of failing at the first one. */
  returnExceptions?: boolean;
}

/** The result type of one awaitable. */
export type Awaited_<A> = A extends Operation<infer R> ? R : A extends PromiseLike<infer R> ? R : never;

/** The results of `gather(aws)`, position by position. */
export type GatherResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited_<T[K]> };

/** The results of `gather(aws, { returnExceptions: true })`: each a value or what its awaitable threw. */
export type GatherSettled<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited_<T[K]> | Error };

/**
 * Runs `aws` concurrently (coroutines become tasks) and returns a future of
 * their results in input order. The first error fails the gather while the
 * others keep running; with `returnExceptions`, errors are results instead.
 * Cancelling the gather cancels every child; a cancelled child counts as a
 * CancelledError.
 *
 * @example
 * ```ts
 * const [a, b] = yield* gather([fetchA(), fetchB()]);
 * ```
 */
export function gather<const T extends readonly Awaitable<unknown>[]>(
  aws: T,
  options?: GatherOptions & { returnExceptions?: false },
): Future<GatherResults<T>>;
export function gather<const T extends readonly Awaitable<unknown>[]>(
  aws: T,
  options: GatherOptions & { returnExceptions: true },
): Future<GatherSettled<T>>;
export function gather(aws: Iterable<Awaitable<unknown>>, options?: GatherOptions): Future<unknown[]>;
export function gather(aws: Iterable<Awaitable<unknown>>, options: GatherOptions = {}): Future<unknown[]> {
  if (aws === null || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== "function" || aws instanceof Future) {
    throw new TypeError("gather() needs an array (or iterable) of awaitables: gather([a, b])");
  }
  if (isCoroutine(aws)) {
    // asyncio's gather(a, b) habit: iterating a coroutine would run it as a list.
    throw new TypeError("gather() takes one array of awaitables, got a coroutine: write gather([a, b])");
  }
  const returnExceptions = options.returnExceptions === true;
  const inputs: unknown[] = [...aws];
  // The loop below puts each input's child in its place: by then `inputs` is the children, in input order.
  const children = inputs as Future<unknown>[];
  if (inputs.length === 0) {
    const empty = getRunningLoop().createFuture<unknown[]>();
    empty.setResult([]);
    return empty;
  }

  const alreadyDone: Future<unknown>[] = [];
  let loop: Loop | undefined;
  let outer: GatheringFuture | null = null;
  let finished = 0;
  let distinct = 0;

  const onChildDone = (child: Future<unknown>): void => {
    finished++;
    if (outer === null || outer.done()) {
      if (!child.cancelled()) child.exception(); // retrieved: the gather has settled already
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        outer.setException(child._makeCancelledError());
        return;
      }
      const error = child.exception();
      if (error !== null) {
        outer.setException(error);
        return;
      }
    }
    if (finished < distinct) return;
    const results = children.map((c) => {
      if (c.cancelled()) return c._makeCancelledError();
      const error = c.exception();
      return error !== null ? error : c.result();
    });
    if (outer._cancelRequested) {
      // Cancelling the gather propagates even with returnExceptions.
      outer.setException(child._makeCancelledError());
    } else {
      outer.setResult(results);
    }
  };

  // asyncio de-duplicates the inputs with a dict. Futures and tasks (the
  // common case) need no map: one already in this gather has onChildDone
  // among its waiters, or is in the done set. Other inputs (coroutines)
  // become new tasks, keyed in a map made on first need.
  let byInput: Map<unknown, Future<unknown>> | undefined;
  let doneSet: Set<Future<unknown>> | undefined;
  // `loop` from the start: added later, it made a map that died with each
  // gather, and a full GC between gathers deoptimized this function.
  const loopOption: EnsureFutureOptions = { loop: undefined };
  // Each input's place in `inputs` (gather's own copy) takes its child, so
  // the children cost no array of their own (W1: 100,000 per gather).
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    let child: Future<unknown>;
    if (input instanceof Future) {
      child = input;
      if (waitsWith(child, onChildDone) || doneSet?.has(child)) continue;
    } else {
      byInput ??= new Map();
      const known = byInput.get(input);
      if (known !== undefined) {
        inputs[i] = known;
        continue;
      }
      child = ensureFuture(input as Awaitable<unknown>, loopOption);
      byInput.set(input, child);
    }
    if (loop === undefined) loop = loopOption.loop = child._loop;
    distinct++;
    if (child.done()) {
      alreadyDone.push(child);
      (doneSet ??= new Set()).add(child);
    } else {
      child.addDoneCallback(onChildDone);
    }
    inputs[i] = child;
  }
  outer = new GatheringFuture(loop!, children);
  for (const child of alreadyDone) onChildDone(child);
  return outer;
}

/**
 * @internal An empty gather's future, made the way every gather makes its
 * own: a closed loop keeps one so the engine keeps their hidden classes (see
 * Loop.close()). Keeping a real one would keep its children and results.
 */
export function gatheringShapeKeeper(loop: Loop): Future<unknown[]> {
  return new GatheringFuture(loop, []);
}

/** True if `fn` is among `future`'s done callbacks. */
function waitsWith(future: Future<unknown>, fn: unknown): boolean {
  const waiters = future._waiters;
  return waiters === fn || (Array.isArray(waiters) && waiters.includes(fn as never));
}

/** The future gather() returns: cancelling it cancels the children. */
class GatheringFuture extends Future<unknown[]> {
  readonly #children: Future<unknown>[];
  /** @internal */ _cancelRequested = false;

  constructor(loop: Loop, children: Future<unknown>[]) {
    super({ loop });
    this.#children = children;
  }

  /** @internal what formatTaskTree() calls this wait */
  get _awaitKind(): string {
    return "gather";
  }

  /** @internal what the gather waits for, for formatTaskTree() */
  _awaited(): readonly Future<unknown>[] {
    return this.#children;
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this.#children) {
      if (child.cancel(msg)) cancelled = true;
    }
    if (cancelled) this._cancelRequested = true;
    return cancelled;
  }
}
