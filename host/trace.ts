/**
 * Trace recording: what one loop's tasks, callbacks and timers do, as
 * Chrome trace events (`{"traceEvents": [...]}`, which Perfetto and
 * chrome://tracing open). `run(main, { trace: path })` records into a file;
 * `startTrace(loop)` records in memory, on every platform.
 *
 * Ground rules
 * - Recording is platform-free: a recorder only builds the event array.
 *   Writing a file is the Runner's job, through the platform's file adapter.
 * - A loop that records nothing pays nothing per step: it calls the
 *   recorder from its instrumented path, chosen once per batch of steps
 *   (Loop._runObserved), and at task creation and callAt() behind one
 *   null check.
 * - Times are the loop's clock in microseconds (`ts`, `dur`): real time on
 *   `realClock`; virtual time on a VirtualClock, where a step takes 0 µs and
 *   a trace is the same on every run.
 * - Tracks: one process (pid 1) for the loop; thread 0, "loop", holds the
 *   callbacks and their timers; each task has a thread of its own (tid 1,
 *   2... in the order the trace first saw them), named after the task.
 *
 * Events:
 *
 *   name              ph  track   args
 *   task created      i   task    task, by (the creating task, or null)
 *   step              X   task    task, then (what it waits on after the step, or "done")
 *   task done         i   task    task, outcome ("result" | "exception" | "cancelled"), value
 *   timer scheduled   i   task    when, for: "sleep"           (a task went to sleep)
 *                     i   loop    when, for: callback name, by (callLater / callAt)
 *   timer fired       i   task    when                         (a sleep ended on time)
 *                     i   loop    when, for: callback name
 *   <callback name>   X   loop    callback, future (done callbacks: the future or task)
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import { CANCELLED, FAILED, Future, PENDING } from "./future.ts";
import { Handle, TimerHandle } from "./handle.ts";
import { Loop } from "./loop.ts";
import { describe } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { sleepDeadline } from "./_sleep_deadlines.ts";
import { F_SLEEPING, Task } from "./task.ts";
import { describeWait } from "./task_tree.ts";

/** An event argument: what Perfetto shows for the event. */
export type TraceArg = string | number | null;

/** One Chrome trace event (the Trace Event Format's JSON object). */
export interface TraceEvent {
  /** What happened: "step", "task created", "timer fired", a callback's name... */
  name: string;
  /** "task", "timer", "callback" or "__metadata". */
  cat: string;
  /** "X": a complete event with a duration; "i": an instant; "M": metadata (track names). */
  ph: "X" | "i" | "M";
  /** When, in microseconds of the loop's clock. */
  ts: number;
  /** How long, in microseconds ("X" only). */
  dur?: number;
  /** The loop's process: always 1. */
  pid: number;
  /** The track: 0 for the loop's callbacks, one per task. */
  tid: number;
  /** An instant's scope: "t", its thread. */
  s?: "t";
  args?: Record<string, TraceArg>;
}

/** A whole trace, as Perfetto and chrome://tracing open it. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: "ms";
}

/** The loop's track, where callbacks run. */
const LOOP_TID = 0;
const PID = 1;
/** Longest text kept for a result or an error in an event. */
const MAX_TEXT = 200;

/** A task's thread in the trace. */
interface Track {
  readonly tid: number;
  /** Its thread_name event, renamed with the task. */
  readonly nameEvent: TraceEvent;
  /** When the sleep its last step began ends (the core forgets it once the timer fires); null if none. */
  sleepUntil: number | null;
}

/** A step or callback run in progress (eager tasks run inside other steps, so these nest). */
interface OpenRun {
  readonly ts: number;
  /** The task stepped, or null for a callback run. */
  readonly task: Task<unknown> | null;
  /** For a callback run: its name and what it reports on; null to record nothing. */
  readonly callback: { name: string; future: string | null } | null;
}

/**
 * Records one loop's task and timer events until `stop()`. Make one with
 * {@linkcode startTrace}.
 *
 * @example
 * ```ts
 * const trace = startTrace(loop);
 * await loop.runUntilComplete(main());
 * trace.stop();
 * const json = JSON.stringify(trace.toJSON()); // open it in https://ui.perfetto.dev
 * ```
 */
export class TraceRecorder {
  readonly #loop: Loop;
  readonly #events: TraceEvent[] = [];
  readonly #tracks = new Map<Task<unknown>, Track>();
  readonly #open: OpenRun[] = [];
  #nextTid = LOOP_TID + 1;
  #recording = true;

  /** @internal made by startTrace() */
  constructor(loop: Loop) {
    this.#loop = loop;
    this.#meta("process_name", LOOP_TID, { name: "spindle loop" });
    this.#meta("thread_name", LOOP_TID, { name: "loop" });
    this.#meta("thread_sort_index", LOOP_TID, { sort_index: LOOP_TID });
    loop._tracer = this;
  }

  /** True until stop(). */
  get recording(): boolean {
    return this.#recording;
  }

  /** The events recorded so far, in the order they happened. */
  get events(): readonly TraceEvent[] {
    this.#renameTracks();
    return this.#events;
  }

  /** Stops recording (the events stay). No effect once stopped. */
  stop(): void {
    if (!this.#recording) return;
    this.#recording = false;
    if (this.#loop._tracer === this) this.#loop._tracer = null;
    this.#renameTracks();
  }

  /** The trace as Perfetto and chrome://tracing open it: `JSON.stringify(recorder.toJSON())`. */
  toJSON(): TraceFile {
    this.#renameTracks();
    return { traceEvents: [...this.#events], displayTimeUnit: "ms" };
  }

  // ---- called by the loop and tasks while recording ----

  /** @internal a task was made (Task's constructor, before an eager first step) */
  _taskCreated(task: Task<unknown>): void {
    const by = this.#loop._current;
    this.#instant("task created", "task", this.#trackOf(task).tid, {
      task: task.getName(),
      by: by === null ? null : by.getName(),
    });
  }

  /** @internal callAt() armed a callback's timer */
  _timerScheduled(handle: TimerHandle): void {
    const by = this.#loop._current;
    this.#instant("timer scheduled", "timer", LOOP_TID, {
      when: handle._when,
      for: callbackName(handle._callback),
      by: by === null ? null : by.getName(),
    });
  }

  /** @internal a ready entry (task step or callback) is about to run */
  _runStarting(entry: unknown): void {
    const ts = this.#now();
    if (entry instanceof Task && entry._state === PENDING) {
      const task = entry as Task<unknown>;
      const track = this.#trackOf(task);
      if (task._flags & F_SLEEPING) {
        this.#instant("timer fired", "timer", track.tid, { when: track.sleepUntil }, ts);
      }
      this.#open.push({ ts, task, callback: null });
      return;
    }
    let callback: OpenRun["callback"] = null;
    if (entry instanceof Handle) {
      if (entry._callback !== null) {
        const name = callbackName(entry._callback);
        if (entry instanceof TimerHandle) {
          this.#instant("timer fired", "timer", LOOP_TID, { when: entry._when, for: name }, ts);
        }
        callback = { name, future: null };
      }
    } else if (entry instanceof Future) {
      // A done future (or task) running its done callbacks as one entry.
      const waiters = entry._waiters;
      if (waiters !== null) {
        const fns = Array.isArray(waiters) ? waiters : [waiters];
        callback = {
          name: fns.map(callbackName).join(", "),
          future: entry instanceof Task ? entry.getName() : String(entry),
        };
      }
    }
    this.#open.push({ ts, task: null, callback });
  }

  /** @internal the entry _runStarting() announced has run */
  _runEnded(): void {
    const run = this.#open.pop();
    if (run === undefined) return;
    const ts = this.#now();
    const task = run.task;
    if (task === null) {
      const callback = run.callback;
      if (callback === null) return;
      const args: Record<string, TraceArg> = { callback: callback.name };
      if (callback.future !== null) args.future = callback.future;
      this.#events.push({
        name: callback.name,
        cat: "callback",
        ph: "X",
        ts: run.ts,
        dur: ts - run.ts,
        pid: PID,
        tid: LOOP_TID,
        args,
      });
      return;
    }
    const track = this.#trackOf(task);
    const done = task._state !== PENDING;
    this.#events.push({
      name: "step",
      cat: "task",
      ph: "X",
      ts: run.ts,
      dur: ts - run.ts,
      pid: PID,
      tid: track.tid,
      args: { task: task.getName(), then: describeWait(task) },
    });
    if (done) {
      this.#instant("task done", "task", track.tid, { task: task.getName(), ...outcome(task) }, ts);
      track.nameEvent.args!.name = task.getName();
      this.#tracks.delete(task);
      return;
    }
    const until = sleepDeadline(task);
    track.sleepUntil = until ?? null;
    if (until !== undefined) this.#instant("timer scheduled", "timer", track.tid, { when: until, for: "sleep" }, ts);
  }

  // ---- internals ----

  #now(): number {
    return this.#loop.time() * 1000;
  }

  #trackOf(task: Task<unknown>): Track {
    let track = this.#tracks.get(task);
    if (track === undefined) {
      const tid = this.#nextTid++;
      const nameEvent = this.#meta("thread_name", tid, { name: task.getName() });
      this.#meta("thread_sort_index", tid, { sort_index: tid });
      track = { tid, nameEvent, sleepUntil: null };
      this.#tracks.set(task, track);
    }
    return track;
  }

  #instant(name: string, cat: string, tid: number, args: Record<string, TraceArg>, ts = this.#now()): void {
    this.#events.push({ name, cat, ph: "i", ts, pid: PID, tid, s: "t", args });
  }

  #meta(name: string, tid: number, args: Record<string, TraceArg>): TraceEvent {
    const event: TraceEvent = { name, cat: "__metadata", ph: "M", ts: 0, pid: PID, tid, args };
    this.#events.push(event);
    return event;
  }

  /** Live tasks may have been renamed since the trace named their threads. */
  #renameTracks(): void {
    for (const [task, track] of this.#tracks) track.nameEvent.args!.name = task.getName();
  }
}

/**
 * Starts recording `loop`'s (default: the running loop's) task, callback and
 * timer events; `recorder.toJSON()` is the trace. `run(main, { trace: path })`
 * does this and writes the file at the end.
 *
 * @throws {TypeError} when `loop` is not a Loop
 * @throws {RuntimeError} without `loop` when no loop is running; when the
 *   loop is closed or already records a trace
 */
export function startTrace(loop?: Loop): TraceRecorder {
  if (loop !== undefined && !(loop instanceof Loop)) {
    throw new TypeError(`startTrace() needs a Loop (or nothing, for the running loop), got ${describe(loop)}`);
  }
  const target = loop ?? getRunningLoop();
  if (target.isClosed()) throw new RuntimeError("startTrace() got a closed loop: trace a loop before it closes");
  if (target._tracer !== null) {
    throw new RuntimeError("The loop already records a trace: stop() that recorder before starting another");
  }
  return new TraceRecorder(target);
}

function callbackName(fn: unknown): string {
  return (typeof fn === "function" && fn.name) || "(anonymous)";
}

/** How a task ended, for its "task done" event. */
function outcome(task: Task<unknown>): Record<string, TraceArg> {
  const value = task._value;
  if (task._state === CANCELLED) {
    const message = value instanceof Error ? value.message : value;
    return { outcome: "cancelled", value: message === undefined || message === "" ? null : shorten(String(message)) };
  }
  if (task._state === FAILED) {
    return {
      outcome: "exception",
      value: shorten(value instanceof Error ? `${value.name}: ${value.message}` : String(value)),
    };
  }
  return { outcome: "result", value: describeResult(value) };
}

function describeResult(value: unknown): TraceArg {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return value;
  if (typeof value === "string") return shorten(value);
  if (typeof value === "object") return describe(value);
  return shorten(String(value));
}

function shorten(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) + "…" : text;
}
