/**
 * Which loop is running right now, for getRunningLoop(). A loop sets itself
 * here for exactly as long as it is running callbacks synchronously, so
 * ordinary async code (after an `await`) never sees a running loop.
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import type { Loop } from "./loop.ts";

let running: Loop | null = null;

/** The loop running callbacks at this moment, or null. */
export function _runningLoop(): Loop | null {
  return running;
}

/** Sets the running loop; returns the previous one to restore. */
export function _setRunningLoop(loop: Loop | null): Loop | null {
  const previous = running;
  running = loop;
  return previous;
}

/**
 * The loop running the current coroutine or callback.
 *
 * @throws {RuntimeError} outside a loop
 */
export function getRunningLoop(): Loop {
  if (running === null) {
    throw new RuntimeError(
      "No running event loop: call this from inside a coroutine or callback, or start a loop with run()",
    );
  }
  return running;
}
