/**
 * spindle for workerd (Cloudflare Workers) and other edge runtimes that
 * forbid compiling WebAssembly from bytes at run time: the release core is
 * imported as a module, which the runtime compiles when it loads the
 * worker, and every loop instantiates that. Everything else is
 * `host/mod.ts`'s API (_api.ts), re-exported, without the cores mod.ts
 * embeds (the core as base64 and the JavaScript fallback: about 70 KB that
 * every isolate would parse for nothing).
 *
 * ```ts
 * import { gather, run, sleep } from "spindle/workerd";
 *
 * export default {
 *   fetch: () =>
 *     run(function* () {
 *       const [a, b] = yield* gather([sleep(10, "a"), sleep(20, "b")]);
 *       return new Response(a + b);
 *     }),
 * };
 * ```
 *
 * Bundle with the `.wasm` import left as a module import (wrangler does;
 * with esbuild, mark it external and ship `core.wasm` beside the bundle;
 * Vercel Edge wants the `?module` suffix).
 *
 * @module
 */

import core from "../build/core.wasm";
import { setCoreModule } from "./_core.ts";

// Only stores the module: no timers, I/O or randomness at module top level,
// which workerd refuses while it loads a worker.
setCoreModule(core);

export * from "./_api.ts";
