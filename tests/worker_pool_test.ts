// @needs os: starts worker threads and a child process
//
// WorkerPool, toThread() and loop.runInExecutor() with real workers: jobs
// run the exports of tests/fixtures/pool_math.mjs (plain JavaScript, so
// that Node 20 loads it in a worker as it is). Time is real here: tests
// wait for events (a job started, a worker left), never for fixed delays.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CancelledError,
  type Coroutine,
  createTask,
  Future,
  gather,
  getRunningLoop,
  Loop,
  run,
  RuntimeError,
  sleep,
  TimeoutError,
  toThread,
  WorkerPool,
  type WorkerPoolStats,
} from "../host/mod.ts";
import { assertError, caught, thrownBy } from "./_helpers.ts";
import { runFixture } from "./_helpers_process.ts";

// Fixtures resolve from the working directory (the repository root): Node
// runs this file bundled into tests/.out/, Deno and Bun from tests/.
const fixture = (name: string) => pathToFileURL(resolve("tests/fixtures", name));
const MATH = fixture("pool_math.mjs");

// Deno cannot stop a worker busy in a synchronous loop: terminate() leaves
// it running until the loop returns (denoland/deno#35657, Deno 2.9). The
// pool still drops it at once; only "it stopped computing" cannot hold.
const TERMINATES_BUSY_WORKERS = !("Deno" in globalThis);

/** Polls `done` every millisecond until it holds; fails after 20 s so a broken pool cannot hang the suite. */
function* waitUntil(done: () => boolean, what: string): Coroutine<void> {
  const deadline = performance.now() + 20_000;
  while (!done()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    yield* sleep(1);
  }
}

/** Cells shared with the fixture's spin(): [started, rounds, release]. */
function spinCells(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(12));
}

/** Waits until spin()'s round counter stands still: its worker was really stopped. */
function* stoppedSpinning(cells: Int32Array): Coroutine<void> {
  let last = Atomics.load(cells, 1);
  let still = 0;
  yield* waitUntil(() => {
    const now = Atomics.load(cells, 1);
    still = now === last ? still + 1 : 0;
    last = now;
    return still >= 20; // 20 ms without a single round
  }, "the cancelled job to stop computing");
}

function stats(pool: WorkerPool, expected: Partial<WorkerPoolStats>): void {
  const seen = pool.stats();
  const picked = Object.fromEntries(Object.keys(expected).map((key) => [key, seen[key as keyof WorkerPoolStats]]));
  assert.deepEqual(picked, expected, `pool stats: ${JSON.stringify(seen)}`);
}

/** Runs `body` with a pool that is closed (and its workers gone) afterwards, whatever happens. */
async function withPool(size: number, body: (pool: WorkerPool) => Coroutine<void>, url: URL = MATH): Promise<void> {
  const pool = new WorkerPool(url, { size });
  try {
    await run(() => body(pool));
  } finally {
    pool.close();
    await run(() => pool.waitClosed());
  }
}

describe("WorkerPool.run()", () => {
  test("runs the module's export in a worker with structured-clone copies of the arguments", async () => {
    await withPool(2, function* (pool) {
      stats(pool, { workers: 0 }); // lazy: no worker before the first job
      assert.equal(yield* pool.run("add", 2, 3), 5);
      const data = { map: new Map([["k", [1, 2]]]), bytes: new Uint8Array([7, 8]), big: 10n ** 20n, when: new Date(0) };
      const back = yield* pool.run("echo", data);
      assert.deepEqual(back, data);
      assert.notEqual(back, data);
      assert.equal(yield* pool.run("later", "awaited", 5), "awaited"); // a promise is awaited in the worker
      stats(pool, { workers: 1, busy: 0, idle: 1, queued: 0 }); // one at a time needs one worker
    });
  });

  test("the loop runs on while a worker computes: other tasks progress during a job", async () => {
    await withPool(1, function* (pool) {
      const cells = spinCells();
      const log: string[] = [];
      const job = createTask(pool.run("spin", cells.buffer));
      yield* waitUntil(() => Atomics.load(cells, 0) === 1, "spin() to start");
      const rounds = Atomics.load(cells, 1);
      yield* sleep(5);
      log.push("loop ran");
      assert.ok(Atomics.load(cells, 1) > rounds, "the worker computes at the same time");
      Atomics.store(cells, 2, 1);
      log.push(String(yield* job));
      assert.deepEqual(log, ["loop ran", "released"]);
    });
  });

  test("jobs wait in FIFO order when every worker is busy (size 1), and never start more than size workers", async () => {
    await withPool(1, function* (pool) {
      const counter = new SharedArrayBuffer(4);
      const finished: number[] = [];
      const tasks = [0, 1, 2, 3, 4].map((i) =>
        createTask(function* () {
          const seq = yield* pool.run("sequence", counter);
          finished.push(i);
          return seq;
        }())
      );
      yield* sleep(0); // every task submits its job
      const submitted = pool.stats();
      assert.equal(submitted.workers, 1);
      assert.equal(submitted.busy + submitted.queued, 5);
      assert.deepEqual(yield* gather(tasks), [0, 1, 2, 3, 4]);
      assert.deepEqual(finished, [0, 1, 2, 3, 4]);
      stats(pool, { workers: 1, queued: 0 });
    });
  });

  test("a size-2 pool runs two jobs at once", async () => {
    await withPool(2, function* (pool) {
      const a = spinCells();
      const b = spinCells();
      const jobs = [createTask(pool.run("spin", a.buffer)), createTask(pool.run("spin", b.buffer))];
      yield* waitUntil(() => Atomics.load(a, 0) === 1 && Atomics.load(b, 0) === 1, "both spins to start");
      stats(pool, { workers: 2, busy: 2 });
      Atomics.store(a, 2, 1);
      Atomics.store(b, 2, 1);
      assert.deepEqual(yield* gather(jobs), ["released", "released"]);
    });
  });
});

describe("WorkerPool errors", () => {
  test("an exception in the worker is thrown in the task with its class, message, properties, cause and stack", async () => {
    await withPool(1, function* (pool) {
      const error = yield* caught(() => pool.run("fail", "bad input"));
      assertError(error, RangeError, "bad input");
      assert.equal((error as RangeError & { code: string }).code, "E_FIXTURE");
      assert.match(error.stack ?? "", /pool_math\.mjs/); // the worker's stack: where it was thrown
      assertError(error.cause, TypeError, "the root cause");
    });
  });

  test("a custom error class arrives as an Error with its name and own properties", async () => {
    await withPool(1, function* (pool) {
      const error = yield* caught(() => pool.run("failCustom", "unexpected token"));
      assert.ok(error instanceof Error);
      assert.equal(error.name, "ParseError");
      assert.equal(error.message, "unexpected token");
      assert.equal((error as Error & { line: number }).line, 3);
      assert.match(String(error.stack), /ParseError: unexpected token/);
    });
  });

  test("spindle's error names come back as spindle's classes, except CancelledError, which is no cancellation", async () => {
    await withPool(1, function* (pool) {
      assertError(yield* caught(() => pool.run("failNamed", "TimeoutError", "too slow")), TimeoutError, "too slow");
      const cancelled = yield* caught(() => pool.run("failNamed", "CancelledError", "not mine"));
      assert.ok(!(cancelled instanceof CancelledError));
      assert.equal((cancelled as Error).name, "CancelledError");
    });
  });

  test("an AggregateError keeps its errors; a thrown non-error value arrives as it is", async () => {
    await withPool(1, function* (pool) {
      const many = yield* caught(() => pool.run("failMany"));
      assertError(many, AggregateError, "two things failed");
      const { errors } = many as AggregateError;
      assert.equal(errors.length, 2);
      assertError(errors[0], TypeError, "first");
      assertError(errors[1], RangeError, "second");
      assert.deepEqual(yield* caught(() => pool.run("throwValue", { code: 7 })), { code: 7 });
      assert.equal(yield* caught(() => pool.run("throwValue", "plain text")), "plain text");
      assert.equal(yield* caught(() => pool.run("throwValue", undefined)), undefined); // thrown, not returned
    });
  });

  test("an unknown export or one that is not a function fails the job with a TypeError naming it and the module", async () => {
    await withPool(1, function* (pool) {
      const unknown = yield* caught(() => pool.run("nope"));
      assertError(unknown, TypeError, /has no export named "nope"/);
      assert.ok(unknown.message.includes(MATH.href));
      assert.match(unknown.message, /functions: add, crashLater, echo, /); // what it does export
      assertError(
        yield* caught(() => pool.run("notAFunction")),
        TypeError,
        /"notAFunction" .* is number, not a function/,
      );
      assert.equal(yield* pool.run("add", 1, 1), 2); // the worker serves on
    });
  });

  test("a module that fails to load fails each job with its error, the module named", async () => {
    await withPool(1, function* (pool) {
      for (let i = 0; i < 2; i++) {
        const error = yield* caught(() => pool.run("anything"));
        assertError(
          error,
          TypeError,
          /^Cannot load .*pool_broken\.mjs in the worker: pool_broken\.mjs refuses to load$/,
        );
        assertError(error.cause, TypeError, "pool_broken.mjs refuses to load");
      }
    }, fixture("pool_broken.mjs"));
  });

  test("an argument that cannot be cloned is a TypeError where the job is submitted, queued or not", async () => {
    await withPool(1, function* (pool) {
      // No worker yet: the job would queue.
      assertError(
        yield* caught(() => pool.run("echo", 1, () => 2)),
        TypeError,
        /^Argument 2 \(function\b.*\) of "echo" cannot be sent to a worker/,
      );
      assert.equal(yield* pool.run("add", 1, 2), 3);
      // An idle worker: the job would be posted at once.
      assertError(
        yield* caught(() => pool.run("echo", Symbol("s"))),
        TypeError,
        /^Argument 1 .* of "echo" cannot be sent/,
      );
      stats(pool, { workers: 1, idle: 1, busy: 0, queued: 0 });
      assert.equal(yield* pool.run("add", 2, 2), 4);
    });
  });

  test("a result that cannot be cloned fails the job with a TypeError, and the worker serves on", async () => {
    await withPool(1, function* (pool) {
      assertError(
        yield* caught(() => pool.run("returnFunction")),
        TypeError,
        /^The result of "returnFunction" cannot be sent back from the worker/,
      );
      assert.equal(yield* pool.run("add", 3, 4), 7);
      stats(pool, { workers: 1 });
    });
  });

  test("a worker that exits mid-job fails it with a RuntimeError naming the exit code, and is replaced", async () => {
    await withPool(1, function* (pool) {
      assertError(yield* caught(() => pool.run("exitWith", 3)), RuntimeError, /"exitWith" exited with code 3/);
      stats(pool, { workers: 0 });
      assert.equal(yield* pool.run("add", 1, 2), 3);
      stats(pool, { workers: 1 });
    });
  });

  test("a worker that crashes outside the job (an error thrown in a timer) fails the job with a RuntimeError", async () => {
    await withPool(1, function* (pool) {
      const error = yield* caught(() => pool.run("crashLater"));
      assertError(error, RuntimeError, /^The worker running "crashLater" crashed \(.*crash in a timer/s);
      assert.match(String((error.cause as Error).message), /crash in a timer/);
      stats(pool, { workers: 0 });
      assert.equal(yield* pool.run("add", 5, 5), 10);
    });
  });
});

describe("WorkerPool cancellation", () => {
  test("a job cancelled mid-computation frees its task at once; its worker is terminated and replaced", async () => {
    const cells = spinCells();
    try {
      await withPool(1, function* (pool) {
        const log: string[] = [];
        const spinner = createTask(pool.run("spin", cells.buffer));
        yield* waitUntil(() => Atomics.load(cells, 0) === 1, "spin() to start");
        log.push("spinning");
        stats(pool, { workers: 1, busy: 1 });
        spinner.cancel("enough");
        stats(pool, { workers: 0, busy: 0 }); // out of the pool at once
        const error = yield* caught(() => spinner);
        assertError(error, CancelledError, "enough");
        log.push("cancelled");
        if (TERMINATES_BUSY_WORKERS) {
          yield* stoppedSpinning(cells);
          log.push("stopped");
        }
        log.push(`next job: ${yield* pool.run("add", 20, 22)}`);
        stats(pool, { workers: 1, busy: 0, idle: 1 });
        assert.deepEqual(
          log,
          TERMINATES_BUSY_WORKERS
            ? ["spinning", "cancelled", "stopped", "next job: 42"]
            : ["spinning", "cancelled", "next job: 42"],
        );
      });
    } finally {
      Atomics.store(cells, 2, 1); // lets a worker Deno could not stop finish
    }
  });

  test("cancelling one job leaves the others running on their workers", async () => {
    const cells = spinCells();
    try {
      await withPool(2, function* (pool) {
        const spinner = createTask(pool.run("spin", cells.buffer));
        const other = createTask(pool.run("later", "unaffected", 100));
        yield* waitUntil(() => Atomics.load(cells, 0) === 1 && pool.stats().busy === 2, "both jobs to start");
        spinner.cancel();
        stats(pool, { workers: 1, busy: 1 });
        assert.equal(yield* other, "unaffected");
        assert.equal(spinner.cancelled(), true);
        if (TERMINATES_BUSY_WORKERS) yield* stoppedSpinning(cells);
      });
    } finally {
      Atomics.store(cells, 2, 1);
    }
  });

  test("a job cancelled while it waits in line leaves it without running, and the line moves on", async () => {
    const cells = spinCells();
    await withPool(1, function* (pool) {
      const counter = new SharedArrayBuffer(4);
      const spinner = createTask(pool.run("spin", cells.buffer));
      const waiting = createTask(pool.run("sequence", counter));
      const after = createTask(pool.run("sequence", counter));
      yield* waitUntil(() => Atomics.load(cells, 0) === 1, "spin() to start");
      stats(pool, { busy: 1, queued: 2 });
      waiting.cancel();
      stats(pool, { busy: 1, queued: 1 });
      Atomics.store(cells, 2, 1);
      assert.equal(yield* spinner, "released");
      assert.equal(yield* after, 0); // the first sequence() to run: the cancelled one never did
      assert.equal(waiting.cancelled(), true);
    });
  });
});

describe("WorkerPool.close()", () => {
  test("cancels queued jobs, lets running ones finish, then the workers exit; run() after close is a RuntimeError", async () => {
    const pool = new WorkerPool(MATH, { size: 1 });
    await run(function* () {
      const first = createTask(pool.run("later", "finished", 50));
      const second = createTask(pool.run("add", 1, 1));
      const third = createTask(pool.run("add", 2, 2));
      yield* waitUntil(() => pool.stats().busy === 1, "the first job to start");
      pool.close();
      assert.equal(pool.isClosed(), true);
      stats(pool, { workers: 1, busy: 1, queued: 0 });
      assertError(thrownBy(() => pool.run("add", 1, 2)), RuntimeError, /is closed/);
      const [a, b, c] = yield* gather([first, second, third], { returnExceptions: true });
      assert.equal(a, "finished");
      assertError(b, CancelledError, "The WorkerPool was closed before the job started");
      assertError(c, CancelledError);
      yield* pool.waitClosed();
      stats(pool, { workers: 0, starting: 0, busy: 0, idle: 0, queued: 0 });
      pool.close(); // again: no effect
      assertError(thrownBy(() => getRunningLoop().runInExecutor(pool, "add", 1, 2)), RuntimeError, /is closed/);
    });
  });

  test("closing an idle pool terminates its workers at once", async () => {
    const pool = new WorkerPool(MATH, { size: 2 });
    await run(function* () {
      yield* gather([pool.run("later", 1, 20), pool.run("later", 2, 20)]);
      stats(pool, { workers: 2, idle: 2 });
      pool.close();
      stats(pool, { workers: 0, idle: 0 });
      yield* pool.waitClosed();
    });
  });

  test("a pool closed before its first worker is up never runs a job", async () => {
    const pool = new WorkerPool(MATH, { size: 1 });
    await run(function* () {
      const job = createTask(pool.run("add", 1, 2));
      yield* sleep(0); // submitted: the worker is starting
      stats(pool, { workers: 1, starting: 1, queued: 1 });
      pool.close();
      assertError(yield* caught(() => job), CancelledError);
      yield* pool.waitClosed();
      stats(pool, { workers: 0, starting: 0 });
    });
  });

  test("`using` closes the pool at the end of the scope", async () => {
    await run(function* () {
      let kept: WorkerPool;
      {
        using pool = new WorkerPool(MATH, { size: 1 });
        kept = pool;
        assert.equal(yield* pool.run("add", 1, 2), 3);
        assert.equal(pool.isClosed(), false);
      }
      assert.equal(kept.isClosed(), true);
      yield* kept.waitClosed();
      stats(kept, { workers: 0 });
    });
  });
});

describe("WorkerPool bad input", () => {
  test("size must be an integer >= 1 (RangeError) and a number (TypeError)", () => {
    for (const size of [0, -1, 1.5, NaN, Infinity]) {
      assertError(thrownBy(() => new WorkerPool(MATH, { size })), RangeError, /size must be an integer >= 1/);
    }
    assertError(
      thrownBy(() => new WorkerPool(MATH, { size: "2" as unknown as number })),
      TypeError,
      /size must be a number/,
    );
  });

  test("the module must be an absolute URL (RangeError for a relative one), a URL, a string or null", () => {
    assertError(
      thrownBy(() => new WorkerPool("./pool_math.mjs")),
      RangeError,
      /absolute module URL.*new URL\("\.\/pool_math\.mjs", import\.meta\.url\)/,
    );
    assertError(thrownBy(() => new WorkerPool(42 as unknown as string)), TypeError, /module URL/);
    assertError(thrownBy(() => new WorkerPool(undefined as unknown as string)), TypeError, /module URL/);
    assertError(
      thrownBy(() => new WorkerPool(MATH, null as unknown as object)),
      TypeError,
      /options must be an object/,
    );
    const pool = new WorkerPool(MATH.href, { size: 1 });
    assert.equal(pool.moduleUrl, MATH.href);
    assert.equal(String(pool), `WorkerPool(${MATH.href}, size 1)`);
    pool.close();
  });

  test("run() needs an export name or a function that can travel as source (TypeError at the call)", () => {
    const pool = new WorkerPool(MATH, { size: 1 });
    try {
      assertError(
        thrownBy(() => pool.run(42 as unknown as string)),
        TypeError,
        /needs the name of an exported function or a function, got 42/,
      );
      assertError(thrownBy(() => pool.run(function* gen() {})), TypeError, /not generator functions/);
      assertError(thrownBy(() => pool.run(Math.max)), TypeError, /built-in and bound functions have no source/);
      stats(pool, { workers: 0 });
    } finally {
      pool.close();
    }
  });

  test("a pool without a module runs functions only: an export name is a TypeError", () => {
    const pool = new WorkerPool(null, { size: 1 });
    try {
      assertError(thrownBy(() => pool.run("add", 1, 2)), TypeError, /has no module, so it runs functions only/);
    } finally {
      pool.close();
    }
  });
});

describe("toThread()", () => {
  test("runs a self-contained function with its arguments on a worker thread and returns its result", async () => {
    await run(function* () {
      assert.equal(yield* toThread((a: number, b: number) => a * b, 6, 7), 42);
      const slept = yield* toThread(async (ms: number) => {
        await new Promise((done) => setTimeout(done, ms));
        return `slept ${ms}`;
      }, 5);
      assert.equal(slept, "slept 5");
      (globalThis as Record<string, unknown>).spindleMarker = "main thread";
      try {
        // Another thread: the main thread's globals are not there.
        assert.equal(yield* toThread(() => typeof (globalThis as Record<string, unknown>).spindleMarker), "undefined");
      } finally {
        delete (globalThis as Record<string, unknown>).spindleMarker;
      }
    });
  });

  test("the function's errors reach the task; a closure over a local variable is a ReferenceError in the worker", async () => {
    await run(function* () {
      assertError(
        yield* caught(() =>
          toThread(() => {
            throw new RangeError("from a thread");
          })
        ),
        RangeError,
        "from a thread",
      );
      const factor = 3;
      assertError(yield* caught(() => toThread((x: number) => x * factor, 2)), ReferenceError, /factor/);
    });
  });

  test("a method shorthand cannot be rebuilt in the worker: SyntaxError saying what to pass", async () => {
    const shapes = {
      triple(x: number) {
        return x * 3;
      },
    };
    await run(function* () {
      assertError(
        yield* caught(() => toThread(shapes.triple, 2)),
        SyntaxError,
        /could not be rebuilt in the worker.*arrow function/,
      );
    });
  });

  test("what cannot travel as source is a TypeError at the call", () => {
    assertError(
      thrownBy(() => toThread(42 as unknown as () => void)),
      TypeError,
      "toThread() needs a function to run, got 42",
    );
    assertError(
      thrownBy(() => toThread(function* () {})),
      TypeError,
      /toThread\(\) runs plain or async functions, not generator functions/,
    );
    assertError(thrownBy(() => toThread(async function* () {})), TypeError, /not generator functions/);
    assertError(thrownBy(() => toThread(Math.max, 1, 2)), TypeError, /built-in and bound functions/);
    assertError(thrownBy(() => toThread(((x: number) => x).bind(null), 1)), TypeError, /built-in and bound functions/);
  });
});

describe("loop.runInExecutor()", () => {
  test("returns a Future for the job's result, on a given pool or (null) the default pool", async () => {
    await withPool(1, function* (pool) {
      const loop = getRunningLoop();
      const sum = loop.runInExecutor(pool, "add", 20, 22);
      assert.ok(sum instanceof Future);
      assert.equal(yield* sum, 42);
      assert.equal(yield* loop.runInExecutor(null, (s: string) => s.toUpperCase(), "abc"), "ABC");
      assert.equal(yield* loop.runInExecutor(pool, (n: number) => n + 1, 1), 2); // a function on a module pool
    });
  });

  test("cancelling the future terminates the job's worker", async () => {
    const cells = spinCells();
    try {
      await withPool(1, function* (pool) {
        const future = getRunningLoop().runInExecutor(pool, "spin", cells.buffer);
        yield* waitUntil(() => Atomics.load(cells, 0) === 1, "spin() to start");
        assert.equal(future.cancel(), true);
        assert.equal(future.cancelled(), true);
        stats(pool, { workers: 0 });
        if (TERMINATES_BUSY_WORKERS) yield* stoppedSpinning(cells);
      });
    } finally {
      Atomics.store(cells, 2, 1);
    }
  });

  test("bad executors and export names for the default pool are TypeErrors; a closed loop is a RuntimeError", async () => {
    await run(function* () {
      const loop = getRunningLoop();
      assertError(
        thrownBy(() => loop.runInExecutor({} as WorkerPool, "add", 1, 2)),
        TypeError,
        /needs a WorkerPool, or null/,
      );
      assertError(thrownBy(() => loop.runInExecutor(null, "add" as never)), TypeError, /runs functions only/);
      yield* sleep(0);
    });
    const closed = new Loop();
    closed.close();
    const pool = new WorkerPool(MATH, { size: 1 });
    assertError(thrownBy(() => closed.runInExecutor(pool, "add", 1, 2)), RuntimeError, /Event loop is closed/);
    pool.close();
  });
});

describe("workers and the process", () => {
  test("an idle pool, the default pool and a cancelled busy job do not keep the process alive", async () => {
    const outcome = await runFixture("tests/fixtures/pool_exit_main.ts", [], () => {});
    const detail = JSON.stringify(outcome);
    assert.equal(outcome.timedOut, false, detail);
    assert.deepEqual(
      outcome.stdout.split("\n").filter((line) => line !== ""),
      ["sum 3", "product 42", "spinner CancelledError", "workers 0 busy 0", "run() returned"],
      detail,
    );
    assert.equal(outcome.code, 0, detail);
  });
});
