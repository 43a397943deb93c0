/**
 * `WorkerPool`: runs functions on worker threads, asyncio's executors
 * (`concurrent.futures.ProcessPoolExecutor` with `loop.run_in_executor`)
 * for JavaScript. A pool runs the functions a module exports, or
 * self-contained functions sent as source (toThread(), the default pool).
 *
 * Ground rules
 * - A worker runs one job at a time. Jobs wait in one FIFO line while every
 *   worker is busy; a worker that comes free takes the oldest live job.
 * - Workers start lazily: none before the first job, and a new one only
 *   when a job waits and fewer than `size` exist.
 * - Arguments are copied (structured clone) when the job is submitted:
 *   later changes do not reach it, and an argument that cannot be copied
 *   fails the submission, not the worker.
 * - A job's future settles once: from the worker's reply, from the
 *   worker's failure, or by cancellation. Whatever comes later is dropped.
 * - Cancelling a running job's future terminates its worker (the only way
 *   to stop code that never yields). The worker leaves the pool at once;
 *   a new one starts when a job needs it.
 * - A busy worker keeps the process alive; an idle or closed pool does not.
 *
 * The worker side is the module in `bootstrapSource()`: it imports the
 * pool's module once, and answers each job message with a reply.
 *
 * @module
 */

import { Deque } from "./_deque.ts";
import {
  BrokenBarrierError,
  ConnectionResetError,
  ExceptionGroup,
  InvalidStateError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  TimeoutError,
} from "./errors.ts";
import { Future } from "./future.ts";
import type { Loop } from "./loop.ts";
import { type Coroutine, describe, type Operation } from "./operation.ts";
import { getRunningLoop } from "./_running.ts";
import { platform } from "./platform/detect.ts";
import type { WorkerAdapter, WorkerThread } from "./platform/worker_types.ts";

/** Options for {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** How many workers may run at once (default: the logical processors, or 4 where the runtime does not tell). */
  size?: number;
}

/** Counts from {@linkcode WorkerPool.stats}. */
export interface WorkerPoolStats {
  /** Workers in the pool: starting, busy or idle. */
  workers: number;
  /** Workers being started. */
  starting: number;
  /** Workers running a job. */
  busy: number;
  /** Workers waiting for a job. */
  idle: number;
  /** Jobs waiting for a worker. */
  queued: number;
}

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** The names of `M`'s exports that are functions: what `run()` accepts for a pool typed with its module. */
export type FunctionExports<M> = { [K in keyof M]: M[K] extends AnyFunction ? K : never }[keyof M] & string;

/** The arguments of export `F` (a function type). */
export type JobArgs<F> = F extends (...args: infer A) => unknown ? A : never;

/** What a job running export `F` gives back: its return value, awaited. */
export type JobResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** The module type of a pool that was not told its module's type: any export, unknown results. */
export type AnyModule = Record<string, AnyFunction>;

/**
 * A pool of worker threads that run the functions a module exports (or
 * self-contained functions), so CPU-heavy work runs beside the loop instead
 * of blocking it. Use it with `yield* pool.run(name, ...args)` from a
 * coroutine, or `loop.runInExecutor(pool, name, ...args)` for a Future.
 *
 * Arguments and results travel by structured clone (numbers, strings,
 * arrays, plain objects, Maps, typed arrays, SharedArrayBuffers...), never
 * functions or class instances with their methods. An error thrown in the
 * worker is thrown in the waiting task with its name, message, stack and
 * own properties. Cancelling the waiting task frees it at once and
 * terminates the worker running its job, even inside a synchronous loop;
 * the pool replaces it. (How fast a busy worker really stops is the
 * runtime's: at once on Node and Bun, within 2 s in Chromium, and never in
 * Deno 2.9, where it runs on outside the pool until its loop returns.)
 *
 * Give the module's type to check names, arguments and results:
 * `new WorkerPool<typeof import("./math.ts")>(url)`.
 *
 * @example
 * ```ts
 * // math.js: export function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * using pool = new WorkerPool(new URL("./math.js", import.meta.url), { size: 2 });
 * const [a, b] = yield* gather([pool.run("fib", 30), pool.run("fib", 31)]);
 * ```
 */
export class WorkerPool<M = AnyModule> implements Disposable {
  /** The most workers that run at once. */
  readonly size: number;
  /** The module whose exports run (an absolute URL), or null for a pool that runs functions only. */
  readonly moduleUrl: string | null;
  /** Only carries `M` for type inference (runInExecutor); never set. */
  declare readonly _module?: M;

  readonly #adapter: WorkerAdapter;
  readonly #source: string;
  readonly #workers = new Set<PoolWorker>();
  readonly #idle: PoolWorker[] = [];
  readonly #queue = new Deque<Job>();
  /** Jobs in #queue that were not cancelled (cancelled ones are skipped when they come up). */
  #queued = 0;
  #starting = 0;
  /** Terminated workers the runtime has not let go of yet. */
  #exiting = 0;
  #closed = false;
  #closeWaiters: Future<void>[] = [];

  /**
   * @param moduleUrl the module whose exported functions `run()` calls, as
   *   an absolute URL (`new URL("./work.js", import.meta.url)`); null for a
   *   pool that only runs self-contained functions
   * @throws {TypeError} for a moduleUrl that is not a URL, string or null, or a size that is not a number
   * @throws {RangeError} for a relative URL, or a size that is not an integer >= 1
   * @throws {RuntimeError} where the platform has no worker threads (workerd)
   */
  constructor(moduleUrl: string | URL | null, options: WorkerPoolOptions = {}) {
    this.moduleUrl = checkModuleUrl(moduleUrl);
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`WorkerPool's options must be an object such as { size: 4 }, got ${describe(options)}`);
    }
    this.#adapter = workerAdapter("WorkerPool");
    const { size = this.#adapter.defaultSize() } = options;
    if (typeof size !== "number") {
      throw new TypeError(`WorkerPool's size must be a number of workers, got ${describe(size)}`);
    }
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`WorkerPool's size must be an integer >= 1, got ${size}`);
    }
    this.size = size;
    this.#source = bootstrapSource(this.moduleUrl);
  }

  /**
   * Runs the module's export `exportName` (or a self-contained function,
   * as toThread() does) with `args` on a worker, and returns its result,
   * awaited if it is a promise. The job is submitted when the operation
   * starts; cancelling the waiting task terminates the worker running it.
   *
   * @example
   * ```ts
   * const sum = yield* pool.run("add", 1, 2);
   * ```
   * @throws {TypeError} for a name that is not a string or function; when
   *   the job starts, for an argument that cannot be cloned
   * @throws {RuntimeError} when the pool is closed
   */
  run<K extends FunctionExports<M>>(exportName: K, ...args: JobArgs<M[K]>): Operation<JobResult<M[K]>>;
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Operation<Awaited<R>>;
  run(target: string | AnyFunction, ...args: unknown[]): Operation<unknown> {
    this.#check(target, "run()");
    return { [Symbol.iterator]: () => this.#run(target, args) };
  }

  *#run(target: string | AnyFunction, args: unknown[]): Coroutine<unknown> {
    return yield* this._submit(getRunningLoop(), target, args, "run()");
  }

  /**
   * Closes the pool, like asyncio's `executor.shutdown(cancel_futures=True)`
   * without waiting: no new jobs (`run()` throws RuntimeError), queued jobs
   * are cancelled, running jobs finish and then their workers exit, idle
   * workers exit now. No effect on a closed pool. `waitClosed()` waits
   * until every worker is gone.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (let job = this.#nextQueued(); job !== undefined; job = this.#nextQueued()) {
      job.message = null;
      if (!job.loop.isClosed()) job.future.cancel("The WorkerPool was closed before the job started");
    }
    for (const worker of [...this.#idle]) this.#remove(worker);
    // Starting workers are terminated as soon as they are up; busy ones when their job ends.
    this.#maybeFinished();
  }

  /** `using pool = new WorkerPool(...)` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** True once close() was called. */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Waits until the pool is closed and every worker has exited (running
   * jobs finish first, as with asyncio's `shutdown(wait=True)`).
   */
  waitClosed(): Operation<void> {
    return { [Symbol.iterator]: () => this.#waitClosed() };
  }

  *#waitClosed(): Coroutine<void> {
    if (this.#finished()) return;
    const future = getRunningLoop().createFuture<void>();
    this.#closeWaiters.push(future);
    yield* future;
  }

  /** How many workers the pool has, in which state, and how many jobs wait. */
  stats(): WorkerPoolStats {
    let busy = 0;
    for (const worker of this.#workers) if (worker.job !== null) busy++;
    return {
      workers: this.#workers.size,
      starting: this.#starting,
      busy,
      idle: this.#idle.length,
      queued: this.#queued,
    };
  }

  toString(): string {
    return `WorkerPool(${this.moduleUrl ?? "functions"}, size ${this.size})`;
  }

  /**
   * @internal submits a job and returns its future (run(), runInExecutor(),
   * toThread()); `caller` names the API in error messages
   */
  _submit(loop: Loop, target: string | AnyFunction, args: unknown[], caller: string): Future<unknown> {
    const call = this.#check(target, caller);
    const message: JobMessage = typeof target === "string"
      ? { id: ++jobCounter, name: target, source: undefined, args }
      : { id: ++jobCounter, name: undefined, source: _functionSource(target, caller), args };
    const job = new Job(this, loop, message, call);
    const worker = this.#idle.pop();
    if (worker !== undefined) {
      // Posting clones the arguments now: the one copy, and a clone error surfaces here.
      try {
        this.#post(worker, job);
      } catch (error) {
        this.#idle.push(worker);
        throw cloneError(error, args, call);
      }
      return job.future;
    }
    try {
      message.args = structuredClone(args);
    } catch (error) {
      throw cloneError(error, args, call);
    }
    this.#queue.push(job);
    this.#queued++;
    this.#refill();
    return job.future;
  }

  /** @internal a job's future was cancelled: drop it from the line, or terminate its worker */
  _cancelled(job: Job): void {
    const worker = job.worker;
    job.message = null;
    if (worker === null) {
      // Still in line: its slot is skipped when it comes up.
      if (job.queued) this.#queued--;
      job.queued = false;
      return;
    }
    worker.job = null;
    job.worker = null;
    this.#remove(worker);
    this.#refill();
  }

  // ---- internals ----

  /** Checks that a job can be submitted; returns how messages name it. */
  #check(target: unknown, caller: string): string {
    if (this.#closed) throw new RuntimeError(`${this} is closed: ${caller} needs an open pool (make a new WorkerPool)`);
    if (typeof target === "string") {
      if (this.moduleUrl === null) {
        throw new TypeError(
          `${this} has no module, so it runs functions only: pass ${caller} a function, ` +
            `or make a WorkerPool with the module that exports "${target}"`,
        );
      }
      return `"${target}"`;
    }
    if (typeof target === "function") {
      _functionSource(target as AnyFunction, caller);
      return describe(target);
    }
    throw new TypeError(`${caller} needs the name of an exported function or a function, got ${describe(target)}`);
  }

  #startWorker(): void {
    const worker = new PoolWorker();
    this.#workers.add(worker);
    this.#starting++;
    let started: Promise<WorkerThread>;
    try {
      started = this.#adapter.start(this.#source, {
        message: (data) => this.#onReply(worker, data as Reply),
        error: (error) => this.#onFailure(worker, error, undefined),
        exit: (code) => this.#onFailure(worker, undefined, code),
      });
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (thread) => {
        this.#starting--;
        worker.thread = thread;
        if (worker.dead) {
          // It failed while starting, or the pool was closed meanwhile.
          this.#terminate(thread);
          this.#refill();
          return;
        }
        this.#free(worker);
      },
      (error) => {
        this.#starting--;
        if (!worker.dead) {
          worker.dead = true;
          this.#workers.delete(worker);
        }
        // With no worker left to serve them, the waiting jobs fail rather than wait forever.
        if (this.#workers.size === 0) {
          this.#failQueued(
            new RuntimeError(`${this} could not start a worker on ${platform.name}: ${messageOf(error)}`, {
              cause: error,
            }),
          );
        }
        this.#maybeFinished();
      },
    );
  }

  /** A worker has no job: give it the oldest live one, or let it idle (or exit, once closed). */
  #free(worker: PoolWorker): void {
    const thread = worker.thread!;
    if (this.#closed) {
      this.#remove(worker);
      return;
    }
    for (;;) {
      const job = this.#nextQueued();
      if (job === undefined) break;
      try {
        this.#post(worker, job);
        return;
      } catch (error) {
        // The arguments were cloned once already, so this is unexpected; fail the job, not the pool.
        this.#settle(job, false, cloneError(error, [], job.call));
      }
    }
    thread.keepAlive(false);
    this.#idle.push(worker);
  }

  #nextQueued(): Job | undefined {
    while (this.#queue.length > 0) {
      const job = this.#queue.shift();
      if (!job.queued) continue; // cancelled while it waited
      job.queued = false;
      this.#queued--;
      return job;
    }
    return undefined;
  }

  /** Sends `job` to `worker`; throws (changing nothing) when its arguments cannot be cloned. */
  #post(worker: PoolWorker, job: Job): void {
    const thread = worker.thread!;
    thread.post(job.message);
    job.message = null; // the worker has its copy
    job.worker = worker;
    worker.job = job;
    thread.keepAlive(true);
  }

  #onReply(worker: PoolWorker, reply: Reply): void {
    const job = worker.job;
    if (worker.dead || job === null || reply.id !== job.id) return;
    worker.job = null;
    job.worker = null;
    this.#settle(job, reply.ok, reply.ok ? reply.value : unpack(reply));
    this.#free(worker);
  }

  /** The worker died on its own (exit) or failed outside a job's reach (error). */
  #onFailure(worker: PoolWorker, error: unknown, code: number | undefined): void {
    if (worker.dead) return;
    const job = worker.job;
    this.#remove(worker);
    if (job !== null) {
      worker.job = null;
      job.worker = null;
      const failure = code !== undefined
        ? new RuntimeError(
          `The worker running ${job.call} exited with code ${code} before the job finished: ` +
            "the job failed and the pool replaced the worker",
        )
        : new RuntimeError(
          `The worker running ${job.call} crashed (${messageOf(error)}): ` +
            "the job failed and the pool replaced the worker",
          { cause: error },
        );
      this.#settle(job, false, failure);
    }
    this.#refill();
  }

  /** Takes `worker` out of the pool and terminates it. */
  #remove(worker: PoolWorker): void {
    if (worker.dead) return;
    worker.dead = true;
    this.#workers.delete(worker);
    const at = this.#idle.indexOf(worker);
    if (at >= 0) this.#idle.splice(at, 1);
    // A starting worker has no thread yet: it is terminated once it is up (#startWorker).
    if (worker.thread !== null) this.#terminate(worker.thread);
  }

  #terminate(thread: WorkerThread): void {
    this.#exiting++;
    thread.terminate().then(() => {
      this.#exiting--;
      this.#maybeFinished();
    });
  }

  /** Starts workers for waiting jobs, up to `size`. */
  #refill(): void {
    if (this.#closed) return;
    while (this.#workers.size < this.size && this.#queued > this.#starting) this.#startWorker();
  }

  /** Completes the job's future with a result (`ok`) or an exception, unless it is done already. */
  #settle(job: Job, ok: boolean, value: unknown): void {
    const future = job.future;
    if (future.done() || job.loop.isClosed()) return;
    if (ok) future.setResult(value);
    else future.setException(value);
  }

  #failQueued(error: Error): void {
    for (let job = this.#nextQueued(); job !== undefined; job = this.#nextQueued()) {
      job.message = null;
      this.#settle(job, false, error);
    }
  }

  #finished(): boolean {
    return this.#closed && this.#workers.size === 0 && this.#exiting === 0;
  }

  #maybeFinished(): void {
    if (!this.#finished() || this.#closeWaiters.length === 0) return;
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const future of waiters) {
      if (!future.done() && !future.getLoop().isClosed()) future.setResult(undefined);
    }
  }
}

/** What the pool sends a worker: run export `name`, or the function whose source is `source`. */
interface JobMessage {
  id: number;
  name: string | undefined;
  source: string | undefined;
  args: unknown[];
}

/** A worker's thrown value, packed by the bootstrap so that it survives structured clone. */
type Packed = { error: PackedError } | { thrown: unknown };

interface PackedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable properties that could be cloned (`code`, ...). */
  props: Record<string, unknown>;
  cause?: Packed;
  /** An AggregateError's errors. */
  errors?: Packed[];
}

type Reply = { id: number; ok: true; value: unknown } | ({ id: number; ok: false } & Packed);

let jobCounter = 0;

/** One worker of a pool. */
class PoolWorker {
  /** Null while the runtime starts it. */
  thread: WorkerThread | null = null;
  /** The job it runs, or null when idle. */
  job: Job | null = null;
  /** Out of the pool: failed, cancelled mid-job, or retired by close(). */
  dead = false;
}

/** One submitted job. */
class Job {
  readonly id: number;
  readonly loop: Loop;
  /** How messages name it: `"add"` or `function fib`. */
  readonly call: string;
  readonly future: JobFuture;
  /** Until posted: what to post (then null, so the worker's copy is the only one). */
  message: JobMessage | null;
  /** In the pool's line and not cancelled. */
  queued = true;
  /** The worker running it, once posted. */
  worker: PoolWorker | null = null;

  constructor(pool: WorkerPool<unknown>, loop: Loop, message: JobMessage, call: string) {
    this.id = message.id;
    this.loop = loop;
    this.call = call;
    this.message = message;
    this.future = new JobFuture(loop, pool, this);
  }
}

/** A job's future: cancelling it cancels the job (see WorkerPool._cancelled). */
class JobFuture extends Future<unknown> {
  readonly #pool: WorkerPool<unknown>;
  readonly #job: Job;

  constructor(loop: Loop, pool: WorkerPool<unknown>, job: Job) {
    super({ loop });
    this.#pool = pool;
    this.#job = job;
  }

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this.#pool._cancelled(this.#job);
    return true;
  }
}

/** The one pool loop.runInExecutor(null, ...) and toThread() use, made on first need. */
let defaultPool: WorkerPool | null = null;

/** @internal the default pool (functions only, default size); `caller` names the API if the platform has no workers */
export function _defaultPool(caller: string): WorkerPool {
  if (defaultPool === null) {
    workerAdapter(caller);
    defaultPool = new WorkerPool(null);
  }
  return defaultPool;
}

/**
 * @internal loop.runInExecutor(): `executor`, or the default pool when it is
 * null, runs `target` (an export name or a function) with `args`
 */
export function _runInExecutor(
  loop: Loop,
  executor: WorkerPool<unknown> | null | undefined,
  target: string | AnyFunction,
  args: unknown[],
): Future<unknown> {
  if (executor === null || executor === undefined) {
    return _defaultPool("runInExecutor()")._submit(loop, target, args, "runInExecutor()");
  }
  if (!(executor instanceof WorkerPool)) {
    throw new TypeError(`runInExecutor() needs a WorkerPool, or null for the default pool, got ${describe(executor)}`);
  }
  return executor._submit(loop, target, args, "runInExecutor()");
}

/** The platform's workers; RuntimeError naming the platform where it has none. */
function workerAdapter(what: string): WorkerAdapter {
  const adapter = platform.workers;
  if (adapter === undefined) {
    throw new RuntimeError(
      `${what} needs worker threads (Web Worker or node:worker_threads), which ${platform.name} does not provide`,
    );
  }
  return adapter;
}

/** %GeneratorFunction.prototype% and %AsyncGeneratorFunction.prototype%. */
const GENERATOR_FUNCTION_PROTOTYPES: object[] = [
  Object.getPrototypeOf(function* () {}),
  Object.getPrototypeOf(async function* () {}),
];

/**
 * @internal the source a worker rebuilds `fn` from. Refuses what cannot travel as
 * source: built-in and bound functions (no source), and generator
 * functions (a generator cannot come back from a worker).
 */
export function _functionSource(fn: AnyFunction, caller: string): string {
  if (GENERATOR_FUNCTION_PROTOTYPES.includes(Object.getPrototypeOf(fn))) {
    throw new TypeError(
      `${caller} runs plain or async functions, not generator functions like ${describe(fn)}: ` +
        "run coroutines on the loop with createTask()",
    );
  }
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}$/.test(source)) {
    throw new TypeError(
      `${caller} cannot send ${describe(fn)} to a worker: built-in and bound functions have no source. ` +
        "Pass a function written in JavaScript that uses only its arguments and globals",
    );
  }
  return source;
}

/** The TypeError for arguments that structured clone refused. */
function cloneError(error: unknown, args: unknown[], call: string): TypeError {
  const at = args.findIndex((arg) => {
    try {
      structuredClone(arg);
      return false;
    } catch {
      return true;
    }
  });
  const which = at >= 0 ? `Argument ${at + 1} (${describe(args[at])})` : "An argument";
  return new TypeError(
    `${which} of ${call} cannot be sent to a worker (${messageOf(error)}): ` +
      "pass data that structured clone can copy, not functions, symbols or objects with methods",
    { cause: error },
  );
}

function checkModuleUrl(moduleUrl: unknown): string | null {
  if (moduleUrl === null) return null;
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== "string") {
    throw new TypeError(`WorkerPool needs a module URL (a URL or string) or null, got ${describe(moduleUrl)}`);
  }
  try {
    return new URL(moduleUrl).href;
  } catch {
    throw new RangeError(
      `WorkerPool needs an absolute module URL, got ${describe(moduleUrl)}: ` +
        `resolve it first, e.g. new URL(${JSON.stringify(moduleUrl)}, import.meta.url)`,
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- errors across the thread boundary ----

/** Errors rebuilt as their own class; others become an Error with the worker's name. CancelledError is left out on purpose: a job's failure must not read as the waiting task's cancellation. */
const ERROR_CLASSES: Record<string, new (message: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  RuntimeError,
  TimeoutError,
  InvalidStateError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  BrokenBarrierError,
  ConnectionResetError,
};

/** Rebuilds what the worker threw. */
function unpack(packed: Packed): unknown {
  if ("thrown" in packed) return packed.thrown;
  const p = packed.error;
  let error: Error;
  const errors = p.errors?.map(unpack);
  if (errors !== undefined && p.name === "ExceptionGroup" && errors.length > 0) {
    error = new ExceptionGroup(p.message, errors);
  } else if (errors !== undefined) {
    error = new AggregateError(errors, p.message);
  } else {
    const ErrorClass = Object.hasOwn(ERROR_CLASSES, p.name) ? ERROR_CLASSES[p.name]! : Error;
    error = new ErrorClass(p.message);
  }
  if (error.name !== p.name) {
    Object.defineProperty(error, "name", { value: p.name, writable: true, configurable: true, enumerable: false });
  }
  // The worker's stack says where it happened; this thread's would show only the pool.
  Object.defineProperty(error, "stack", {
    value: p.stack ?? `${p.name}: ${p.message}`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.assign(error, p.props);
  if (p.cause !== undefined) {
    Object.defineProperty(error, "cause", {
      value: unpack(p.cause),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return error;
}

/**
 * The module each worker runs (after the adapter's `listen`/`send`
 * prelude). It answers `{ id, name | source, args }` with
 * `{ id, ok: true, value }` or `{ id, ok: false, error | thrown }`.
 */
function bootstrapSource(moduleUrl: string | null): string {
  return `const MODULE_URL = ${JSON.stringify(moduleUrl)};
let loading = null;
const compiled = new Map();

function pack(error, depth) {
  if (typeof error === "object" && error !== null && typeof error.message === "string") {
    const packed = {
      name: typeof error.name === "string" ? error.name : "Error",
      message: error.message,
      stack: typeof error.stack === "string" ? error.stack : undefined,
      props: {},
    };
    for (const key of Object.keys(error)) {
      if (key === "name" || key === "message" || key === "stack" || key === "cause" || key === "errors") continue;
      try {
        packed.props[key] = structuredClone(error[key]);
      } catch {
        // Not cloneable: left out.
      }
    }
    if (depth < 8) {
      if ("cause" in error) packed.cause = pack(error.cause, depth + 1);
      if (Array.isArray(error.errors)) packed.errors = error.errors.map((e) => pack(e, depth + 1));
    }
    return { error: packed };
  }
  try {
    return { thrown: structuredClone(error) };
  } catch {
    return { thrown: String(error) };
  }
}

/** The same kind of error as \`error\`, with \`prefix\` before its message. */
function explained(error, prefix) {
  const name = error && typeof error.name === "string" ? error.name : "Error";
  const ErrorClass = typeof globalThis[name] === "function" && globalThis[name].prototype instanceof Error
    ? globalThis[name]
    : Error;
  const wrapped = new ErrorClass(prefix + (error && error.message !== undefined ? error.message : String(error)), { cause: error });
  if (error && typeof error === "object") {
    for (const key of Object.keys(error)) if (!(key in wrapped)) wrapped[key] = error[key];
  }
  return wrapped;
}

async function target(job) {
  if (job.source !== undefined) {
    let fn = compiled.get(job.source);
    if (fn === undefined) {
      try {
        fn = (0, eval)("(" + job.source + "\\n)");
      } catch (error) {
        throw new SyntaxError(
          "The function could not be rebuilt in the worker (" + error.message + "): " +
            "pass an arrow function or a function expression (not a method), using only its arguments and globals",
        );
      }
      if (compiled.size >= 64) compiled.clear();
      compiled.set(job.source, fn);
    }
    return fn;
  }
  let exports;
  try {
    exports = await (loading ??= import(MODULE_URL));
  } catch (error) {
    throw explained(error, "Cannot load " + MODULE_URL + " in the worker: ");
  }
  const fn = exports[job.name];
  if (typeof fn !== "function") {
    if (fn === undefined) {
      const names = Object.keys(exports).filter((key) => typeof exports[key] === "function");
      throw new TypeError(
        "The module " + MODULE_URL + " has no export named " + JSON.stringify(job.name) +
          " (its exported functions: " + (names.join(", ") || "none") + "): check the name given to the pool",
      );
    }
    throw new TypeError(
      "Export " + JSON.stringify(job.name) + " of " + MODULE_URL + " is " + typeof fn +
        ", not a function: the pool calls exported functions",
    );
  }
  return fn;
}

listen(async (job) => {
  let reply;
  try {
    const fn = await target(job);
    reply = { id: job.id, ok: true, value: await fn(...job.args) };
  } catch (error) {
    reply = { id: job.id, ok: false, ...pack(error, 0) };
  }
  try {
    send(reply);
  } catch (error) {
    const what = job.name !== undefined ? JSON.stringify(job.name) : "the function";
    send({
      id: job.id,
      ok: false,
      ...pack(new TypeError(
        "The result of " + what + " cannot be sent back from the worker (" + error.message + "): " +
          "return data that structured clone can copy, not functions, symbols or objects with methods",
      ), 0),
    });
  }
});
`;
}
