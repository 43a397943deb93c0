import { test } from "node:test";
import assert from "node:assert/strict";
import { coreKind, getRunningLoop, sleep } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";

// The whole suite runs twice, on the WebAssembly core and on its JavaScript
// fallback (`tests/tools/run.mjs --core js` sets SPINDLE_CORE=js), like
// CPython's PyFutureTests / CFutureTests. This test pins which one ran.
const expected = process.env.SPINDLE_CORE === "js" ? "js" : "wasm";

test(`loops run the ${expected === "js" ? "JavaScript fallback" : "WebAssembly"} core, and stats() says so`, async () => {
  assert.equal(coreKind(), expected);
  const { result } = await runVirtual(function* () {
    yield* sleep(1);
    return getRunningLoop().stats().core;
  });
  assert.equal(result, expected);
});
