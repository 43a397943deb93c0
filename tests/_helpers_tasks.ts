/**
 * Helpers for the future, task, cancellation and interop tests: a loop
 * driven by hand, catching what an operation throws, and checking an
 * error's class and message.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Coroutine, Loop, type Operation, VirtualClock } from "../host/mod.ts";

/** A loop that is never started: the test drives it with `runOnce()`. */
export function manualLoop(): Loop {
  return new Loop({ clock: new VirtualClock({ autojump: false }) });
}

/** Calls `loop.runOnce()` until nothing is ready (at most `limit` iterations); returns how many ran. */
export function runUntilIdle(loop: Loop, limit = 1000): number {
  for (let i = 1; i <= limit; i++) {
    if (loop.runOnce() !== 0) return i;
  }
  assert.fail(`loop still had ready work after ${limit} iterations`);
}

/** Runs `op` and returns what it threw; fails the test if it returned instead. */
export function* caught(op: Operation<unknown>): Coroutine<unknown> {
  let value: unknown;
  try {
    value = yield* op;
  } catch (error) {
    return error;
  }
  assert.fail(`expected the operation to throw, it returned ${String(value)}`);
}

/** Runs `op` and returns its result or what it threw, tagged. */
export function* settle<T>(op: Operation<T>): Coroutine<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: yield* op };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Asserts that `error` is an instance of `type` and, if given, that its message matches. */
export function assertError<E extends Error>(
  error: unknown,
  type: new (...args: any[]) => E,
  message?: string | RegExp,
): asserts error is E {
  assert.ok(
    error instanceof type,
    `expected a ${type.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
  if (typeof message === "string") assert.equal(error.message, message);
  else if (message !== undefined) assert.match(error.message, message);
}

/** Calls `fn` and returns what it threw; fails the test if it returned. */
export function thrownBy(fn: () => unknown): unknown {
  let value: unknown;
  try {
    value = fn();
  } catch (error) {
    return error;
  }
  assert.fail(`expected the call to throw, it returned ${String(value)}`);
}

/** Awaits `promise` and returns its rejection reason; fails the test if it fulfilled. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  assert.fail(`expected the promise to reject, it fulfilled with ${String(value)}`);
}
