/**
 * `formatTaskTree(loop?)`: the live tasks of a loop as a tree of who awaits
 * whom, each branch ending in what is awaited there (a sleep, a lock, a
 * queue, a future...), drawn like CPython 3.14's `python -m asyncio pstree`.
 *
 * Ground rules
 * - Everything is worked out when called, from what tasks and futures hold
 *   anyway: a task's `_waitingOn` (a future, a task or a wait line) and its
 *   F_SLEEPING flag; the `_awaited()` of the futures that wait for others
 *   (gather, shield, wait, asCompleted); and each task group, found through
 *   the done callback it puts on its children. Running tasks pay nothing.
 * - The await graph may have cycles (tasks awaiting each other: a
 *   deadlock). Drawing cuts a cycle where it closes and marks the task
 *   there; every cycle is then listed, as asyncio's tools report them.
 *
 * @module
 */

import { Future, PENDING } from "./future.ts";
import { Loop } from "./loop.ts";
import { describe } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { sleepDeadline } from "./_sleep_deadlines.ts";
import { F_SLEEPING, Task } from "./task.ts";
import type { GroupDoneCallback, TaskGroup } from "./task_group.ts";

/** What a future that waits for others offers the tree (gather, shield, wait, asCompleted; see their modules). */
interface AwaitingFuture {
  /** What the wait is called in the tree ("gather", "shield"...). */
  readonly _awaitKind?: string;
  /** The futures it waits for. */
  _awaited?(): Iterable<Future<unknown>>;
}

/** One line of the tree: a task (its branches are worked out when drawn), or what a task waits through or on. */
interface TreeNode {
  readonly task: Task<unknown> | null;
  readonly label: string;
  readonly kids: readonly TreeNode[];
}

/**
 * The live tasks of `loop` (default: the running loop) as a tree: each task
 * (`(T) name`) above the tasks it awaits, each branch ending in what it
 * waits on — `sleep until <loop time>`, `Lock.acquire <Lock ...>`,
 * `Queue.get <Queue ...>`, `Event.wait ...`, `future`, `promise`, or
 * `ready` / `running` for a task that waits on nothing. Awaits through
 * `gather`, `taskGroup`, `shield`, `wait` and `asCompleted` show as a line of
 * their own. Tasks nobody awaits are roots, in the loop's slot order. A
 * cycle of tasks awaiting each other is cut where it closes (`(cycle)`) and
 * listed at the end (`cycle: a → b → a`). Returns "" when no task is live.
 *
 * The time a sleep ends is asked of the core, which alone keeps it.
 *
 * @example
 * ```ts
 * console.log(formatTaskTree());
 * // └── (T) main
 * //     └──  gather
 * //         ├── (T) fetch-1
 * //         │   └──  sleep until 1500
 * //         └── (T) fetch-2
 * //             └──  Lock.acquire <Lock [locked, waiters:1]>
 * ```
 * @throws {RuntimeError} without `loop` when no loop is running
 * @throws {TypeError} when `loop` is not a Loop
 */
export function formatTaskTree(loop?: Loop): string {
  if (loop !== undefined && !(loop instanceof Loop)) {
    throw new TypeError(`formatTaskTree() needs a Loop (or nothing, for the running loop), got ${describe(loop)}`);
  }
  return new TreeBuilder(loop ?? getRunningLoop()).format();
}

/**
 * What `task` waits on, in one line: what a trace notes after each step
 * (`sleep until 1500`, `Queue.get <Queue ...>`, `task Task-3`, `gather`...).
 */
export function describeWait(task: Task<unknown>): string {
  if (task._state !== PENDING) return "done";
  if (task._loop._current === task) return "running";
  if (task._flags & F_SLEEPING) return describeSleep(task);
  const waited = task._waitingOn;
  if (waited === null) return "ready";
  if (!(waited instanceof Future)) return `${waited.label} ${String(waited.owner)}`;
  if (waited.done()) return "ready";
  if (waited instanceof Task) return `task ${waited.getName()}`;
  return (waited as AwaitingFuture)._awaitKind ?? "future";
}

function describeSleep(task: Task<unknown>): string {
  const until = sleepDeadline(task);
  return until === undefined ? "ready" : `sleep until ${formatTime(until)}`; // no timer left: it fired
}

/** A loop time for people: exact for whole ms, else to the microsecond. */
function formatTime(ms: number): string {
  return String(Math.round(ms * 1000) / 1000);
}

class TreeBuilder {
  readonly #tasks: Task<unknown>[];
  /** Task groups by parent task, each with its live children. */
  readonly #groups = new Map<Task<unknown>, TaskGroup[]>();
  /** Each task's branches, made once. */
  readonly #kids = new Map<Task<unknown>, readonly TreeNode[]>();
  /** The tasks each task awaits, worked out once. */
  readonly #awaited = new Map<Task<unknown>, Set<Task<unknown>>>();

  constructor(loop: Loop) {
    this.#tasks = [...loop._allTasks()];
    for (const task of this.#tasks) this.#findGroups(task);
  }

  format(): string {
    const awaited = new Set<Task<unknown>>();
    for (const task of this.#tasks) {
      for (const child of this.#awaitedTasks(task)) awaited.add(child);
    }
    const lines: string[] = [];
    const drawn = new Set<Task<unknown>>();
    for (const task of this.#tasks) {
      if (!awaited.has(task)) this.#draw(taskNode(task), "", true, new Set(), drawn, lines);
    }
    // Tasks reached from no root await each other in a ring: start at the first one left.
    for (const task of this.#tasks) {
      if (!drawn.has(task)) this.#draw(taskNode(task), "", true, new Set(), drawn, lines);
    }
    for (const cycle of this.#findCycles()) {
      lines.push(`cycle: ${cycle.map((t) => t.getName()).join(" → ")}`);
    }
    return lines.join("\n");
  }

  /** Records the groups whose done callback `task` carries, under their parents. */
  #findGroups(task: Task<unknown>): void {
    const waiters = task._waiters;
    if (waiters === null) return;
    for (const waiter of Array.isArray(waiters) ? waiters : [waiters]) {
      if (typeof waiter !== "function") continue;
      const group = (waiter as unknown as GroupDoneCallback)._taskGroup;
      const parent = group?._parentTask;
      if (group === undefined || parent == null) continue;
      const groups = this.#groups.get(parent);
      if (groups === undefined) this.#groups.set(parent, [group]);
      else if (!groups.includes(group)) groups.push(group);
    }
  }

  /** `task`'s branches: what it waits on itself, then each of its task groups. */
  #kidsOf(task: Task<unknown>): readonly TreeNode[] {
    let kids = this.#kids.get(task);
    if (kids !== undefined) return kids;
    const groups = this.#groups.get(task) ?? [];
    const made: TreeNode[] = [];
    // Leaving a group, the parent waits for the group's children: the group's line says so.
    const exiting = groups.some((g) => g._exitWaiter !== null && g._exitWaiter === task._waitingOn);
    if (!exiting) made.push(this.#waitNode(task));
    for (const group of groups) {
      const children: TreeNode[] = [];
      for (const child of group._children) {
        if (!child.done()) children.push(taskNode(child));
      }
      made.push({ task: null, label: "taskGroup", kids: children });
    }
    kids = made;
    this.#kids.set(task, kids);
    return kids;
  }

  /** What `task` itself waits on. */
  #waitNode(task: Task<unknown>): TreeNode {
    const waited = task._waitingOn;
    if (waited instanceof Future && !waited.done() && task._loop._current !== task) {
      return this.#futureNode(waited, new Set());
    }
    return leaf(describeWait(task));
  }

  /** A future waited on: a task, a wait through others (gather...) with its branches, or a leaf. */
  #futureNode(future: Future<unknown>, seen: Set<Future<unknown>>): TreeNode {
    if (future instanceof Task) return taskNode(future);
    const awaiting = future as AwaitingFuture;
    const label = awaiting._awaitKind ?? "future";
    if (awaiting._awaited === undefined || seen.has(future)) return leaf(label);
    seen.add(future);
    const kids: TreeNode[] = [];
    for (const inner of awaiting._awaited()) {
      if (!inner.done()) kids.push(this.#futureNode(inner, seen));
    }
    seen.delete(future);
    return { task: null, label, kids };
  }

  /** The tasks `task` awaits, directly or through gathers, groups and the like. */
  #awaitedTasks(task: Task<unknown>): Set<Task<unknown>> {
    let found = this.#awaited.get(task);
    if (found !== undefined) return found;
    found = new Set<Task<unknown>>();
    this.#awaited.set(task, found);
    const walk = (nodes: readonly TreeNode[]) => {
      for (const node of nodes) {
        if (node.task !== null) found.add(node.task);
        else walk(node.kids);
      }
    };
    walk(this.#kidsOf(task));
    return found;
  }

  /** Draws `node` and its branches into `lines`; a task already on `path` closes a cycle and is not followed. */
  #draw(
    node: TreeNode,
    prefix: string,
    last: boolean,
    path: Set<Task<unknown>>,
    drawn: Set<Task<unknown>>,
    lines: string[],
  ): void {
    const task = node.task;
    const branch = prefix + (last ? "└── " : "├── ");
    if (task === null) {
      lines.push(`${branch} ${node.label}`);
      this.#drawKids(node.kids, prefix + (last ? "    " : "│   "), path, drawn, lines);
      return;
    }
    if (path.has(task)) {
      lines.push(`${branch}(T) ${task.getName()} (cycle)`);
      return;
    }
    drawn.add(task);
    lines.push(`${branch}(T) ${task.getName()}`);
    path.add(task);
    this.#drawKids(this.#kidsOf(task), prefix + (last ? "    " : "│   "), path, drawn, lines);
    path.delete(task);
  }

  #drawKids(
    kids: readonly TreeNode[],
    prefix: string,
    path: Set<Task<unknown>>,
    drawn: Set<Task<unknown>>,
    lines: string[],
  ): void {
    for (let i = 0; i < kids.length; i++) this.#draw(kids[i]!, prefix, i === kids.length - 1, path, drawn, lines);
  }

  /** Every cycle in the task-awaits-task graph (depth-first search for back edges, in slot order). */
  #findCycles(): Task<unknown>[][] {
    const GREY = 1;
    const BLACK = 2;
    const colour = new Map<Task<unknown>, number>();
    const path: Task<unknown>[] = [];
    const cycles: Task<unknown>[][] = [];
    const visit = (task: Task<unknown>) => {
      colour.set(task, GREY);
      path.push(task);
      for (const next of this.#awaitedTasks(task)) {
        const c = colour.get(next);
        if (c === undefined) visit(next);
        else if (c === GREY) cycles.push([...path.slice(path.indexOf(next)), next]);
      }
      colour.set(task, BLACK);
      path.pop();
    };
    for (const task of this.#tasks) {
      if (!colour.has(task)) visit(task);
    }
    return cycles;
  }
}

function taskNode(task: Task<unknown>): TreeNode {
  return { task, label: "", kids: [] };
}

function leaf(label: string): TreeNode {
  return { task: null, label, kids: [] };
}
