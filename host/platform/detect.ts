/**
 * Picks the adapter for the runtime spindle is running on. The only place
 * that sniffs the runtime.
 *
 * @module
 */

import { bunPlatform } from "./bun.ts";
import { denoPlatform } from "./deno.ts";
import { nodePlatform } from "./node.ts";
import type { Platform } from "./types.ts";
import { webPlatform } from "./web.ts";
import { workerdPlatform } from "./workerd.ts";

function detect(): Platform {
  const g = globalThis as Record<string, unknown>;
  const nav = g.navigator as { userAgent?: string } | undefined;
  // workerd imitates Node with recent compatibility dates: rule it out first.
  if (nav?.userAgent === "Cloudflare-Workers") return workerdPlatform;
  if (typeof g.Deno === "object" && g.Deno !== null) return denoPlatform;
  if (typeof g.Bun === "object" && g.Bun !== null) return bunPlatform;
  const proc = g.process as { versions?: { node?: string } } | undefined;
  if (typeof proc?.versions?.node === "string" && typeof g.setImmediate === "function") {
    return nodePlatform;
  }
  return webPlatform;
}

/** The adapter for this runtime. */
export const platform: Platform = detect();
