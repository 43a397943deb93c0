/**
 * Until when a sleeping task sleeps, for formatTaskTree() and traces.
 *
 * Ground rules
 * - The deadline of a sleep lives in the core's timer heap only; a sleeping
 *   task keeps no copy (every byte of a sleeping task counts). So it is
 *   noted on the side, and only where steps run instrumented anyway: in
 *   debug mode and while a trace records (Loop._runObserved). Elsewhere
 *   formatTaskTree() says "sleep" without a time.
 * - A sleep is the last thing a step does: Task._sleep queues OP_SLEEP with
 *   the deadline as the step's last inbox command, so right after the step
 *   the deadline is still in the inbox, unapplied.
 *
 * @module
 */

import { type Core, OP_SLEEP } from "./_core.ts";
import { F_SLEEPING, type Task } from "./task.ts";

const deadlines = new WeakMap<Task<unknown>, number>();

/** Right after a step of `task` (instrumented runs only): notes its deadline if it went to sleep. */
export function noteSleep(core: Core, task: Task<unknown>): void {
  if (!(task._flags & F_SLEEPING)) return;
  const at = core.pending - 1;
  if (at < 0 || core.inbox[at * 2] !== (OP_SLEEP | task._slot) || core.inbox[at * 2 + 1] !== task._gen) return;
  deadlines.set(task, core.payload[at]!);
}

/** The loop time a sleeping `task` wakes at, if it sleeps and the time was noted. */
export function sleepDeadline(task: Task<unknown>): number | undefined {
  return task._flags & F_SLEEPING ? deadlines.get(task) : undefined;
}
