/**
 * The part of `node:test` spindle's tests use, for hosts that have no
 * `node:test` (browsers, workerd). Bundlers alias `node:test` to this file;
 * a host page imports {@linkcode runRegisteredTests} from it and runs what
 * the test files registered.
 *
 * Ground rules
 * - Only ECMAScript plus `setTimeout`, `performance` and, where the host has
 *   it, `addEventListener` for unhandled errors: no `node:*` module and no
 *   runtime namespace (`Deno`, `Bun`, `process`).
 * - Semantics follow node:test: `describe` bodies run at once and register
 *   their tests; tests run one at a time in registration order; `before` and
 *   `after` run once around a suite's tests, `beforeEach` outermost first and
 *   `afterEach` innermost first around each test; a failing `before` fails
 *   every test of its suite; a failing hook never stops the run.
 * - Everything is caught: a test that throws, rejects, times out or makes an
 *   unhandled rejection while it runs fails; an error that surfaces between
 *   tests or a failing `after` hook is a failed result of its own, so no
 *   failure is ever lost.
 * - Options the suite does not use (`skip`, `only`, `todo`, `concurrency`,
 *   `plan`, subtests through `t.test`) are refused when a test registers, not
 *   silently ignored: a run here must mean what it means under node:test.
 *
 * @module
 */

/** What a test or hook function receives (node:test's TestContext, the part our tests may use). */
export class TestContext {
  /** The test's own name. */
  readonly name: string;
  /** The names of its suites and its own, joined with " > ". */
  readonly fullName: string;
  readonly #controller: AbortController;
  readonly #diagnostics: string[];

  constructor(name: string, fullName: string, controller: AbortController, diagnostics: string[]) {
    this.name = name;
    this.fullName = fullName;
    this.#controller = controller;
    this.#diagnostics = diagnostics;
  }

  /** Aborts when the test ends or times out, so a test can stop work it started. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Records a line reported with the test's result. */
  diagnostic(message: string): void {
    this.#diagnostics.push(String(message));
  }
}

/** A test body: sync, async, or node's callback style `(t, done)`. */
export type TestFn = (t: TestContext, done: (error?: unknown) => void) => unknown;
/** A `describe` body: runs at once and registers tests. */
export type SuiteFn = () => unknown;
/** A hook body. */
export type HookFn = (t: TestContext, done: (error?: unknown) => void) => unknown;

/** The options this shim honours. */
export interface TestOptions {
  /** Milliseconds the test (or hook) may take; the run's own limit still applies. */
  timeout?: number;
}

interface Hook {
  readonly fn: HookFn;
  readonly timeoutMs: number;
}

interface TestCase {
  readonly kind: "test";
  readonly name: string;
  readonly fn: TestFn | undefined;
  readonly timeoutMs: number;
}

interface Suite {
  readonly kind: "suite";
  readonly name: string;
  readonly children: (Suite | TestCase)[];
  readonly before: Hook[];
  readonly after: Hook[];
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
  /** Why registering the suite failed, reported as a failed result. */
  buildError: unknown;
}

/** One test's (or one failing hook's or stray error's) outcome. */
export interface TestResult {
  /** Suite names and the test name joined with " > ". */
  name: string;
  ok: boolean;
  /** What went wrong: the error's name and message (and its first frames for unexpected errors). */
  error?: string;
  /** Wall time, in milliseconds. */
  ms: number;
}

/** What {@linkcode runRegisteredTests} reports. */
export interface RunSummary {
  passed: number;
  failed: number;
  results: TestResult[];
}

/** How {@linkcode runRegisteredTests} runs. */
export interface RunOptions {
  /** The longest any one test or hook may take, in milliseconds. */
  timeoutMs: number;
  /** Receives one line per finished test, as it finishes. */
  log?: (line: string) => void;
}

const SUPPORTED_OPTIONS = new Set(["timeout"]);

function newSuite(name: string): Suite {
  return {
    kind: "suite",
    name,
    children: [],
    before: [],
    after: [],
    beforeEach: [],
    afterEach: [],
    buildError: undefined,
  };
}

let root = newSuite("");
let current = root;
let running = false;

function checkOptions(what: string, options: unknown): number {
  if (options === undefined || options === null) return Infinity;
  if (typeof options !== "object") {
    throw new TypeError(`${what}: options must be an object, got ${typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!SUPPORTED_OPTIONS.has(key)) {
      throw new TypeError(
        `${what}: the option "${key}" is not supported by tests/shims/node_test.ts; ` +
          `support it there before using it, or the browser and workerd runs would ignore it`,
      );
    }
  }
  const timeout = (options as TestOptions).timeout;
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${what}: timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  }
  return timeout;
}

/** Sorts node:test's overloads `(name?, options?, fn?)` into their parts. */
function parseArgs<F extends (...args: never[]) => unknown>(
  what: string,
  args: unknown[],
): { name: string; timeoutMs: number; fn: F | undefined } {
  let [name, options, fn] = args;
  if (typeof name === "function") [name, options, fn] = [name.name, undefined, name];
  else if (typeof name === "object" && name !== null) [name, options, fn] = [undefined, name, options];
  if (typeof options === "function") [options, fn] = [undefined, options];
  if (fn !== undefined && typeof fn !== "function") {
    throw new TypeError(`${what}: the body must be a function, got ${typeof fn}`);
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`${what}: the name must be a string, got ${typeof name}`);
  }
  const label = name === undefined || name === "" ? "<anonymous>" : name;
  return { name: label, timeoutMs: checkOptions(`${what}("${label}")`, options), fn: fn as F | undefined };
}

function refuseWhileRunning(what: string): void {
  if (running) {
    throw new Error(
      `${what}() was called while tests run; register tests at module top level or inside describe(), ` +
        `subtests (t.test) are not supported by tests/shims/node_test.ts`,
    );
  }
}

/** Registers a test in the current suite (node:test's `test`). */
export function test(name?: string | TestFn | TestOptions, options?: TestOptions | TestFn, fn?: TestFn): void {
  refuseWhileRunning("test");
  const parsed = parseArgs<TestFn>("test", [name, options, fn]);
  current.children.push({ kind: "test", name: parsed.name, fn: parsed.fn, timeoutMs: parsed.timeoutMs });
}

/** Same as {@linkcode test}. */
export const it: typeof test = test;

/**
 * Registers a suite and runs `fn` at once to collect its tests (node:test's
 * `describe`). The body must be synchronous: tests registered after an
 * `await` could not be told from the next suite's.
 */
export function describe(name?: string | SuiteFn | TestOptions, options?: TestOptions | SuiteFn, fn?: SuiteFn): void {
  refuseWhileRunning("describe");
  const parsed = parseArgs<SuiteFn>("describe", [name, options, fn]);
  const suite = newSuite(parsed.name);
  current.children.push(suite);
  if (parsed.fn === undefined) return;
  const parent = current;
  current = suite;
  try {
    const value: unknown = parsed.fn();
    if (typeof (value as PromiseLike<unknown> | null)?.then === "function") {
      suite.buildError = new TypeError(
        `describe("${parsed.name}") returned a promise: its body must register its tests synchronously here`,
      );
    }
  } catch (error) {
    suite.buildError = error;
  } finally {
    current = parent;
  }
}

/** Same as {@linkcode describe}. */
export const suite: typeof describe = describe;

function hook(kind: "before" | "after" | "beforeEach" | "afterEach", fn: unknown, options: unknown): void {
  refuseWhileRunning(kind);
  if (typeof fn !== "function") throw new TypeError(`${kind}: the hook must be a function, got ${typeof fn}`);
  current[kind].push({ fn: fn as HookFn, timeoutMs: checkOptions(kind, options) });
}

/** Runs `fn` once before the current suite's first test (or the file's, at top level). */
export function before(fn: HookFn, options?: TestOptions): void {
  hook("before", fn, options);
}

/** Runs `fn` once after the current suite's tests (or the file's, at top level). */
export function after(fn: HookFn, options?: TestOptions): void {
  hook("after", fn, options);
}

/** Runs `fn` before each test of the current suite and its nested suites. */
export function beforeEach(fn: HookFn, options?: TestOptions): void {
  hook("beforeEach", fn, options);
}

/** Runs `fn` after each test of the current suite and its nested suites. */
export function afterEach(fn: HookFn, options?: TestOptions): void {
  hook("afterEach", fn, options);
}

// ---- running ----

function now(): number {
  return typeof performance === "object" ? performance.now() : Date.now();
}

/**
 * Resolves on a later macrotask, after the host has reported the promise
 * rejections left unhandled so far (hosts do at the end of a task). A
 * MessageChannel where there is one: nested `setTimeout(0)`s are clamped.
 */
function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof MessageChannel !== "function") {
      setTimeout(resolve, 0);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** An error as one readable string: name and message, then where an unexpected error came from. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) {
    return `thrown value that is not an Error: ${typeof error === "string" ? JSON.stringify(error) : String(error)}`;
  }
  let text = `${error.name}: ${error.message}`;
  // Assertion failures say everything in their message; other errors need their origin.
  if (error.name !== "AssertionError" && typeof error.stack === "string") {
    const frames = error.stack.split("\n").filter((line) => /^\s+at /.test(line)).slice(0, 3);
    if (frames.length > 0) text += "\n" + frames.map((line) => line.trim()).join("\n");
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined) text += `\ncaused by ${describeError(cause)}`;
  return text;
}

/** Calls a test or hook body, honouring node's `(t, done)` form, bounded by `timeoutMs`. */
async function invoke(fn: TestFn | HookFn, context: TestContext, timeoutMs: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = fn.length >= 2
    ? new Promise<void>((resolve, reject) => {
      const value: unknown = fn(context, (error?: unknown) => (error ? reject(error) : resolve()));
      if (typeof (value as PromiseLike<unknown> | null)?.then === "function") {
        reject(new TypeError(`${what} takes a done callback and also returned a promise: use one or the other`));
      }
    })
    : Promise.resolve().then(() => fn(context, () => {}));
  const limit = new Promise<never>((_, reject) => {
    if (timeoutMs === Infinity) return;
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([body, limit]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** State of one run. */
interface Run {
  readonly timeoutMs: number;
  readonly log: ((line: string) => void) | undefined;
  readonly results: TestResult[];
  /** Errors the host reported as unhandled while the current test ran. */
  strays: unknown[];
  lastName: string;
}

function record(run: Run, result: TestResult, diagnostics: string[] = []): void {
  run.results.push(result);
  run.lastName = result.name;
  if (run.log === undefined) return;
  const head = `${result.ok ? "ok" : "not ok"} ${run.results.length} - ${result.name} (${result.ms.toFixed(1)} ms)`;
  const lines = [head, ...diagnostics.map((line) => `  # ${line}`)];
  if (result.error !== undefined) lines.push(...result.error.split("\n").map((line) => `  ${line}`));
  run.log(lines.join("\n"));
}

/** Reports errors that surfaced outside any test as failed results of their own. */
function flushStrays(run: Run): void {
  const strays = run.strays;
  if (strays.length === 0) return;
  run.strays = [];
  const where = run.lastName === "" ? "before the first test" : `after "${run.lastName}" ended`;
  for (const error of strays) {
    record(run, { name: `unhandled error ${where}`, ok: false, error: describeError(error), ms: 0 });
  }
}

function join(path: string[], name: string): string {
  return [...path, name].filter((part) => part !== "").join(" > ");
}

function hasTests(suite: Suite): boolean {
  return suite.children.some((child) => child.kind === "test" || hasTests(child));
}

async function runHooks(
  run: Run,
  hooks: readonly Hook[],
  kind: string,
  fullName: string,
  controller: AbortController,
  diagnostics: string[],
): Promise<void> {
  for (const { fn, timeoutMs } of hooks) {
    const context = new TestContext(kind, fullName, controller, diagnostics);
    await invoke(fn, context, Math.min(timeoutMs, run.timeoutMs), `the ${kind} hook of "${fullName}"`);
  }
}

async function runTest(run: Run, test: TestCase, path: string[], chain: readonly Suite[], blocked: unknown) {
  const fullName = join(path, test.name);
  const controller = new AbortController();
  const diagnostics: string[] = [];
  const start = now();
  // The first failure is the test's; later ones (an afterEach after a failed body) add nothing new.
  let failure: string | undefined;
  const fail = (e: unknown, context = "") => {
    failure ??= context + describeError(e);
  };
  flushStrays(run);
  if (blocked !== undefined) {
    fail(blocked, "not run: a before hook of its suite failed: ");
  } else {
    try {
      for (const suite of chain) await runHooks(run, suite.beforeEach, "beforeEach", fullName, controller, diagnostics);
      if (test.fn !== undefined) {
        const context = new TestContext(test.name, fullName, controller, diagnostics);
        await invoke(test.fn, context, Math.min(test.timeoutMs, run.timeoutMs), `test "${fullName}"`);
      }
    } catch (e) {
      fail(e);
    }
    for (const suite of [...chain].reverse()) {
      try {
        await runHooks(run, suite.afterEach, "afterEach", fullName, controller, diagnostics);
      } catch (e) {
        fail(e);
      }
    }
  }
  // Let a rejection the test left unhandled surface while it still counts as this test's:
  // Chromium reports rejections from a task of its own, queued behind the first macrotask.
  await macrotask();
  await macrotask();
  for (const stray of run.strays.splice(0)) fail(stray, "unhandled error while the test ran: ");
  controller.abort();
  const result: TestResult = { name: fullName, ok: failure === undefined, ms: now() - start };
  if (failure !== undefined) result.error = failure;
  record(run, result, diagnostics);
}

async function runSuite(run: Run, suite: Suite, path: string[], outer: readonly Suite[], blocked: unknown) {
  const here = join(path, suite.name);
  const chain = [...outer, suite];
  const inner = suite.name === "" ? path : [...path, suite.name];
  if (suite.buildError !== undefined) {
    record(run, {
      name: here === "" ? "registering tests" : here,
      ok: false,
      error: describeError(suite.buildError),
      ms: 0,
    });
  }
  if (!hasTests(suite)) return;
  const controller = new AbortController();
  if (blocked === undefined) {
    try {
      await runHooks(run, suite.before, "before", here, controller, []);
    } catch (e) {
      blocked = e;
    }
  }
  for (const child of suite.children) {
    if (child.kind === "test") await runTest(run, child, inner, chain, blocked);
    else await runSuite(run, child, inner, chain, blocked);
  }
  const start = now();
  try {
    await runHooks(run, suite.after, "after", here, controller, []);
  } catch (e) {
    record(run, {
      name: `${here === "" ? "" : `${here} > `}after hook`,
      ok: false,
      error: describeError(e),
      ms: now() - start,
    });
  }
  controller.abort();
}

interface ErrorHost {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

/**
 * Runs every test registered so far, in registration order, with its hooks,
 * then forgets them (so a host can import and run one test file after
 * another). A test's failure never makes it throw: every failure is a
 * result. It throws only when misused (a bad `timeoutMs`, a second call
 * while one runs).
 */
export async function runRegisteredTests(options: RunOptions): Promise<RunSummary> {
  if (running) throw new Error("runRegisteredTests() is already running: await the first call before the next");
  const { timeoutMs, log } = options;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) {
    throw new RangeError(`runRegisteredTests: timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  const tree = root;
  root = current = newSuite("");
  running = true;
  const run: Run = { timeoutMs, log, results: [], strays: [], lastName: "" };
  // node:test fails the test during which an error goes unhandled; hosts with
  // DOM-style events (browsers, Deno, workerd) report them here.
  const host = globalThis as Partial<ErrorHost>;
  const listening = typeof host.addEventListener === "function" && typeof host.removeEventListener === "function";
  const onError = (event: Event) => {
    event.preventDefault();
    const e = event as Event & { reason?: unknown; error?: unknown; message?: string };
    run.strays.push(event.type === "unhandledrejection" ? e.reason : e.error ?? new Error(String(e.message)));
  };
  if (listening) {
    host.addEventListener!("unhandledrejection", onError);
    host.addEventListener!("error", onError);
  }
  try {
    await runSuite(run, tree, [], [], undefined);
    await macrotask();
    await new Promise((resolve) => setTimeout(resolve, 0));
    flushStrays(run);
  } finally {
    if (listening) {
      host.removeEventListener!("unhandledrejection", onError);
      host.removeEventListener!("error", onError);
    }
    running = false;
  }
  const failed = run.results.filter((result) => !result.ok).length;
  return { passed: run.results.length - failed, failed, results: run.results };
}

/** node:test's default export: `test`, with the rest attached. */
const defaultExport: typeof test & {
  test: typeof test;
  it: typeof test;
  describe: typeof describe;
  suite: typeof describe;
  before: typeof before;
  after: typeof after;
  beforeEach: typeof beforeEach;
  afterEach: typeof afterEach;
} = Object.assign((...args: Parameters<typeof test>) => test(...args), {
  test,
  it,
  describe,
  suite,
  before,
  after,
  beforeEach,
  afterEach,
});

export default defaultExport;
