/**
 * Worker threads through the Web `Worker` (module workers): Bun and
 * browsers. workerd has no `Worker`, so there `webWorkers` is undefined
 * and WorkerPool reports the missing capability.
 *
 * The module source runs from a blob: URL, which (unlike a data: URL in
 * browsers) keeps the page's origin, so it may import the pool's module.
 * Bun's Worker adds `ref()`/`unref()` and a "close" event carrying the exit
 * code; browsers have neither, so there an idle worker costs nothing but
 * memory, and a worker that ends itself (`self.close()`) is not noticed.
 *
 * `terminate()` stops a worker busy in a synchronous loop at once on Bun;
 * Chromium (156, measured here) lets it run about 2 s more before it
 * forces it to stop.
 *
 * @module
 */

import type { WorkerAdapter, WorkerEvents, WorkerThread } from "./worker_types.ts";

/** Defines what worker_types.ts promises the module source: `listen()` and `send()`. */
const PRELUDE = `const listen = (handler) => { self.onmessage = (event) => handler(event.data); };
const send = (data) => self.postMessage(data);
`;

/** One blob: URL per distinct source (a pool's bootstrap), kept for the life of the page. */
const urls = new Map<string, string>();

function urlFor(source: string): string {
  let url = urls.get(source);
  if (url === undefined) {
    url = URL.createObjectURL(new Blob([PRELUDE + source], { type: "text/javascript" }));
    urls.set(source, url);
  }
  return url;
}

/** Bun's additions to Worker. */
interface RefWorker {
  ref?(): void;
  unref?(): void;
}

function start(worker: Worker, events: WorkerEvents): WorkerThread {
  let live = true;
  const end = (report: () => void) => {
    if (!live) return;
    live = false;
    report();
  };
  worker.onmessage = (event) => {
    if (live) events.message(event.data);
  };
  worker.onmessageerror = () => {
    end(() => events.error(new TypeError("A message from the worker could not be read (structured clone failed)")));
  };
  worker.onerror = (event) => {
    event.preventDefault(); // the pool handles it: do not report it again as the page's own error
    // Bun and cross-origin browser workers give only the message.
    end(() => events.error(event.error instanceof Error ? event.error : new Error(event.message)));
  };
  // Bun only: the worker ended (process.exit() in it, or after an uncaught error).
  worker.addEventListener("close", (event) => {
    end(() => events.exit((event as { code?: number }).code ?? 0));
  });
  const refs = worker as unknown as RefWorker;
  return {
    post: (data) => worker.postMessage(data),
    keepAlive: (alive) => alive ? refs.ref?.() : refs.unref?.(),
    terminate() {
      live = false;
      worker.terminate();
      return Promise.resolve();
    },
  };
}

/** Workers for Bun and browsers (platform.workers); undefined where there is no Worker (workerd). */
export const webWorkers: WorkerAdapter | undefined = typeof Worker === "function"
  ? {
    defaultSize: () => globalThis.navigator?.hardwareConcurrency ?? 4,
    start: (source, events) => {
      try {
        return Promise.resolve(start(new Worker(urlFor(source), { type: "module" }), events));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  }
  : undefined;
