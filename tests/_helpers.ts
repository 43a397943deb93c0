/**
 * Shared test helpers: run a coroutine on a VirtualClock and collect what
 * the loop reported.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type Coroutine,
  type ExceptionContext,
  getRunningLoop,
  type Loop,
  type Operation,
  run,
  type RunOptions,
  VirtualClock,
} from "../host/mod.ts";

/** Runs `main` with run() on a fresh autojumping VirtualClock; returns its result and the clock. */
export async function runVirtual<T>(
  main: () => Generator<unknown, T, unknown> | Operation<T>,
  options: RunOptions = {},
): Promise<{ result: T; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const result = await run(main, { clock, ...options });
  return { result, clock };
}

/** Collects the contexts passed to a loop's exception handler. */
export function captureErrors(loop: Loop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => {
    seen.push(context);
  });
  return seen;
}

/** The running loop's time (exact virtual ms in these tests). */
export function now(): number {
  return getRunningLoop().time();
}

/**
 * Calls `start()` and runs the operation it returns; returns what was thrown,
 * whether the call threw (eager argument checks) or the operation did. Fails
 * the test if the operation returned.
 */
export function* caught(start: () => Operation<unknown>): Coroutine<unknown> {
  let value: unknown;
  try {
    value = yield* start();
  } catch (error) {
    return error;
  }
  assert.fail(`expected the operation to throw, it returned ${String(value)}`);
}

/** Calls `fn` and returns what it threw; fails the test if it returned. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to throw, it returned");
}

/** Asserts that `error` is an instance of exactly `type` (not a subclass) and, if given, that its message matches. */
export function assertError(
  error: unknown,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => Error,
  message?: string | RegExp,
): asserts error is Error {
  assert.ok(
    error instanceof Error && error.constructor === type,
    `expected a ${type.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
  assert.equal(error.name, type.name);
  if (typeof message === "string") assert.equal(error.message, message);
  else if (message !== undefined) assert.match(error.message, message);
}
