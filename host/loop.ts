/**
 * `Loop`: asyncio's event loop over spindle's core. This file holds the only
 * place callbacks and task steps are run (`#iterate`), and the driver that
 * binds the loop to the host (`#drive`).
 *
 * Ground rules
 * - Every task step and callback is in the core's ready ring before it runs;
 *   `#iterate` runs exactly the batch the core hands out for one iteration
 *   (asyncio's `_run_once`). Work scheduled during a batch waits for the next.
 * - One WebAssembly call per iteration (`tick`) applies the commands the
 *   batch wrote, fires due timers and drains the next batch.
 * - The driver runs iterations until a step budget is spent, then yields to
 *   the host with one unclamped macrotask so promises and I/O progress. When
 *   nothing is ready it arms one host timer for the earliest deadline (or,
 *   on a VirtualClock with autojump, moves the clock there).
 * - User code never breaks the loop: exceptions from callbacks, coroutines
 *   and done callbacks end up in the exception handler.
 *
 * @module
 */

import { Core, type CoreStats, KIND_CALLBACK } from "./_core.ts";
import { _runningLoop, _setRunningLoop } from "./_running.ts";
import { type Clock, realClock, VirtualClock } from "./clock.ts";
import { RuntimeError } from "./errors.ts";
import { type DoneCallback, Future, PENDING } from "./future.ts";
import { Handle, TimerHandle } from "./handle.ts";
import {
  type Awaitable,
  type Coroutine,
  describe,
  isCoroutine,
  isNativeGenerator,
  isOperation,
  isThenable,
} from "./operation.ts";
import { platform } from "./platform/detect.ts";
import type { HostTimer } from "./platform/types.ts";
import { gatheringShapeKeeper } from "./gather.ts";
import { SHAPE_KEEPER_COROUTINE, Task, type TaskConstructorOptions, type TaskOptions } from "./task.ts";
import type { TraceRecorder } from "./trace.ts";
import { _runInExecutor, type FunctionExports, type JobArgs, type JobResult, type WorkerPool } from "./worker_pool.ts";

/** Options for {@linkcode Loop}. */
export interface LoopOptions {
  /** Where time comes from (default `realClock`). */
  clock?: Clock;
  /** Debug mode (default: the SPINDLE_DEBUG=1 environment variable). */
  debug?: boolean;
  /** Run each iteration's ready batch in an order drawn from this seed. */
  shuffle?: number;
}

/** What an exception handler receives (asyncio's context dict). */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  handle?: Handle;
  [key: string]: unknown;
}

/** `handler(loop, context)`, set with {@linkcode Loop.setExceptionHandler}. */
export type ExceptionHandler = (loop: Loop, context: ExceptionContext) => void;

/** Makes the loop's tasks; set with {@linkcode Loop.setTaskFactory}. */
export type TaskFactory = <T>(loop: Loop, coro: Coroutine<T>, options: TaskOptions) => Task<T>;

/** Counts from {@linkcode Loop.stats}. */
export interface LoopStats {
  /** Tasks not yet finished. */
  tasks: number;
  /** Those tasks by scheduling state. */
  tasksByState: { created: number; ready: number; running: number; waiting: number };
  /** Callbacks scheduled and not yet run (callSoon, callLater, callAt). */
  callbacks: number;
  /** Entries in the ready queue. */
  ready: number;
  /** Timers armed (sleeping tasks and timed callbacks). */
  timers: number;
  /** Task steps and callbacks run so far. */
  steps: number;
  tasksCreated: number;
  tasksDone: number;
  tasksCancelled: number;
  /** Wait lines (locks, semaphores, queues...) that have tasks in them. */
  waitLines: number;
  /** Which core runs the scheduler: "wasm", or "js" for the JavaScript fallback. */
  core: "wasm" | "js";
}

/** Most entries the core hands out per iteration (its OUTBOX size). */
const BATCH = 4096;
/** Steps run before the driver yields to the host, so promises and I/O progress. */
const STEP_BUDGET = 4096;
/**
 * A closed loop's slot-to-object array, emptied, for the next loop to fill:
 * grown anew by every run(), it was about a tenth of what a run of 100,000
 * tasks allocated (W1, W3, W6, W7: 24-28 bytes a task, in growth steps).
 * Kept only up to SPARE_OBJECTS_MAX entries. (Emptying it with fill() costs
 * Deno a new backing store, 8 bytes a slot, where Node and Bun allocate
 * nothing; a loop of stores is slower still until it is optimized.)
 */
let spareObjects: (Runnable | undefined)[] | null = null;
const SPARE_OBJECTS_MAX = 1 << 20;

function takeSpareObjects(): (Runnable | undefined)[] {
  const objects = spareObjects ?? [];
  spareObjects = null;
  return objects;
}

/** setTimeout's largest delay; longer waits are re-armed. */
const MAX_HOST_DELAY = 2 ** 31 - 1;

/** Something the core's ready ring can hand out. */
interface Runnable {
  _run(): void;
}

/** The last loop closed: see the end of Loop.close(). */
let _lastClosedLoop: Loop | null = null;

/** The callback of the handles a closed loop keeps for their hidden classes (they never run). */
function noop(): void {}

/**
 * An event loop. Most programs never make one: `run()` does. Use a Loop
 * directly to embed spindle (`runOnce()`), or for asyncio-style APIs.
 */
export class Loop {
  /** @internal */ _core: Core;
  /** @internal slot index → the task or handle that owns it */ _objects: (Runnable | undefined)[] = takeSpareObjects();
  /** @internal the task being stepped, or null */ _current: Task<unknown> | null = null;
  /** Objects kept, once closed, only for their hidden classes: see the end of close(). */
  #shapeKeepers: object[] = [];
  /** @internal the internal error that stopped the loop, if one did (nothing can run on it after) */
  _broken: unknown = undefined;
  /** @internal */ _debug: boolean;
  /** @internal the trace recording this loop (startTrace), or null */ _tracer: TraceRecorder | null = null;
  /** Steps slower than this (ms) are logged in debug mode. */
  slowCallbackDuration = 100;
  /** The `shuffle` seed, or null when batches run in FIFO order. */
  readonly shuffleSeed: number | null;

  readonly #clock: Clock;
  readonly #virtual: VirtualClock | null;
  #running = false;
  #driving = false;
  #stopping = false;
  #closed = false;
  #macrotaskQueued = false;
  #hostTimer: HostTimer | null = null;
  #hostTimerAt = -1;
  #jumpNext = false;
  #runForeverDone: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  #exceptionHandler: ExceptionHandler | null = null;
  #taskFactory: TaskFactory | null = null;
  #unretrieved = new Set<Future<unknown>>();
  readonly #signalHandlers = new Map<string, () => void>();
  /** Resources to release when the loop closes (children still running, ...). */
  readonly #closeHooks = new Set<() => void>();
  readonly #plainTaskOptions: TaskConstructorOptions = { loop: this };
  readonly #drive = () => this.#driveNow();
  readonly #timerFired = () => {
    this.#hostTimer = null;
    this.#hostTimerAt = -1;
    this.#driveNow();
  };

  constructor(options: LoopOptions = {}) {
    const { clock = realClock, debug, shuffle } = options;
    if (typeof clock !== "object" || clock === null || typeof clock.now !== "function") {
      throw new TypeError(`Loop's clock must have a now() method, got ${describe(clock)}`);
    }
    if (shuffle !== undefined && (!Number.isInteger(shuffle) || shuffle < 0 || shuffle > 0xffffffff)) {
      throw new RangeError(`shuffle must be an integer seed in [0, 2^32), got ${String(shuffle)}`);
    }
    this.#clock = clock;
    this.#virtual = clock instanceof VirtualClock ? clock : null;
    this._debug = debug ?? platform.env("SPINDLE_DEBUG") === "1";
    this.shuffleSeed = shuffle ?? null;
    this._core = new Core(shuffle !== undefined, shuffle ?? 0, this._debug);
  }

  // ---- time and callbacks ----

  /** The loop's clock, in milliseconds. */
  time(): number {
    return this.#clock.now();
  }

  /** Runs `callback(...args)` on the next iteration (FIFO with other ready work). */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this.#checkCallback(callback, "callSoon");
    return this.#schedule(new Handle(this, callback as (...args: never[]) => unknown, args));
  }

  /** Runs `callback(...args)` `delay` ms from now. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkTime(delay, "callLater", "delay");
    return this.callAt(this.time() + delay, callback, ...args);
  }

  /** Runs `callback(...args)` when the loop's time reaches `when`. */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkTime(when, "callAt", "when");
    this.#checkCallback(callback, "callAt");
    const handle = new TimerHandle(this, when, callback as (...args: never[]) => unknown, args);
    const core = this._core;
    handle._slot = core.alloc(KIND_CALLBACK);
    handle._gen = core.allocGen();
    this._objects[handle._slot] = handle;
    core.armTimer(handle._slot, handle._gen, when);
    if (this._tracer !== null) this._tracer._timerScheduled(handle);
    this.#wakeHost();
    return handle;
  }

  /** A new pending future on this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Schedules a coroutine (or any awaitable, which is wrapped) as a task.
   *
   * @throws {TypeError} when `coro` is not awaitable
   * @throws {RuntimeError} when the loop is closed
   */
  createTask<T>(coro: Awaitable<T> | Coroutine<T>, options?: TaskOptions): Task<T> {
    this.#checkOpen();
    const coroutine = toCoroutine(coro, "createTask");
    const factory = this.#taskFactory;
    if (factory !== null) return factory(this, coroutine, options ?? {});
    // Unnamed tasks share one options object: no allocation per task for it.
    if (options?.name === undefined) return new Task(coroutine, this.#plainTaskOptions);
    return new Task(coroutine, { loop: this, name: options.name });
  }

  /** Sets (or with null, clears) the factory createTask uses, e.g. `eagerTaskFactory`. */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") {
      throw new TypeError(`setTaskFactory() needs a function or null, got ${describe(factory)}`);
    }
    this.#taskFactory = factory;
  }

  getTaskFactory(): TaskFactory | null {
    return this.#taskFactory;
  }

  // ---- running ----

  /** True while runForever / runUntilComplete is in progress. */
  isRunning(): boolean {
    return this.#running;
  }

  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Runs the loop until `aw` is done and settles with its result or error.
   *
   * @throws {RuntimeError} when the loop is closed or already running
   */
  runUntilComplete<T>(aw: Awaitable<T> | Coroutine<T>): Promise<T> {
    this.#checkOpen();
    this.#checkNotRunning();
    const future = this.#ensureFuture(aw);
    const stop = () => this.stop();
    future.addDoneCallback(stop);
    return this.runForever().then(() => {
      future.removeDoneCallback(stop);
      if (!future.done()) throw new RuntimeError("Event loop stopped before Future completed");
      return future.result();
    });
  }

  /**
   * Runs the loop until stop() is called.
   *
   * @throws {RuntimeError} when the loop is closed or already running
   */
  runForever(): Promise<void> {
    this.#checkOpen();
    this.#checkNotRunning();
    if (this._broken !== undefined) {
      throw new RuntimeError(`The event loop failed and cannot run again: ${String(this._broken)}`);
    }
    if (_runningLoop() !== null) {
      throw new RuntimeError("Cannot run the event loop while another loop is running");
    }
    this.#running = true;
    this.#virtual?._attach(this);
    const done = new Promise<void>((resolve, reject) => {
      this.#runForeverDone = { resolve, reject };
    });
    this.#driveNow();
    return done;
  }

  /** Stops runForever after the current iteration. */
  stop(): void {
    this.#stopping = true;
    this.#wakeHost();
  }

  /**
   * Runs one iteration by hand on a loop that is not running: due timers
   * become ready, then the callbacks ready at the start run (what they
   * schedule waits for the next call). Never sleeps. Returns 0 when work is
   * ready, else the ms until the next timer, else -1 when idle.
   *
   * @throws {RuntimeError} when the loop is running or closed
   */
  runOnce(): number {
    this.#checkOpen();
    this.#checkNotRunning();
    const previous = _setRunningLoop(this);
    try {
      this.#iterate(true);
    } finally {
      _setRunningLoop(previous);
    }
    const core = this._core;
    core.flush();
    if (core.readyCount() > 0) return 0;
    const next = core.nextDeadline();
    if (next < 0 || next === Infinity) return -1;
    return Math.max(0, next - this.time());
  }

  /**
   * Closes the loop: reports exceptions nobody retrieved, then releases it.
   * Pending callbacks are dropped. No effect on a closed loop.
   *
   * @throws {RuntimeError} when the loop is running
   */
  close(): void {
    if (this.#running) throw new RuntimeError("Cannot close a running event loop: stop it first");
    if (this.#closed) return;
    for (const future of this.#unretrieved) {
      const context: ExceptionContext = {
        message: `${future instanceof Task ? "Task" : "Future"} exception was never retrieved`,
        exception: future._value,
        future,
      };
      if (future instanceof Task && future._sourceStack !== undefined) {
        context.sourceTraceback = future._sourceStack;
      }
      this.callExceptionHandler(context);
    }
    this.#unretrieved.clear();
    if (this._debug) {
      for (const task of this.#liveTasks()) {
        this.callExceptionHandler({ message: "Task was destroyed but it is pending!", task });
      }
    }
    this.#closed = true;
    for (const hook of [...this.#closeHooks]) {
      try {
        hook();
      } catch (exception) {
        this.callExceptionHandler({ message: "Error while releasing a resource at loop close", exception });
      }
    }
    this.#closeHooks.clear();
    for (const remove of this.#signalHandlers.values()) remove();
    this.#signalHandlers.clear();
    this.#clearHostTimer();
    this.#virtual?._detach(this);
    const objects = this._objects;
    this._objects = [];
    if (objects.length <= SPARE_OBJECTS_MAX) {
      objects.fill(undefined);
      spareObjects = objects;
    }
    this._core.release(this._broken === undefined); // a loop broken by an internal error gives nothing back
    // V8 forgets a class's hidden classes (maps) once no object of them is
    // left, and a full GC between run()s then made each new loop's objects
    // new maps: after five loops the scheduler's hot paths went megamorphic
    // and stayed so (Deno: 55 -> 95 ms per W2 run, with gc() between runs).
    // Keeping the last closed loop alive keeps those maps, and with its
    // shape keepers, a task and a gather's future made the way every one is
    // (real ones would keep the program's objects), those of tasks and
    // gathers: without them each run() deoptimized Task._run, Future's
    // constructor, result(), done() and gather's callback once more (W1 on
    // Deno: 24-36 deopts of each per bench process; 1.83-1.92M -> 2.86-2.97M
    // tasks/s with them, Node 1.27-1.29M -> 1.72-1.77M). Its core is released
    // above; the loop itself is small.
    // (The task's cold state too: cancel() makes one for every task it cancels.)
    // A plain future and the handles of callSoon() and callAt() as well, never
    // scheduled: without them, runs of 100,000 callSoon()s, 200 taskGroup()s
    // and 20,000 timeout()s took 1.5x, 1.5x and 1.1x as long with a full GC
    // before each (Node, a .tmp script; see BENCHMARKS.md).
    const task = new Task(SHAPE_KEEPER_COROUTINE, this.#plainTaskOptions);
    task._coldState();
    this.#shapeKeepers = [
      task,
      gatheringShapeKeeper(this),
      new Future({ loop: this }),
      new Handle(this, noop, []),
      new TimerHandle(this, 0, noop, []),
    ];
    _lastClosedLoop = this;
  }

  // ---- signals ----

  /**
   * Calls `callback(...args)` on the loop (like callSoon) each time the
   * process receives `signal` ("SIGINT", "SIGTERM", "SIGUSR1"...); replaces
   * this loop's earlier handler for that signal.
   *
   * @throws {RangeError} for a name that is not a signal
   * @throws {RuntimeError} for SIGKILL and SIGSTOP (they cannot be caught), on
   *   a closed loop, or where the platform has no process signals
   */
  addSignalHandler<A extends unknown[]>(signal: string, callback: (...args: A) => unknown, ...args: A): void {
    checkSignal(signal);
    this.#checkCallback(callback, "addSignalHandler");
    this.removeSignalHandler(signal);
    const remove = platform.onSignal(signal, () => {
      if (!this.#closed) this.callSoon(callback, ...args);
    });
    if (remove === undefined) {
      throw new RuntimeError(`${platform.name} has no process signals: addSignalHandler() is not available there`);
    }
    this.#signalHandlers.set(signal, remove);
  }

  /**
   * Removes this loop's handler for `signal`; returns false if it had none.
   *
   * @throws {RangeError} for a name that is not a signal
   */
  removeSignalHandler(signal: string): boolean {
    checkSignal(signal);
    const remove = this.#signalHandlers.get(signal);
    if (remove === undefined) return false;
    remove();
    this.#signalHandlers.delete(signal);
    return true;
  }

  // ---- executors ----

  /**
   * Runs `func(...args)` on a worker of `executor` and returns a future for
   * its result (asyncio's run_in_executor). `func` is the name of a function
   * the pool's module exports, or a self-contained function (see
   * toThread()); with `executor` null, the default pool runs it, which takes
   * functions only. Cancelling the future terminates the job's worker.
   *
   * @example
   * ```ts
   * const sum = yield* getRunningLoop().runInExecutor(pool, "add", 1, 2);
   * ```
   * @throws {TypeError} for an executor that is not a WorkerPool or null, a
   *   func that is neither an export name nor a function that can travel
   *   as source, or an argument that cannot be cloned
   * @throws {RuntimeError} when the loop or the pool is closed, or the
   *   platform has no worker threads
   */
  runInExecutor<A extends unknown[], R>(
    executor: WorkerPool<any> | null,
    func: (...args: A) => R,
    ...args: A
  ): Future<Awaited<R>>;
  runInExecutor<M, K extends FunctionExports<M>>(
    executor: WorkerPool<M>,
    func: K,
    ...args: JobArgs<M[K]>
  ): Future<JobResult<M[K]>>;
  runInExecutor(
    executor: WorkerPool<any> | null,
    func: string | ((...args: any[]) => unknown),
    ...args: unknown[]
  ): Future<unknown> {
    this.#checkOpen();
    return _runInExecutor(this, executor, func, args);
  }

  // ---- errors ----

  /** Sets the handler for errors nobody caught; null restores the default. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(`setExceptionHandler() needs a function or null, got ${describe(handler)}`);
    }
    this.#exceptionHandler = handler;
  }

  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /** Reports `context` through the exception handler; never throws. */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch {
        // Logging itself failed: nothing more can be done without throwing into the loop.
      }
      return;
    }
    try {
      handler(this, context);
    } catch (error) {
      try {
        this.defaultExceptionHandler({
          message: "Unhandled error in exception handler",
          exception: error,
          context,
        });
      } catch {
        // As above.
      }
    }
  }

  /** Logs `context` with console.error, as asyncio's default handler logs it. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || "Unhandled exception in event loop"];
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue;
      lines.push(`${key}: ${String(context[key])}`);
    }
    const error = context.exception;
    if (error !== undefined) {
      lines.push(error instanceof Error && error.stack ? error.stack : String(error));
    }
    console.error(lines.join("\n"));
  }

  // ---- debugging and introspection ----

  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  getDebug(): boolean {
    return this._debug;
  }

  /** Counts of tasks, callbacks, ready entries and timers, and steps run. */
  stats(): LoopStats {
    const s: CoreStats = this._core.stats();
    const byState = s.tasksByState;
    return {
      tasks: byState.created + byState.ready + byState.running + byState.waiting,
      tasksByState: { ...byState },
      callbacks: s.callbacks,
      ready: s.ready,
      timers: s.timers,
      steps: s.steps,
      tasksCreated: s.tasksCreated,
      tasksDone: s.tasksDone,
      tasksCancelled: s.tasksCancelled,
      waitLines: s.waitLists,
      core: this._core.kind,
    };
  }

  // ---- used by futures, tasks and handles ----

  /** @internal the live tasks, for allTasks() */
  _allTasks(): Set<Task<unknown>> {
    return new Set(this.#liveTasks());
  }

  /** @internal queues a slot to run next iteration */
  _scheduleSlot(slot: number, gen: number): void {
    this._core.schedule(slot, gen);
    if (!this.#driving) this.#wakeHost();
  }

  /** @internal wakes a task waiting on a future */
  _wakeTask(task: Task<unknown>): void {
    this._core.schedule(task._slot, task._gen);
    if (!this.#driving) this.#wakeHost();
  }

  /** @internal wakes a sleeping task early: true if its sleep was cut short, false if its timer had fired */
  _wakeSleeper(task: Task<unknown>): boolean {
    const cut = this._core.wakeSleeper(task._slot, task._gen);
    if (cut && !this.#driving) this.#wakeHost();
    return cut;
  }

  /** @internal work became ready outside _scheduleSlot (a wait line's wake-up, a finished task's callbacks): make sure the loop looks */
  _afterWake(): void {
    if (!this.#driving) this.#wakeHost();
  }

  /** @internal queues `future` to run `callbacks` (its done callbacks) as one ready entry */
  _runCallbacksSoon(future: Future<unknown>, callbacks: DoneCallback<unknown> | DoneCallback<unknown>[]): void {
    this.#checkOpen();
    future._waiters = callbacks as Future<unknown>["_waiters"];
    const core = this._core;
    const slot = core.alloc(KIND_CALLBACK);
    this._objects[slot] = future;
    core.schedule(slot, core.allocGen());
    if (!this.#driving) this.#wakeHost();
  }

  /** @internal schedules a done callback: fn(future) */
  _callSoonWith(fn: DoneCallback<unknown>, future: Future<unknown>): void {
    this.#checkOpen();
    this.#schedule(new Handle(this, fn as (...args: never[]) => unknown, [future]));
  }

  /** @internal a future failed: report it at close unless someone retrieves it */
  _failed(future: Future<unknown>): void {
    this.#unretrieved.add(future);
  }

  /** @internal someone read a future's exception */
  _retrieved(future: Future<unknown>): void {
    this.#unretrieved.delete(future);
  }

  /**
   * @internal a future on this loop that follows `thenable`; `onCancel` runs
   * when the future is cancelled (e.g. to abort the work behind it)
   */
  _wrapThenable<T>(thenable: PromiseLike<T>, onCancel: (() => void) | undefined): Future<T> {
    const future = new ThenableFuture<T>(this, onCancel);
    try {
      thenable.then(
        (value) => {
          if (future._state === PENDING && !this.#closed) future.setResult(value);
        },
        (error) => {
          if (future._state === PENDING && !this.#closed) future.setException(error);
        },
      );
    } catch (error) {
      future.setException(error); // a thenable whose then() throws fails the wait, not the loop
    }
    return future;
  }

  /**
   * @internal runs `hook` when the loop closes (what asyncio leaves to a
   * transport's finaliser); the returned function unregisters it
   */
  _atClose(hook: () => void): () => void {
    this.#checkOpen();
    this.#closeHooks.add(hook);
    return () => this.#closeHooks.delete(hook);
  }

  /** @internal a VirtualClock this loop uses has moved */
  _clockAdvanced(): void {
    this.#wakeHost();
  }

  // ---- internals ----

  #schedule<H extends Handle>(handle: H): H {
    const core = this._core;
    handle._slot = core.alloc(KIND_CALLBACK);
    handle._gen = core.allocGen();
    this._objects[handle._slot] = handle;
    core.schedule(handle._slot, handle._gen);
    if (!this.#driving) this.#wakeHost();
    return handle;
  }

  #ensureFuture<T>(aw: Awaitable<T> | Coroutine<T>): Future<T> {
    if (aw instanceof Future) {
      if (aw._loop !== this) {
        throw new RangeError("The future belongs to a different loop than the one asked to run it");
      }
      return aw;
    }
    if (isThenable(aw) && !isOperation(aw)) return this._wrapThenable(aw, undefined);
    return this.createTask(aw);
  }

  /**
   * One iteration: the core hands out a batch, and each entry runs once.
   * With `whole` (runOnce), or once stop() was called, also the rest of what
   * was ready at the start; otherwise the driver keeps batches bounded and
   * the rest goes first in the next tick.
   */
  #iterate(whole = false): number {
    const core = this._core;
    // Without timers the time is not needed: skip the clock read (a call into the host).
    let n = core.tick(core.mayHaveTimers() ? this.#clock.now() : -Infinity, BATCH);
    let ran = 0;
    let leftFromStart = core.readyCount();
    for (;;) {
      const objects = this._objects;
      if (this._debug || this._tracer !== null) {
        for (let i = 0; i < n; i++) this.#runTimed(objects[core.outbox[i]!]!);
      } else {
        // Read core.outbox each time: a step may grow memory, which replaces the view.
        for (let i = 0; i < n; i++) objects[core.outbox[i]!]!._run();
      }
      ran += n;
      // stop() lets the iteration finish: everything ready at its start runs.
      if (leftFromStart === 0 || !(whole || this.#stopping)) return ran;
      n = core.drainMore(Math.min(leftFromStart, BATCH));
      leftFromStart -= n;
      if (n === 0) return ran;
    }
  }

  #runTimed(entry: Runnable): void {
    const start = performance.now();
    this._runObserved(entry);
    const took = performance.now() - start;
    if (this._debug && took >= this.slowCallbackDuration) {
      console.warn(`Executing ${String(entry)} took ${(took / 1000).toFixed(3)} seconds`);
    }
  }

  /**
   * @internal Runs a ready entry (or an eager task's first step) for debug
   * mode and tracing, telling the trace. Steps come here only in those modes.
   */
  _runObserved(entry: Runnable): void {
    const tracer = this._tracer;
    if (tracer !== null) tracer._runStarting(entry);
    entry._run();
    if (tracer !== null) tracer._runEnded();
  }

  /** Runs iterations until the budget is spent, the loop stops, or nothing is ready. */
  #driveNow(): void {
    this.#macrotaskQueued = false;
    if (!this.#running || this.#driving) return;
    this.#driving = true;
    const previous = _setRunningLoop(this);
    try {
      this.#driveIterations();
    } catch (error) {
      // Only a bug in spindle gets here: user code's errors are caught where it runs.
      this._broken = error;
      this.#finishRunForever(error);
    } finally {
      _setRunningLoop(previous);
      this.#driving = false;
    }
  }

  #driveIterations(): void {
    const core = this._core;
    let steps = 0;
    for (;;) {
      const ran = this.#iterate();
      steps += ran;
      if (ran > 0) this.#jumpNext = false;
      if (this.#stopping) {
        this.#finishRunForever(undefined);
        return;
      }
      if (core.pendingReady > 0 || core.readyCount() > 0) {
        if (steps >= STEP_BUDGET) {
          this.#queueMacrotask();
          return;
        }
        continue;
      }
      core.flush();
      if (core.readyCount() > 0) continue;
      const next = core.nextDeadline();
      if (next < 0 || next === Infinity) {
        this.#keepAlive(); // idle until something schedules work
        return;
      }
      const now = this.#clock.now();
      if (next <= now) continue;
      const virtual = this.#virtual;
      if (virtual === null) {
        this.#armHostTimer(next, next - now);
        return;
      }
      if (!virtual.autojump) {
        this.#keepAlive(); // waits for clock.advance()
        return;
      }
      if (this.#jumpNext) {
        this.#jumpNext = false;
        virtual._jumpTo(next);
        continue;
      }
      // Let settled promises run first: they may schedule work before the jump.
      this.#jumpNext = true;
      this.#queueMacrotask();
      return;
    }
  }

  #finishRunForever(error: unknown): void {
    this.#running = false;
    this.#stopping = false;
    this.#jumpNext = false;
    this.#clearHostTimer();
    this.#virtual?._detach(this);
    const done = this.#runForeverDone;
    this.#runForeverDone = null;
    if (done === null) return;
    if (error === undefined) done.resolve();
    else done.reject(error);
  }

  /** Makes sure a running loop that is not mid-iteration looks at its work again. */
  #wakeHost(): void {
    if (this.#running && !this.#driving) this.#queueMacrotask();
  }

  #queueMacrotask(): void {
    if (this.#macrotaskQueued) return;
    this.#macrotaskQueued = true;
    platform.macrotask(this.#drive);
  }

  #armHostTimer(at: number, delay: number): void {
    if (this.#hostTimer !== null) {
      if (this.#hostTimerAt === at) return;
      platform.clearTimer(this.#hostTimer);
    }
    this.#hostTimerAt = at;
    this.#hostTimer = platform.setTimer(this.#timerFired, Math.min(Math.max(delay, 0), MAX_HOST_DELAY));
  }

  /**
   * A running loop with nothing scheduled waits like asyncio's select():
   * forever. A long host timer keeps the process alive meanwhile (Node and
   * Deno exit when nothing is pending, and SIGINT must still reach run()).
   */
  #keepAlive(): void {
    this.#armHostTimer(Infinity, MAX_HOST_DELAY);
  }

  #clearHostTimer(): void {
    if (this.#hostTimer === null) return;
    platform.clearTimer(this.#hostTimer);
    this.#hostTimer = null;
    this.#hostTimerAt = -1;
  }

  *#liveTasks(): Generator<Task<unknown>> {
    // The core counts live tasks: when none is left (the end of every run()) the
    // scan of every slot the loop ever used (100,000 in W3) is skipped.
    const byState = this._core.stats().tasksByState;
    if (byState.created + byState.ready + byState.running + byState.waiting === 0) return;
    for (const entry of this._objects) {
      if (entry instanceof Task && !entry.done()) yield entry;
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new RuntimeError("Event loop is closed: create a new Loop or use run()");
  }

  #checkNotRunning(): void {
    if (this.#running) throw new RuntimeError("This event loop is already running");
  }

  #checkCallback(callback: unknown, method: string): void {
    this.#checkOpen();
    if (typeof callback !== "function") {
      throw new TypeError(`${method}() needs a function to call, got ${describe(callback)}`);
    }
    if (isGeneratorFunction(callback)) {
      throw new TypeError(`coroutines cannot be used with ${method}(): use createTask() to run ${describe(callback)}`);
    }
  }
}

/** A future following a thenable; cancelling it runs `onCancel` (call() aborts its signal). */
class ThenableFuture<T> extends Future<T> {
  readonly #onCancel: (() => void) | undefined;

  constructor(loop: Loop, onCancel: (() => void) | undefined) {
    super({ loop });
    this.#onCancel = onCancel;
  }

  /** @internal what formatTaskTree() calls this wait */
  get _awaitKind(): string {
    return "promise";
  }

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this.#onCancel?.();
    return true;
  }
}

/** POSIX signals a handler can be added for (SIGKILL and SIGSTOP cannot be caught). */
const SIGNALS = new Set([
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGCHLD",
  "SIGCONT",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
  "SIGKILL",
  "SIGSTOP",
]);

function checkSignal(signal: unknown): void {
  if (typeof signal !== "string" || !SIGNALS.has(signal)) {
    throw new RangeError(`${describe(signal)} is not a signal name: use one such as "SIGINT" or "SIGTERM"`);
  }
  if (signal === "SIGKILL" || signal === "SIGSTOP") {
    throw new RuntimeError(`${signal} cannot be caught: no handler can be added for it`);
  }
}

/** %GeneratorFunction.prototype%: what every `function*` inherits from. */
const GENERATOR_FUNCTION_PROTOTYPE: object = Object.getPrototypeOf(function* () {});

function isGeneratorFunction(fn: unknown): boolean {
  return typeof fn === "function" && Object.getPrototypeOf(fn) === GENERATOR_FUNCTION_PROTOTYPE;
}

function checkTime(value: unknown, method: string, what: string): void {
  if (typeof value !== "number") {
    throw new TypeError(`${method}() needs a number for ${what} (milliseconds), got ${describe(value)}`);
  }
  if (value !== value) throw new RangeError(`${method}() got NaN for ${what}: pass a number of milliseconds`);
}

/** The coroutine to run for `value`: itself, or a wrapper for other awaitables. */
function toCoroutine<T>(value: Awaitable<T> | Coroutine<T>, caller: string): Coroutine<T> {
  // Operations such as sleep() look like iterators, and some are shared:
  // only real generators run as they are, everything else gets its own.
  if (typeof value === "object" && value !== null && isNativeGenerator(value)) return value as Coroutine<T>;
  if (isOperation(value)) return delegate(value);
  if (isCoroutine(value)) return value as Coroutine<T>;
  if (isThenable(value)) return awaitThenable(value);
  throw new TypeError(
    `${caller}() needs a coroutine or another awaitable (Future, Task, Operation, thenable), got ${describe(value)}`,
  );
}

function* delegate<T>(op: { [Symbol.iterator](): Iterator<unknown, T, unknown> }): Coroutine<T> {
  return yield* op;
}

function* awaitThenable<T>(thenable: PromiseLike<T>): Coroutine<T> {
  return (yield thenable) as T;
}
