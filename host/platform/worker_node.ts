/**
 * Worker threads through `node:worker_threads`: Node's own API, and Deno's
 * too. Deno's Web `Worker` has no `unref()`, so an idle pool would hold the
 * process open, and in Deno 2.9 its `terminate()` leaves a worker that is
 * busy in a synchronous loop running and the process unable to exit
 * (denoland/deno#35657); Deno's `node:worker_threads` workers can be
 * unref'd and never hold the process open once terminated. (A busy one
 * still runs on in Deno until its loop returns: no API there can stop it.)
 *
 * The module is loaded on first use through loadNodeModule, so a browser
 * bundle of spindle holds no `node:*` import.
 *
 * @module
 */

import { loadNodeModule } from "./_node_modules.ts";
import type { WorkerAdapter, WorkerEvents, WorkerThread } from "./worker_types.ts";

/** The part of `node:worker_threads`' Worker this adapter uses. */
interface NodeWorker {
  postMessage(data: unknown): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
  on(event: "message" | "messageerror" | "error" | "exit", listener: (value: never) => void): void;
}

interface WorkerThreadsModule {
  Worker: new (url: URL) => NodeWorker;
}

/** Defines what worker_types.ts promises the module source: `listen()` and `send()`. */
const PRELUDE = `import { parentPort } from "node:worker_threads";
const listen = (handler) => parentPort.on("message", handler);
const send = (data) => parentPort.postMessage(data);
`;

function start(worker: NodeWorker, events: WorkerEvents): WorkerThread {
  let live = true;
  worker.on("message", (data: unknown) => {
    if (live) events.message(data);
  });
  const fail = (error: unknown) => {
    if (!live) return;
    live = false;
    events.error(error);
  };
  worker.on("error", fail);
  worker.on("messageerror", fail);
  worker.on("exit", (code: number) => {
    if (!live) return;
    live = false;
    events.exit(code);
  });
  return {
    post: (data) => worker.postMessage(data),
    keepAlive: (alive) => alive ? worker.ref() : worker.unref(),
    terminate() {
      live = false;
      return worker.terminate().then(() => undefined, () => undefined);
    },
  };
}

/** Workers for Node and Deno (platform.workers). */
export const nodeWorkers: WorkerAdapter = {
  defaultSize() {
    // Node 21+ and Deno have navigator; Node 20 does not, and os.availableParallelism() is async to load here.
    const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
    return nav?.hardwareConcurrency ?? 4;
  },
  async start(source, events) {
    const { Worker } = await loadNodeModule<WorkerThreadsModule>("worker_threads");
    // A data: URL is loaded as an ES module, and may import absolute URLs and node: built-ins.
    return start(new Worker(new URL("data:text/javascript," + encodeURIComponent(PRELUDE + source))), events);
  },
};
