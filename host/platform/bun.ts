/**
 * Bun: Node-compatible globals (`setImmediate`, `process.on("SIGINT")`).
 *
 * @module
 */

import { nodeLikePlatform } from "./node.ts";
import type { Platform } from "./types.ts";

export const bunPlatform: Platform = nodeLikePlatform("bun", { net: undefined, processes: undefined });
