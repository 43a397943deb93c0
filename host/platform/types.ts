/**
 * What spindle needs from the runtime it runs on. One adapter per runtime
 * implements it (node.ts, deno.ts, bun.ts, web.ts); detect.ts picks one.
 * Semantics above this interface never branch on the runtime.
 *
 * @module
 */

import type { NetAdapter, ProcessAdapter } from "./io_types.ts";
import type { WorkerAdapter } from "./worker_types.ts";

/** A host timer, as returned by {@linkcode Platform.setTimer}. */
export type HostTimer = unknown;

export interface Platform {
  /** The runtime's name, for messages ("node", "deno", "bun", "browser"). */
  readonly name: string;
  /**
   * Runs `fn` on a macrotask as soon as the host has let promises and I/O
   * progress: `setImmediate` where it exists, a `MessageChannel` otherwise.
   * Never a nested `setTimeout(0)`, which runtimes clamp.
   */
  macrotask(fn: () => void): void;
  /** Runs `fn` once after `ms` milliseconds (already clamped to the host's range). */
  setTimer(fn: () => void, ms: number): HostTimer;
  clearTimer(timer: HostTimer): void;
  /**
   * Calls `fn` on each SIGINT until the returned function is called; undefined
   * where the runtime has no process signals (browsers).
   */
  onInterrupt(fn: () => void): (() => void) | undefined;
  /**
   * Calls `fn` each time the process receives `signal` (a name such as
   * "SIGUSR1") until the returned function is called; undefined where the
   * runtime has no process signals (browsers, workerd).
   */
  onSignal(signal: string, fn: () => void): (() => void) | undefined;
  /** Ends the process the way an unhandled SIGINT would. */
  interruptDefault(): void;
  /** An environment variable, or undefined when absent or not readable. */
  env(name: string): string | undefined;
  /**
   * Decodes base64 natively, where the runtime has a faster way than
   * `atob` and lacks `Uint8Array.fromBase64` (Node's Buffer).
   */
  decodeBase64?(text: string): Uint8Array<ArrayBuffer>;
  /** TCP sockets, or undefined where the runtime has none (browsers). */
  readonly net: NetAdapter | undefined;
  /** Child processes, or undefined where the runtime has none (browsers, workerd). */
  readonly processes: ProcessAdapter | undefined;
  /** Worker threads, or undefined where the runtime has none (workerd). */
  readonly workers: WorkerAdapter | undefined;
  /** Writing files, or undefined where the runtime has no file system (browsers, workerd). */
  readonly files: FileAdapter | undefined;
}

/** What spindle writes files with: the trace of `run(main, { trace: path })`. */
export interface FileAdapter {
  /** Writes `text` (UTF-8) to the file at `path`, replacing it; rejects with the runtime's error. */
  writeTextFile(path: string, text: string): Promise<void>;
}
