import { test } from "node:test";
import assert from "node:assert/strict";
import { coreKind, getRunningLoop, Loop, setCoreModule, sleep, VirtualClock } from "../host/mod.ts";
import { coreInjected } from "../host/_core.ts";
import { assertError, runVirtual, thrownBy } from "./_helpers.ts";

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

test("setCoreModule() refuses what is not spindle's core.wasm, at the call, and changes nothing", async () => {
  for (const bad of [undefined, "core.wasm", new Uint8Array(8), {}]) {
    assertError(
      thrownBy(() => setCoreModule(bad as unknown as WebAssembly.Module)),
      TypeError,
      /^setCoreModule\(\) needs spindle's core\.wasm as a WebAssembly\.Module, got /,
    );
  }
  // A valid module that is not the core: the smallest one, with no exports. Pages whose CSP refuses
  // WebAssembly cannot compile it; there the cases above are the test.
  let other: WebAssembly.Module | undefined;
  try {
    other = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  } catch {
    other = undefined;
  }
  if (other !== undefined) {
    assertError(
      thrownBy(() => setCoreModule(other)),
      TypeError,
      /^setCoreModule\(\) got a WebAssembly\.Module that is not spindle's core\.wasm: it does not export memory, inboxPtr, /,
    );
  }
  assert.equal(coreKind(), expected);
  const { result } = await runVirtual(function* () {
    yield* sleep(1);
    return getRunningLoop().stats().core;
  });
  assert.equal(result, expected, "loops still run the core they ran before");
});

test("a debug loop runs the WebAssembly core's build that checks its assertions; other loops the release build", async () => {
  const debugLoop = new Loop({ debug: true, clock: new VirtualClock() });
  const plain = new Loop({ clock: new VirtualClock() });
  try {
    // setCoreModule() (workerd's entry) gives only the release build; the fallback core has one build.
    assert.equal(debugLoop._core.checksAssertions, coreKind() === "wasm" && !coreInjected());
    assert.equal(plain._core.checksAssertions, false);
    const result = await debugLoop.runUntilComplete(function* () {
      yield* sleep(5);
      return getRunningLoop().time();
    }());
    assert.equal(result, 5);
  } finally {
    debugLoop.close();
    plain.close();
  }
});
