/**
 * The task a primitive's operation runs in, for joining wait lines.
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import { _runningLoop, getRunningLoop } from "./_running.ts";
import type { Task } from "./task.ts";

/** The running task; waiting primitives can only be waited on from a task. */
export function runningTask(what: string): Task<unknown> {
  const task = getRunningLoop()._current;
  if (task === null) throw new RuntimeError(`${what} must be waited on from inside a task (yield* it in a coroutine)`);
  return task;
}

/** What a finished operation holds in place of its waiting task (see checkOperationReuse). */
export const SPENT: unique symbol = Symbol("spindle.spentOperation");

/**
 * Checks an operation object that is driven while it has a task: put(),
 * get() and acquire() hand out the same object again once it finished (it
 * saves an allocation per call), so a finished one must not be driven again
 * (asyncio: "cannot reuse already awaited coroutine"), and one that waits
 * belongs to the task that waits on it. Returns that task.
 *
 * @throws {RuntimeError} when the operation is spent, or waited on by another task than the running one
 */
export function checkOperationReuse(what: string, waiter: Task<unknown> | typeof SPENT): Task<unknown> {
  if (waiter === SPENT) {
    throw new RuntimeError(`${what} was already waited on: call it again for a new operation`);
  }
  if (_runningLoop()?._current !== waiter) {
    throw new RuntimeError(`${what} is being waited on by another task: each task must call it for its own operation`);
  }
  return waiter;
}
