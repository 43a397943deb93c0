/**
 * `taskGroup(body)`: structured concurrency (asyncio.TaskGroup, 3.13).
 * The group waits for every child; the first child failure cancels the
 * other children and the body, and the group throws an ExceptionGroup of
 * the errors that are not cancellations.
 *
 * Ground rules
 * - The group cancels its parent task at most once, for its own abort, and
 *   takes that request back with `uncancel()` when it exits, so only a
 *   cancellation from outside leaves the group as CancelledError.
 * - Leaving the group always means every child is done.
 *
 * @module
 */

import { CancelledError, ExceptionGroup, RuntimeError } from "./errors.ts";
import type { Future } from "./future.ts";
import type { Loop } from "./loop.ts";
import { type Awaitable, type Coroutine, describe, type Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { currentTask, type Task, type TaskOptions } from "./task.ts";

/** The handle a taskGroup body gets: create children with it. */
export class TaskGroup {
  #entered = false;
  #exiting = false;
  #aborting = false;
  #loop: Loop | null = null;
  #parent: Task<unknown> | null = null;
  #parentCancelRequested = false;
  #tasks = new Set<Task<unknown>>();
  #errors: unknown[] = [];
  #onCompleted: Future<boolean> | null = null;

  constructor() {
    keepTaskGroupShapes(new.target);
  }

  /**
   * Starts `coro` as a child task of the group.
   *
   * @throws {RuntimeError} when the group has not started, is shutting down or has finished
   */
  createTask<T>(coro: Awaitable<T> | Coroutine<T>, options: TaskOptions = {}): Task<T> {
    if (!this.#entered) throw new RuntimeError(`${this} has not been entered`);
    if (this.#exiting && this.#tasks.size === 0) throw new RuntimeError(`${this} is finished`);
    if (this.#aborting) throw new RuntimeError(`${this} is shutting down`);
    const task = this.#loop!.createTask(coro, options);
    if (task.done()) {
      this.#onTaskDone(task as Task<unknown>);
    } else {
      this.#tasks.add(task as Task<unknown>);
      task.addDoneCallback(this.#onTaskDone as (t: Future<T>) => void);
    }
    return task;
  }

  toString(): string {
    const state = this.#entered ? (this.#exiting ? " exiting" : " entered") : "";
    return `<TaskGroup tasks=${this.#tasks.size} errors=${this.#errors.length}${state}>`;
  }

  /** @internal */
  _enter(): void {
    if (this.#entered) throw new RuntimeError(`${this} has already been entered`);
    this.#loop = getRunningLoop();
    this.#parent = currentTask(this.#loop);
    if (this.#parent === null) throw new RuntimeError(`${this} cannot determine the parent task`);
    this.#entered = true;
    // What formatTaskTree() follows from a child task to its group (and so to the parent).
    (this.#onTaskDone as GroupDoneCallback)._taskGroup = this;
  }

  /** @internal the task the group runs in, for formatTaskTree() */
  get _parentTask(): Task<unknown> | null {
    return this.#parent;
  }

  /** @internal the children not done yet, in creation order, for formatTaskTree() */
  get _children(): ReadonlySet<Task<unknown>> {
    return this.#tasks;
  }

  /** @internal the future the parent waits on while the group exits (null otherwise), for formatTaskTree() */
  get _exitWaiter(): Future<boolean> | null {
    return this.#onCompleted;
  }

  /** @internal waits for the children; throws what leaves the group (or nothing) */
  *_exit(failed: boolean, error: unknown): Generator<unknown, void, unknown> {
    this.#exiting = true;
    let propagateCancellation: unknown = failed && error instanceof CancelledError ? error : null;
    if (failed && !this.#aborting) this.#abort();

    while (this.#tasks.size > 0) {
      this.#onCompleted ??= this.#loop!.createFuture<boolean>();
      try {
        yield* this.#onCompleted;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        if (!this.#aborting) {
          // The parent is being cancelled from outside while children run.
          propagateCancellation = e;
          this.#abort();
        }
      }
      this.#onCompleted = null;
    }

    const parent = this.#parent!;
    if (this.#parentCancelRequested && parent.uncancel() === 0) propagateCancellation = null;
    if (propagateCancellation !== null && this.#errors.length === 0) throw propagateCancellation;
    if (failed && !(error instanceof CancelledError)) this.#errors.push(error);
    if (this.#errors.length > 0) {
      // Keep an outside cancellation's count stable while raising our errors.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      const errors = this.#errors;
      this.#errors = [];
      throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
    }
    if (failed) throw error;
  }

  #abort(): void {
    this.#aborting = true;
    for (const task of this.#tasks) {
      if (!task.done()) task.cancel();
    }
  }

  readonly #onTaskDone = (task: Task<unknown>): void => {
    this.#tasks.delete(task);
    if (this.#onCompleted !== null && this.#tasks.size === 0 && !this.#onCompleted.done()) {
      this.#onCompleted.setResult(true);
    }
    if (task.cancelled()) return;
    const error = task.exception();
    if (error === null) return;
    this.#errors.push(error);
    const parent = this.#parent!;
    if (parent.done()) {
      this.#loop!.callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: error,
        task,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Interrupt whatever the body is waiting on; __aexit__ takes this back.
      this.#abort();
      this.#parentCancelRequested = true;
      parent.cancel();
    }
  };
}

/** A group's done callback on its children carries the group (see TaskGroup._enter). */
export interface GroupDoneCallback {
  (task: Task<unknown>): void;
  _taskGroup?: TaskGroup;
}

/**
 * Runs `body(tg)` and waits for every task it starts with `tg.createTask()`.
 * Returns the body's result once all children are done.
 *
 * @example
 * ```ts
 * yield* taskGroup(function* (tg) {
 *   tg.createTask(fetchUser(1));
 *   tg.createTask(fetchUser(2));
 * }); // both done here
 * ```
 * @throws {ExceptionGroup} of the children's (and the body's) errors
 */
export function taskGroup<T>(body: (tg: TaskGroup) => Operation<T>): Operation<T> {
  if (typeof body !== "function") {
    throw new TypeError(`taskGroup() needs a body: a function* (tg) => ..., got ${describe(body)}`);
  }
  return {
    *[Symbol.iterator]() {
      const tg = new TaskGroup();
      tg._enter();
      let result: T;
      try {
        result = yield* body(tg);
      } catch (error) {
        yield* tg._exit(true, error);
        throw error; // unreachable: _exit rethrows
      }
      yield* tg._exit(false, undefined);
      return result;
    },
  };
}

/** Keeps a TaskGroup for its hidden classes (see _shape_keepers.ts): ours only, never a program's subclass. */
function keepTaskGroupShapes(kind: typeof TaskGroup): void {
  if (kind === TaskGroup) keepShapes(TaskGroup, () => new TaskGroup());
}
