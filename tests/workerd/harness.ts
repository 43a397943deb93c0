/**
 * The request handler of each test worker tests/tools/workerd.mjs builds:
 * one worker per test file, whose bundle imports `spindle/workerd`
 * (host/workerd.ts), the test file, then this module. A request runs every
 * test the file registered (through the node:test shim) and answers with
 * the results as JSON.
 *
 * It also registers one test of its own, so every worker proves it ran
 * spindle the way a real worker would: detected as workerd, on the
 * WebAssembly core that host/workerd.ts imported as a module (compiling
 * bytes is refused inside a handler, so "wasm" can only come from there).
 *
 * @module
 */

import assert from "../shims/node_assert.ts";
import { runRegisteredTests, test } from "../shims/node_test.ts";
import { coreKind, getRunningLoop, run, sleep } from "../../host/workerd.ts";
import { platform } from "../../host/platform/detect.ts";

test("[workerd] spindle/workerd detects workerd and runs loops on the WebAssembly core", async () => {
  assert.equal(platform.name, "workerd");
  assert.equal(coreKind(), "wasm");
  const core = await run(function* () {
    yield* sleep(1); // a real host timer, on workerd's clock
    return getRunningLoop().stats().core;
  });
  assert.equal(core, "wasm");
});

/** The per-test limit when the request does not give one (`?timeout=ms`). */
const DEFAULT_TIMEOUT_MS = 60_000;

/** The worker's bindings: the runner names the compatibility date the worker runs under. */
interface Env {
  COMPATIBILITY_DATE: string;
}

let date: string | undefined;

/** The compatibility date this worker runs under (known once a request arrived). */
export function compatibilityDate(): string {
  if (date === undefined) throw new Error("compatibilityDate() is known only while the harness runs tests");
  return date;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    date = env.COMPATIBILITY_DATE;
    const asked = Number(new URL(request.url).searchParams.get("timeout"));
    const timeoutMs = Number.isFinite(asked) && asked > 0 ? asked : DEFAULT_TIMEOUT_MS;
    const summary = await runRegisteredTests({ timeoutMs });
    return Response.json(summary);
  },
};
