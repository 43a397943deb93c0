/**
 * Bun: Node-compatible globals (`setImmediate`, `process.on("SIGINT")`).
 *
 * @module
 */

import { lazyNet, lazyProcesses } from "./_lazy_io.ts";
import { nodeFiles, nodeLikePlatform } from "./node.ts";
import type { Platform } from "./types.ts";
import { webWorkers } from "./worker_web.ts";

export const bunPlatform: Platform = nodeLikePlatform("bun", {
  net: lazyNet(() => import("./net_bun.ts").then((m) => m.bunNet)),
  processes: lazyProcesses(() => import("./process_bun.ts").then((m) => m.bunProcesses)),
  workers: webWorkers,
  files: nodeFiles, // Bun's node:fs
});
