/**
 * Until when a sleeping task sleeps, for formatTaskTree() and traces.
 *
 * Ground rules
 * - The deadline lives in the core's timer heap only: a sleeping task keeps
 *   no copy (every byte of a sleeping task counts), so it is asked of the
 *   core, which answers for the slot's armed timer.
 * - A task keeps F_SLEEPING from its sleep until its next step; between its
 *   timer firing and that step it has no timer left, and is ready.
 *
 * @module
 */

import { PENDING } from "./future.ts";
import { F_SLEEPING, type Task } from "./task.ts";

/** The loop time a sleeping `task` wakes at; undefined when it does not sleep or its timer has fired. */
export function sleepDeadline(task: Task<unknown>): number | undefined {
  if (!(task._flags & F_SLEEPING) || task._state !== PENDING) return undefined;
  const deadline = task._loop._core.deadlineOf(task._slot, task._gen);
  return deadline < 0 ? undefined : deadline;
}
