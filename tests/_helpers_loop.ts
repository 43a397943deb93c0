/**
 * Helpers for the loop, clock, runner and sleep tests: loops driven by hand
 * on a VirtualClock, a console.error stub, and ways to wait for a running
 * loop without real time.
 *
 * @module
 */

import { Loop, type LoopOptions, VirtualClock } from "../host/mod.ts";

/** A Loop on a VirtualClock that never jumps: time moves only by `clock.advance()`. Drive it with `runOnce()`. */
export function manualLoop(options: Omit<LoopOptions, "clock"> = {}): { loop: Loop; clock: VirtualClock } {
  const clock = new VirtualClock({ autojump: false });
  return { loop: new Loop({ ...options, clock }), clock };
}

/**
 * Calls `loop.runOnce()` while it reports ready work (0); returns what the
 * last call returned (ms to the next timer, or -1). Throws after `limit`
 * iterations so a test cannot spin forever.
 */
export function runUntilIdle(loop: Loop, limit = 10_000): number {
  for (let i = 0; i < limit; i++) {
    const next = loop.runOnce();
    if (next !== 0) return next;
  }
  throw new Error(`runUntilIdle: the loop was still busy after ${limit} iterations`);
}

/** Resolves once a running `loop` has run one more iteration (a callSoon from outside the loop). */
export function loopTurn(loop: Loop): Promise<void> {
  return new Promise((resolve) => {
    loop.callSoon(resolve);
  });
}

/** What a console.error stub recorded: each call's arguments joined into one string. */
export interface ConsoleErrorStub {
  readonly lines: string[];
  restore(): void;
}

/** Replaces console.error with a recorder until `restore()` is called. */
export function stubConsoleError(): ConsoleErrorStub {
  const original = console.error;
  const lines: string[] = [];
  console.error = (...args: unknown[]) => {
    lines.push(
      args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}\n${a.stack ?? ""}` : String(a))).join(" "),
    );
  };
  return {
    lines,
    restore() {
      console.error = original;
    },
  };
}

/** Runs `body` with console.error stubbed; returns what was logged. */
export async function withConsoleErrorStub(body: () => void | Promise<void>): Promise<string[]> {
  const stub = stubConsoleError();
  try {
    await body();
  } finally {
    stub.restore();
  }
  return stub.lines;
}

/** What `fn()` threw, or undefined when it returned: for checks made inside loop callbacks, asserted outside. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
