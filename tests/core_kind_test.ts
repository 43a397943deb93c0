import { test } from "node:test";
import assert from "node:assert/strict";
import { coreKind, getRunningLoop, sleep } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";

// The whole suite runs twice, on the WebAssembly core and on its JavaScript
// fallback (`tests/tools/run.mjs --core js` sets SPINDLE_CORE=js), like
// CPython's PyFutureTests / CFutureTests. This test pins which one ran.
// Hosts without a `process` (workerd before 2026, browsers) have no SPINDLE_CORE.
// The browser runner (tests/tools/browser.mjs) names the core it expects in
// the page's query instead: `?SPINDLE_CORE=js` on the page whose CSP refuses
// WebAssembly. spindle never reads it; it must pick that core by itself.
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const query = (globalThis as { location?: { search?: string } }).location?.search ?? "";
const asked = env?.SPINDLE_CORE ?? new URLSearchParams(query).get("SPINDLE_CORE");
const expected = asked === "js" ? "js" : "wasm";

test(`loops run the ${expected === "js" ? "JavaScript fallback" : "WebAssembly"} core, and stats() says so`, async () => {
  assert.equal(coreKind(), expected);
  const { result } = await runVirtual(function* () {
    yield* sleep(1);
    return getRunningLoop().stats().core;
  });
  assert.equal(result, expected);
});
