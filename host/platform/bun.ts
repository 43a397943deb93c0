/**
 * Bun: Node-compatible globals (`setImmediate`, `process.on("SIGINT")`).
 *
 * @module
 */

import { bunNet } from "./net_bun.ts";
import { nodeFiles, nodeLikePlatform } from "./node.ts";
import { bunProcesses } from "./process_bun.ts";
import type { Platform } from "./types.ts";
import { webWorkers } from "./worker_web.ts";

export const bunPlatform: Platform = nodeLikePlatform("bun", {
  net: bunNet,
  processes: bunProcesses,
  workers: webWorkers,
  files: nodeFiles, // Bun's node:fs
});
