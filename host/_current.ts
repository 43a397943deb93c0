/**
 * The task a primitive's operation runs in, for joining wait lines.
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import { getRunningLoop } from "./_running.ts";
import type { Task } from "./task.ts";

/** The running task; waiting primitives can only be waited on from a task. */
export function runningTask(what: string): Task<unknown> {
  const task = getRunningLoop()._current;
  if (task === null) throw new RuntimeError(`${what} must be waited on from inside a task (yield* it in a coroutine)`);
  return task;
}
