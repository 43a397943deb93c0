/**
 * What spindle's WorkerPool needs from a runtime's threads: start a worker
 * running a module given as source text, post it messages, hear its
 * replies and its death, keep it from holding the process open while idle,
 * and terminate it. worker_node.ts (`node:worker_threads`) and
 * worker_web.ts (the Web `Worker`) implement it; worker_pool.ts never sees
 * the runtime.
 *
 * Ground rules for adapters
 * - The source given to `start()` is an ES module body that calls two
 *   functions the adapter defines in front of it: `listen(handler)`
 *   (`handler(data)` for each message the parent posts) and `send(data)`
 *   (posts to the parent).
 * - Events reach the pool from the runtime's own callbacks, never
 *   synchronously from inside a method the pool called.
 * - `error` or `exit` is reported at most once, and nothing at all after
 *   `terminate()`: a worker that failed is gone for the pool, which then
 *   terminates it to be sure.
 *
 * @module
 */

/** What a worker reports to its pool. */
export interface WorkerEvents {
  /** The worker posted `data` (with `send()`). */
  message(data: unknown): void;
  /**
   * The worker failed outside the code that answers messages (an uncaught
   * error or unhandled rejection, a reply that could not be read). It is,
   * or is about to be, gone.
   */
  error(error: unknown): void;
  /** The worker ended on its own (`process.exit()` in it), with `code`. */
  exit(code: number): void;
}

/** A running worker. */
export interface WorkerThread {
  /**
   * Posts `data` (structured clone). Throws at once, posting nothing, when
   * `data` cannot be cloned.
   */
  post(data: unknown): void;
  /**
   * Whether the worker keeps the process alive: true while it runs a job,
   * false while it idles. Does nothing where the runtime cannot choose
   * (browsers).
   */
  keepAlive(alive: boolean): void;
  /**
   * Stops the worker at once, even inside a synchronous loop where the
   * runtime can (see each adapter), and reports nothing more. Resolves
   * once the runtime has let it go; never rejects.
   */
  terminate(): Promise<void>;
}

/** Worker threads for runtimes that have them (platform.workers). */
export interface WorkerAdapter {
  /** How many workers a pool gets when no size is given: the logical processors, where the runtime tells. */
  defaultSize(): number;
  /**
   * Starts a worker running the module `source` (see the ground rules);
   * `events` hears from it until it fails or is terminated. Rejects when
   * the runtime refuses to start it.
   */
  start(source: string, events: WorkerEvents): Promise<WorkerThread>;
}
