/**
 * Shared test helpers: run a coroutine on a VirtualClock and collect what
 * the loop reported.
 *
 * @module
 */

import { type ExceptionContext, type Loop, type Operation, run, type RunOptions, VirtualClock } from "../host/mod.ts";

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
