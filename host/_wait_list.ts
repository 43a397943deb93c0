/**
 * A FIFO line of tasks kept in the core (assembly/waitlists.ts), the
 * building block of every synchronisation primitive and queue.
 *
 * Ground rules
 * - Only tasks wait in a line: a coroutine joins by yielding the line's
 *   `op`; its task links itself into the core's list and sleeps.
 * - Waking takes tasks from the head; a cancelled task leaves from
 *   wherever it stands (O(1), in the core) and is woken with CancelledError.
 * - A woken task stays counted in `woken` until it resumes, because until
 *   then it still holds its place: asyncio keeps a woken waiter's future in
 *   the deque until the waiter runs. Primitives use queued + woken as
 *   asyncio uses `len(waiters)`, which is what forbids barging.
 * - The core frees an empty list; `queued` mirrors its count exactly, so
 *   the handle is dropped at the same moment.
 * - A line binds to the loop of its first waiter (asyncio's loop-bound
 *   primitives); a task of another loop that tries to wait gets a
 *   RuntimeError thrown into its coroutine (see Task._run).
 *
 * @module
 */

import type { Loop } from "./loop.ts";
import type { Operation } from "./operation.ts";
import { F_WOKEN, type Task } from "./task.ts";
import { checkOperationReuse, runningTask, SPENT } from "./_current.ts";

/** What a task sends into a wait op when it resumes it normally. */
export const WAIT_DONE: unique symbol = Symbol("spindle.waitDone");

const DONE: IteratorResult<unknown, void> = Object.freeze({ done: true, value: undefined });

/** The value a coroutine yields to join a line; stateless, so one per line. */
export class WaitOp implements Operation<void>, Iterator<unknown, void, unknown> {
  readonly line: WaitList;
  readonly #yielded: IteratorResult<unknown, void>;

  constructor(line: WaitList) {
    this.line = line;
    this.#yielded = { done: false, value: this };
  }

  next(sent?: unknown): IteratorResult<unknown, void> {
    return sent === WAIT_DONE ? DONE : this.#yielded;
  }

  throw(error?: unknown): IteratorResult<unknown, void> {
    throw error;
  }

  return(): IteratorResult<unknown, void> {
    return DONE;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** One line of waiting tasks. */
export class WaitList {
  /** The loop the line is bound to (set by its first waiter). */
  loop: Loop | null = null;
  /** Tasks in the core's line. */
  queued = 0;
  /** Tasks woken from the line that have not resumed yet. */
  woken = 0;
  /** `yield* line.op` joins the line. */
  readonly op: WaitOp = new WaitOp(this);
  /** The primitive the line belongs to, for messages. */
  readonly owner: { toString(): string };
  /** What waiting in this line is, for formatTaskTree() and traces ("Lock.acquire", "Queue.get"...). */
  readonly label: string;
  #index = 0;
  #gen = 0;

  constructor(owner: { toString(): string }, label: string) {
    this.owner = owner;
    this.label = label;
  }

  /** queued + woken: waiters that still hold a place (asyncio's len(waiters)). */
  get size(): number {
    return this.queued + this.woken;
  }

  /**
   * Wakes the task at the head of the line; returns it, or null when the
   * line is empty. The task counts in `woken` until it resumes.
   */
  wakeFirst(): Task<unknown> | null {
    if (this.queued === 0) return null;
    const loop = this.loop!;
    const slot = loop._core.wakeFirst(this.#index, this.#gen);
    this.#left();
    const task = loop._objects[slot] as Task<unknown>;
    task._waitingOn = null;
    task._flags |= F_WOKEN;
    this.woken++;
    loop._afterWake();
    return task;
  }

  /** Wakes every task in the line, in order; returns how many. */
  wakeAll(): number {
    let n = 0;
    while (this.wakeFirst() !== null) n++;
    return n;
  }

  /**
   * Called by a waiter when it resumes (normally or by cancellation): true
   * if it had been woken from the line (and so held a place until now).
   */
  resumed(task: Task<unknown>): boolean {
    if (!(task._flags & F_WOKEN)) return false;
    task._flags &= ~F_WOKEN;
    this.woken--;
    return true;
  }

  /** @internal a task yielded `op`: link it at the tail */
  _join(task: Task<unknown>): void {
    const loop = task._loop;
    this.loop = loop; // bound on first use; Task._run refuses waiters from another loop
    const core = loop._core;
    if (this.queued === 0) {
      this.#index = core.listAlloc();
      this.#gen = core.listGen();
    }
    core.waitIn(task._slot, task._gen, this.#index, this.#gen);
    this.queued++;
  }

  /** @internal a queued task was cancelled: take it out of the line, ready to receive CancelledError */
  _remove(task: Task<unknown>): void {
    const loop = task._loop;
    loop._core.removeWaiter(task._slot, task._gen);
    this.#left();
    task._waitingOn = null;
    loop._afterWake();
  }

  #left(): void {
    if (--this.queued === 0) this.#index = 0; // the core freed the list
  }
}

/** A primitive whose acquire() waits in a line: Lock and Semaphore. */
export interface Acquirable {
  /** Takes the resource if it is free and nobody is in line: the finished result, else null. */
  _tryAcquire(): IteratorResult<unknown, Disposable> | null;
  /** The line to wait in. */
  readonly _line: WaitList;
  /** A waiter resumed: `taking` if woken normally, false when it leaves with an error. */
  _resumed(task: Task<unknown>, taking: boolean): IteratorResult<unknown, Disposable>;
  /** A finished acquire() operation, handed out by the next acquire(). */
  _spareAcquire: AcquireOp | null;
}

/**
 * The operation acquire() returns: an iterator instead of a generator, so
 * taking a free resource needs no generator frame, and once finished the
 * primitive hands the same object out again (see checkOperationReuse).
 */
export class AcquireOp implements Operation<Disposable>, Iterator<unknown, Disposable, unknown> {
  readonly #target: Acquirable;
  readonly #what: string;
  /** The task waiting in the line with this operation, or SPENT once finished. */
  #task: Task<unknown> | typeof SPENT | null = null;

  private constructor(target: Acquirable, what: string) {
    this.#target = target;
    this.#what = what;
  }

  /** The operation for one acquire() of `target`: its spare one, or a new one. */
  static of(target: Acquirable, what: string): AcquireOp {
    const op = target._spareAcquire;
    if (op === null) return new AcquireOp(target, what);
    target._spareAcquire = null;
    op.#task = null;
    return op;
  }

  next(): IteratorResult<unknown, Disposable> {
    const target = this.#target;
    const task = this.#task;
    let result: IteratorResult<unknown, Disposable> | null;
    if (task !== null) {
      result = target._resumed(checkOperationReuse(this.#what, task), true);
    } else {
      result = target._tryAcquire();
      if (result === null) {
        this.#task = runningTask(this.#what);
        return target._line.op.next() as IteratorResult<unknown, Disposable>;
      }
    }
    this.#task = SPENT;
    target._spareAcquire = this;
    return result;
  }

  throw(error?: unknown): IteratorResult<unknown, Disposable> {
    // Not taking the resource after all: the primitive passes the turn on.
    const task = this.#task;
    if (task !== null && task !== SPENT) {
      checkOperationReuse(this.#what, task); // before anything changes: a wrong task leaves it as it was
      this.#task = null;
      this.#target._resumed(task, false);
    }
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, Disposable> {
    return { done: true, value: value as Disposable };
  }

  [Symbol.iterator](): this {
    return this;
  }
}
