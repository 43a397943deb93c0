/**
 * `Task<T>`: a coroutine driven by the loop (asyncio.Task). This file holds
 * the only code in spindle that resumes a coroutine: `Task._run`.
 *
 * Ground rules
 * - A task owns one core slot from creation until its coroutine ends; the
 *   core tracks its scheduling state, the task its outcome.
 * - A coroutine talks to its task only by what it yields:
 *   `undefined` or a sleep of 0 ms → run again next iteration;
 *   a sleep (SLEEP_MARK, or a `SleepOp`: see sleep.ts) → run again when
 *   the core's timer fires;
 *   a `WaitOp` → join that wait line in the core (a lock, a queue...) and
 *   run again when woken from it;
 *   a `Future` → run again when it is done (its result is sent in, or its
 *   exception thrown in); a thenable → wrapped in a future, same.
 *   Anything else is thrown back into the coroutine as a TypeError.
 * - Cancellation throws CancelledError into the coroutine at its current
 *   yield (never `generator.return()`), so `finally` blocks may `yield*`.
 *
 * @module
 */

import { KIND_TASK, OP_FINISH, OP_FINISH_CANCELLED, OP_START, OP_SUSPEND } from "./_core.ts";
import { CancelledError, makeCancelledError, RuntimeError } from "./errors.ts";
import { CANCELLED, FAILED, FINISHED, Future, PENDING } from "./future.ts";
import type { Loop } from "./loop.ts";
import {
  type Awaitable,
  type Coroutine,
  describe,
  generatorNext,
  generatorThrow,
  isNativeGenerator,
  isThenable,
} from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { SLEEP_DONE, SLEEP_MARK, SleepOp, takeHandedMs } from "./sleep.ts";
import { WAIT_DONE, type WaitList, WaitOp } from "./_wait_list.ts";

/** Options for creating a task. */
export interface TaskOptions {
  /** The task's name (default "Task-N"). */
  name?: string;
}

/** Options the loop passes when it constructs a task (task factories get them too). */
export interface TaskConstructorOptions extends TaskOptions {
  loop: Loop;
  /** Run the first step now, inside the constructor, if the loop is running (eager task). */
  eagerStart?: boolean;
}

// Task._flags bits.
/** The coroutine is a plain `function*` generator, resumed through the built-in methods. */
const F_NATIVE = 1;
/** The task waits on its own core timer (a sleep). */
export const F_SLEEPING = 2;
/** A cancellation is pending: the next step throws CancelledError (asyncio's _must_cancel). */
const F_MUST_CANCEL = 4;
/** Woken from a wait line and not yet resumed (see WaitList.resumed). */
export const F_WOKEN = 8;
/** `_value` holds an error to throw in, not a value to send (see the fields). */
const F_THROW = 16;
/** Woken by a queue that holds an item (or a place) for it until it runs (see queue.ts). */
export const F_RESERVED = 32;

let taskCounter = 0;

/**
 * A coroutine scheduled on a loop. Create it with `createTask()`.
 *
 * @example
 * ```ts
 * const t = createTask(sayAfter(1000, "hello"), { name: "greeter" });
 * yield* t; // waits for it
 * ```
 */
export class Task<T = unknown> extends Future<T> {
  // Few fields, because every live task pays for each (8 bytes on Node 20):
  // booleans share `_flags`, what only cancellation and debugging need lives
  // in a TaskCold that also takes over the name, and one slot holds either
  // the future or the line waited on.
  // While the task is pending, Future's `_value` (its outcome, once done)
  // holds what the next step sends in, or throws in when F_THROW is set.
  /** @internal */ _coro: Coroutine<T>;
  /** @internal core slot and its generation */ _slot: number;
  /** @internal */ _gen: number;
  /**
   * @internal The name (a string, or the N of a default "Task-N" made on
   * demand) or, once cancellation or debug mode needed it, the TaskCold
   * that holds the name: a task that is never cancelled pays one field.
   */
  _meta: string | number | TaskCold;
  /** @internal the future (asyncio's _fut_waiter) or wait line this task waits on */ _waitingOn:
    | Future<unknown>
    | WaitList
    | null = null;
  /** @internal F_* bits */ _flags: number;

  constructor(coro: Coroutine<T>, options: TaskConstructorOptions) {
    const loop = options.loop;
    super(options); // carries the loop; no second options object per task
    // A coroutine object given to a second task is not detected (asyncio's
    // "cannot reuse already awaited coroutine"): marking each coroutine in a
    // WeakSet or with a property made task creation 1.4-2.8x slower (W1).
    this._flags = isNativeGenerator(coro) ? F_NATIVE : 0;
    this._coro = coro;
    const shapeOnly = coro === SHAPE_KEEPER_COROUTINE;
    this._meta = options.name !== undefined ? String(options.name) : shapeOnly ? 0 : ++taskCounter;
    if (shapeOnly) {
      // Never runs, holds no slot and takes no number: see SHAPE_KEEPER_COROUTINE.
      this._slot = 0;
      this._gen = 0;
      this._state = FINISHED;
      return;
    }
    this._slot = loop._core.alloc(KIND_TASK);
    this._gen = loop._core.allocGen();
    loop._objects[this._slot] = this;
    if (loop._debug) this._coldState().sourceStack = new Error().stack;
    if (loop._tracer !== null) loop._tracer._taskCreated(this as Task<unknown>);
    if (options.eagerStart && loop.isRunning()) {
      loop._core.command(OP_START, this._slot, this._gen);
      if (loop._debug || loop._tracer !== null) loop._runObserved(this);
      else this._run();
    } else {
      loop._scheduleSlot(this._slot, this._gen);
    }
  }

  /** The task's name. */
  getName(): string {
    const meta = this._meta;
    if (typeof meta === "object") {
      const name = meta.name;
      return typeof name === "string" ? name : (meta.name = `Task-${name}`);
    }
    return typeof meta === "string" ? meta : (this._meta = `Task-${meta}`);
  }

  /** Renames the task. */
  setName(name: unknown): void {
    const meta = this._meta;
    if (typeof meta === "object") meta.name = String(name);
    else this._meta = String(name);
  }

  /** The coroutine the task runs. */
  getCoro(): Coroutine<T> {
    return this._coro;
  }

  /** Aborted (with a CancelledError reason) when cancellation of this task is requested. */
  get signal(): AbortSignal {
    const cold = this._coldState();
    if (cold.abort === null) {
      cold.abort = new AbortController();
      if (cold.cancelsRequested > 0) cold.abort.abort(makeCancelledError(cold.cancelMessage));
    }
    return cold.abort.signal;
  }

  /**
   * Requests cancellation: CancelledError is thrown into the coroutine at
   * its current yield (or first step). Returns false if the task is done.
   */
  override cancel(msg?: string): boolean {
    if (this._state !== PENDING) {
      if (this._state === FAILED) this._loop._retrieved(this); // asyncio: cancel() silences the report
      return false;
    }
    const cold = this._coldState();
    cold.cancelsRequested++;
    cold.cancelMessage = msg;
    if (cold.abort !== null && !cold.abort.signal.aborted) cold.abort.abort(makeCancelledError(msg));
    // As asyncio: cancel what the task waits on if that succeeds (the
    // CancelledError then comes from there), else cancel at the next step.
    const waitingOn = this._waitingOn;
    if (waitingOn instanceof Future) {
      if (waitingOn.cancel(msg)) return true;
    } else if (waitingOn !== null) {
      waitingOn._remove(this as Task<unknown>);
      this._throwNextStep(makeCancelledError(msg));
      return true;
    } else if (this._flags & F_SLEEPING) {
      this._flags &= ~F_SLEEPING;
      if (this._loop._wakeSleeper(this as Task<unknown>)) {
        this._throwNextStep(makeCancelledError(msg));
        return true;
      }
    }
    this._flags |= F_MUST_CANCEL;
    return true;
  }

  /** How many cancellation requests are pending (cancel() calls minus uncancel() calls). */
  cancelling(): number {
    return this._cold()?.cancelsRequested ?? 0;
  }

  /** Takes back one cancellation request; returns how many remain. */
  uncancel(): number {
    const cold = this._cold();
    if (cold === null) return 0;
    if (cold.cancelsRequested > 0) {
      cold.cancelsRequested--;
      if (cold.cancelsRequested === 0) this._flags &= ~F_MUST_CANCEL;
    }
    return cold.cancelsRequested;
  }

  /** @throws {RuntimeError} always: a task's result comes from its coroutine */
  override setResult(_value: T): never {
    throw new RuntimeError("Task does not support setResult(): a task's result is its coroutine's return value");
  }

  /** @throws {RuntimeError} always: a task's exception comes from its coroutine */
  override setException(_error: unknown): never {
    throw new RuntimeError("Task does not support setException(): a task fails when its coroutine throws");
  }

  override toString(): string {
    const state = this._state === PENDING ? "pending" : this._state === CANCELLED ? "cancelled" : "finished";
    return `<Task ${state} name=${JSON.stringify(this.getName())}${this._describeOutcome()}>`;
  }

  /** @internal the creation stack kept in debug mode */
  get _sourceStack(): string | undefined {
    return this._cold()?.sourceStack;
  }

  /** @internal the cold part of the task's state, made on first need */
  _coldState(): TaskCold {
    const meta = this._meta;
    if (typeof meta === "object") return meta;
    const cold = { name: meta, cancelMessage: undefined, cancelsRequested: 0, abort: null, sourceStack: undefined };
    this._meta = cold;
    return cold;
  }

  /** @internal the cold part of the task's state, or null if nothing needed it yet */
  _cold(): TaskCold | null {
    const meta = this._meta;
    return typeof meta === "object" ? meta : null;
  }

  /** @internal the next step throws `error` into the coroutine */
  _throwNextStep(error: unknown): void {
    this._value = error;
    this._flags |= F_THROW;
  }

  /** @internal the CancelledError for this task's own pending cancellation */
  _makeCancelledErrorForTask(): CancelledError {
    return makeCancelledError(this._cold()?.cancelMessage);
  }

  /** @internal the coroutine yielded a sleep of `ms`: run again when its timer fires (next iteration for 0) */
  _sleep(ms: number): void {
    this._value = SLEEP_DONE;
    const loop = this._loop;
    if (this._flags & F_MUST_CANCEL) {
      this._cancelNow();
    } else if (ms > 0) {
      this._flags |= F_SLEEPING;
      loop._core.sleep(this._slot, this._gen, loop.time() + ms);
    } else {
      loop._scheduleSlot(this._slot, this._gen);
    }
  }

  /**
   * @internal Runs the coroutine to its next yield. Called by the loop for
   * each time the core hands out this task's slot, and once by the
   * constructor for an eager task. The only place a coroutine is resumed.
   */
  override _run(): void {
    // A finished task is in the ready queue only to run its done callbacks.
    if (this._state !== PENDING) return super._run();
    const loop = this._loop;
    const flags = this._flags;
    let resume = this._value; // pending: what to send in (see the fields)
    let throwing = false;
    this._value = undefined;
    // The common resumption (after sleep(0) or a wake-up from a line) has no
    // flag but F_NATIVE and no future to read: it skips all of this.
    if ((flags & ~F_NATIVE) !== 0 || this._waitingOn !== null) {
      throwing = (flags & F_THROW) !== 0;
      this._flags = flags & ~(F_THROW | F_SLEEPING | F_MUST_CANCEL);
      const waited = this._waitingOn;
      if (waited !== null) {
        this._waitingOn = null; // a line's waiter was unlinked when woken; a future is done by now
        if (waited instanceof Future) {
          try {
            resume = waited.result();
          } catch (e) {
            resume = e;
            throwing = true;
          }
        }
      }
      if (flags & F_MUST_CANCEL && !(throwing && resume instanceof CancelledError)) {
        resume = this._makeCancelledErrorForTask();
        throwing = true;
      }
    }

    const previous = loop._current;
    loop._current = this as Task<unknown>;
    let step: IteratorResult<unknown, T>;
    try {
      const coro = this._coro;
      if (flags & F_NATIVE) {
        step = (throwing ? generatorThrow.call(coro, resume) : generatorNext.call(coro, resume)) as IteratorResult<
          unknown,
          T
        >;
      } else {
        step = throwing ? coro.throw(resume) : coro.next(resume);
      }
    } catch (thrown) {
      loop._current = previous;
      if (thrown instanceof CancelledError) this._end(CANCELLED, thrown);
      else this._end(FAILED, thrown);
      return;
    }
    loop._current = previous;

    if (step.done) {
      if (this._flags & F_MUST_CANCEL) {
        // Cancelled during the last step, and the coroutine returned anyway.
        this._flags &= ~F_MUST_CANCEL;
        this._end(CANCELLED, this._cold()?.cancelMessage);
      } else {
        this._end(FINISHED, step.value);
      }
      return;
    }

    const yielded = step.value;
    if (yielded === SLEEP_MARK) {
      this._sleep(takeHandedMs());
    } else if (yielded instanceof SleepOp) {
      this._sleep(yielded.ms);
    } else if (yielded instanceof WaitOp) {
      this._value = WAIT_DONE;
      const line = yielded.line;
      if (line.loop !== null && line.loop !== loop) {
        this._throwNextStep(
          new RuntimeError(`${line.owner} is bound to a different event loop: use it from one loop only`),
        );
        loop._scheduleSlot(this._slot, this._gen);
      } else if (this._flags & F_MUST_CANCEL) {
        this._cancelNow();
      } else {
        this._waitingOn = line;
        line._join(this as Task<unknown>);
      }
    } else if (yielded === undefined) {
      loop._scheduleSlot(this._slot, this._gen);
    } else if (yielded instanceof Future) {
      this._waitOn(yielded);
    } else if (isThenable(yielded)) {
      this._waitOn(loop._wrapThenable(yielded, undefined));
    } else {
      this._throwNextStep(
        new TypeError(
          `Task ${JSON.stringify(this.getName())} got bad yield: ${describe(yielded)}. ` +
            "Use yield* with an Operation (sleep(), a Future, a Task, a coroutine), or yield a Future or a thenable",
        ),
      );
      loop._scheduleSlot(this._slot, this._gen);
    }
  }

  /**
   * @internal a cancellation is pending as the task starts to wait: the wait
   * is cancelled at once (asyncio cancels the fresh waiter future), so the
   * CancelledError arrives at the next step even if uncancel() is called.
   */
  _cancelNow(): void {
    this._flags &= ~F_MUST_CANCEL;
    this._throwNextStep(this._makeCancelledErrorForTask());
    this._loop._scheduleSlot(this._slot, this._gen);
  }

  /** @internal suspends on `future` */
  _waitOn(future: Future<unknown>): void {
    const loop = this._loop;
    if (future._loop !== loop) {
      this._throwNextStep(
        new RuntimeError(
          `Task ${JSON.stringify(this.getName())} got ${future} attached to a different loop: ` +
            "create futures on the loop that awaits them",
        ),
      );
      loop._scheduleSlot(this._slot, this._gen);
      return;
    }
    if (future === this) {
      this._throwNextStep(new RuntimeError(`Task cannot await on itself: ${this}. Await another task or future`));
      loop._scheduleSlot(this._slot, this._gen);
      return;
    }
    loop._core.command(OP_SUSPEND, this._slot, this._gen);
    this._waitingOn = future;
    if (future._state !== PENDING) loop._wakeTask(this as Task<unknown>);
    else future._addWaiter(this as Task<unknown>);
    if (this._flags & F_MUST_CANCEL && future.cancel(this._cold()?.cancelMessage)) this._flags &= ~F_MUST_CANCEL;
  }

  /** @internal the coroutine ended: complete as a future, and free the slot or make it the callbacks' entry */
  _end(state: typeof FINISHED | typeof FAILED | typeof CANCELLED, value: unknown): void {
    const loop = this._loop;
    this._state = state;
    this._value = value;
    if (state === FAILED) loop._failed(this);
    const waiters = this._waiters;
    if (waiters !== null && (typeof waiters === "function" || (Array.isArray(waiters) && waiters.every(isCallback)))) {
      // Only done callbacks (gather's, a TaskGroup's...): the core turns the
      // task's slot into their entry at the ready ring's tail, where
      // _scheduleCallbacks() would put a new one, and it runs them through
      // Future._run (_waiters keeps them). One command instead of a slot
      // taken by a call into the core and a second command.
      loop._core.finishNotify(this._slot, this._gen, state === CANCELLED);
      loop._afterWake();
      return;
    }
    loop._core.command(state === CANCELLED ? OP_FINISH_CANCELLED : OP_FINISH, this._slot, this._gen);
    loop._objects[this._slot] = undefined;
    this._scheduleCallbacks();
  }
}

/**
 * @internal A finished generator. A task made with it, with the options a
 * loop gives unnamed tasks, is finished at once, never runs, holds no slot
 * and takes no number: a closed loop keeps one so the engine keeps the hidden
 * classes every task shares (see Loop.close()). A real task would keep the
 * program's objects.
 */
export const SHAPE_KEEPER_COROUTINE: Coroutine<unknown> = (function* () {})();
SHAPE_KEEPER_COROUTINE.next();

/** True for a done callback among a future's waiters (the others are tasks to wake). */
function isCallback(waiter: unknown): boolean {
  return typeof waiter === "function";
}

/** What only cancellation and debug mode need: kept off the common task. */
interface TaskCold {
  /** The task's name, moved here from `_meta` (see there). */
  name: string | number;
  cancelMessage: string | undefined;
  cancelsRequested: number;
  abort: AbortController | null;
  sourceStack: string | undefined;
}

/**
 * Schedules `coro` as a task on the running loop (any awaitable is wrapped).
 *
 * @throws {RuntimeError} outside a loop
 * @throws {TypeError} when `coro` is not awaitable
 */
export function createTask<T>(coro: Awaitable<T> | Coroutine<T>, options?: TaskOptions): Task<T> {
  return getRunningLoop().createTask(coro, options);
}

/** The task running now on `loop` (default: the running loop), or null in a plain callback. */
export function currentTask(loop?: Loop): Task<unknown> | null {
  return (loop ?? getRunningLoop())._current;
}

/** The tasks of `loop` (default: the running loop) that are not done. */
export function allTasks(loop?: Loop): Set<Task<unknown>> {
  return (loop ?? getRunningLoop())._allTasks();
}

/**
 * A task factory whose tasks run their first step at once, inside
 * createTask, when the loop is running (asyncio.eager_task_factory, 3.12).
 * A coroutine that finishes without waiting is never scheduled.
 *
 * @example
 * ```ts
 * getRunningLoop().setTaskFactory(eagerTaskFactory);
 * ```
 */
export function eagerTaskFactory<T>(loop: Loop, coro: Coroutine<T>, options: TaskOptions): Task<T> {
  return new Task(coro, { ...options, loop, eagerStart: true });
}
