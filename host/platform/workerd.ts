/**
 * workerd (Cloudflare Workers, and edge runtimes built on it).
 *
 * What workerd does differently, checked by running it (PLATFORMS.md):
 * - With a 2026 compatibility date it looks like Node (`process.versions.node`,
 *   `setImmediate`, `Buffer`); with a 2024 one it has neither `setImmediate`
 *   nor `MessageChannel`. detect.ts recognises it by `navigator.userAgent`
 *   before it looks for Node.
 * - An exception thrown in a timer or message callback vanishes: nothing is
 *   logged without `--verbose`. Every callback spindle hands the host is
 *   wrapped so such an error (a bug in spindle: user code's errors are
 *   caught by the loop) is at least printed.
 * - `MessageChannel` (2026 dates) is no macrotask here: a message is
 *   delivered as a microtask queued by `postMessage`, ahead of promise
 *   reactions queued after it, so a loop yielding through it would not let
 *   settled promises run first (a VirtualClock would jump past them).
 *   Timers are not clamped, and `setTimeout(fn, 0)` runs after the pending
 *   microtasks on every date (~12 µs a round, as fast as `setImmediate`).
 * - Production Workers freeze the clock between I/O events. A timer firing
 *   is one, so deadlines still pass, but time does not move while code
 *   computes (debug mode's slow-step report cannot see slow steps there).
 * - workerd truncates timer delays to whole milliseconds (its clock has no
 *   finer grain), so the adapter rounds them up: rounded down, a timer
 *   fires before the loop's deadline, and on a frozen clock the
 *   sub-millisecond timer re-armed for the rest could fire at the same
 *   instant again and again.
 * - No process: no signals, no subprocesses, no threads, no environment
 *   beyond the `process.env` object of 2026 dates; bindings reach a worker
 *   through its handler's `env`, not through spindle. TCP is outbound
 *   only, through `cloudflare:sockets` (net_workerd.ts).
 *
 * @module
 */

import { lazyNet } from "./_lazy_io.ts";
import type { HostTimer, Platform } from "./types.ts";

/** `fn`, printing what it throws: workerd would drop it without a word. */
function reporting(fn: () => void): () => void {
  return () => {
    try {
      fn();
    } catch (error) {
      console.error("spindle: an error escaped a host callback on workerd (please report this as a bug):", error);
    }
  };
}

/** workerd's adapter: timers for everything, no process capabilities. */
export const workerdPlatform: Platform = {
  name: "workerd",
  macrotask: (fn) => {
    setTimeout(reporting(fn), 0);
  },
  setTimer: (fn, ms) => setTimeout(reporting(fn), Math.ceil(ms)),
  clearTimer: (timer: HostTimer) => clearTimeout(timer as number),
  onInterrupt: () => undefined,
  onSignal: () => undefined,
  interruptDefault() {},
  env(name) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    return env?.[name];
  },
  net: lazyNet(() => import("./net_workerd.ts").then((m) => m.workerdNet)), // outbound only: cloudflare:sockets cannot listen
  processes: undefined,
  workers: undefined,
  files: undefined,
};
