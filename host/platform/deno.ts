/**
 * Deno: a MessageChannel for macrotasks (Deno has no global
 * `setImmediate`), `Deno.addSignalListener` for SIGINT.
 *
 * @module
 */

import { messageChannelMacrotask } from "./_message_channel.ts";
import { lazyNet, lazyProcesses } from "./_lazy_io.ts";
import type { HostTimer, Platform } from "./types.ts";
import { nodeWorkers } from "./worker_node.ts";

interface DenoNamespace {
  addSignalListener(signal: string, fn: () => void): void;
  removeSignalListener(signal: string, fn: () => void): void;
  kill(pid: number, signal: string): void;
  exit(code: number): never;
  writeTextFile(path: string, data: string): Promise<void>;
  pid: number;
  env: { get(name: string): string | undefined };
}

declare const Deno: DenoNamespace;

export const denoPlatform: Platform = {
  name: "deno",
  macrotask: messageChannelMacrotask,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (timer: HostTimer) => clearTimeout(timer as number),
  onInterrupt(fn) {
    Deno.addSignalListener("SIGINT", fn);
    return () => Deno.removeSignalListener("SIGINT", fn);
  },
  onSignal(signal, fn) {
    Deno.addSignalListener(signal, fn);
    return () => Deno.removeSignalListener(signal, fn);
  },
  interruptDefault() {
    // Deno keeps handling SIGINT once a listener was added; exit as the default action would.
    Deno.exit(130);
  },
  env(name) {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env
    }
  },
  net: lazyNet(() => import("./net_deno.ts").then((m) => m.denoNet)),
  processes: lazyProcesses(() => import("./process_deno.ts").then((m) => m.denoProcesses)),
  // node:worker_threads, not the Web Worker: see worker_node.ts.
  workers: nodeWorkers,
  files: { writeTextFile: (path, text) => Deno.writeTextFile(path, text) },
};
