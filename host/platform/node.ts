/**
 * Node.js: `setImmediate` for macrotasks, `process.on("SIGINT")`.
 * Uses only globals, so nothing here pulls `node:*` modules into a bundle.
 *
 * @module
 */

import { loadNodeModule } from "./_node_modules.ts";
import { lazyNet, lazyProcesses } from "./_lazy_io.ts";
import type { FileAdapter, HostTimer, Platform } from "./types.ts";
import { nodeWorkers } from "./worker_node.ts";

interface NodeProcess {
  on(event: string, fn: () => void): void;
  off(event: string, fn: () => void): void;
  kill(pid: number, signal: string): void;
  pid: number;
  env: Record<string, string | undefined>;
}

declare const process: NodeProcess;
declare const Buffer: { from(text: string, encoding: "base64"): Uint8Array<ArrayBuffer> };
declare function setImmediate(fn: () => void): unknown;

/** The I/O adapters a runtime plugs into its Platform. */
export type IoAdapters = Pick<Platform, "net" | "processes" | "workers" | "files">;

/** The part of `node:fs` used here. */
interface NodeFs {
  promises: { writeFile(path: string, data: string, encoding: "utf8"): Promise<void> };
}

/** Files through `node:fs`, loaded on first use (Node and Bun). */
export const nodeFiles: FileAdapter = {
  async writeTextFile(path, text) {
    const fs = await loadNodeModule<NodeFs>("fs");
    await fs.promises.writeFile(path, text, "utf8");
  },
};

/** Node's adapter; Bun's reuses it with its own name and I/O. */
export function nodeLikePlatform(name: string, io: IoAdapters): Platform {
  return {
    name,
    ...io,
    macrotask: (fn) => {
      setImmediate(fn);
    },
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (timer: HostTimer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
    decodeBase64: (text) => Buffer.from(text, "base64"),
    onInterrupt(fn) {
      process.on("SIGINT", fn);
      return () => process.off("SIGINT", fn);
    },
    onSignal(signal, fn) {
      process.on(signal, fn);
      return () => process.off(signal, fn);
    },
    interruptDefault() {
      // With no listener left, SIGINT takes its default action again.
      process.kill(process.pid, "SIGINT");
    },
    env: (name) => process.env[name],
  };
}

export const nodePlatform: Platform = nodeLikePlatform("node", {
  net: lazyNet(() => import("./net_node.ts").then((m) => m.nodeNet)),
  processes: lazyProcesses(() => import("./process_node.ts").then((m) => m.nodeProcesses)),
  workers: nodeWorkers,
  files: nodeFiles,
});
