/**
 * What is particular to workerd, run only there (tests/tools/workerd.mjs
 * runs this file as one more worker; the Node, Deno and Bun suites do not
 * see tests/workerd/): detection, the capabilities workerd lacks, and the
 * host behaviour its adapter (host/platform/workerd.ts) works around.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  coreKind,
  createSubprocessExec,
  createSubprocessShell,
  getRunningLoop,
  Loop,
  run,
  RuntimeError,
  sleep,
  startServer,
  toThread,
  WorkerPool,
} from "../../host/workerd.ts";
import { platform } from "../../host/platform/detect.ts";
import { assertError, caught, thrownBy } from "../_helpers.ts";
import { compatibilityDate } from "./harness.ts";

/** Waits for a host timer of `ms`: a macrotask boundary, after every pending microtask. */
function hostTurn(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("workerd detection", () => {
  test("spindle detects workerd by its user agent, also on dates where workerd imitates Node", () => {
    const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
    assert.equal(g.navigator?.userAgent, "Cloudflare-Workers");
    assert.equal(platform.name, "workerd");
    // From 2026-08-04 on (nodejs_compat by default) workerd shows process.versions.node and
    // setImmediate, which would pass for Node; before, neither. Both are workerd.
    const imitatesNode = compatibilityDate() >= "2026-08-04";
    assert.equal(typeof g.process?.versions?.node === "string", imitatesNode);
    assert.equal(typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function", imitatesNode);
  });

  test("debug mode runs on the core spindle/workerd imported: compiling the debug core from bytes is refused here", async () => {
    const core = await run(function* () {
      yield* sleep(1);
      return getRunningLoop().stats().core;
    }, { debug: true });
    assert.equal(core, "wasm");
    assert.equal(coreKind(), "wasm");
  });
});

describe("capabilities workerd lacks", () => {
  test("addSignalHandler() is a RuntimeError naming workerd (it has no process signals)", () => {
    const loop = new Loop();
    try {
      assertError(
        thrownBy(() => loop.addSignalHandler("SIGUSR1", () => {})),
        RuntimeError,
        "workerd has no process signals: addSignalHandler() is not available there",
      );
      assert.equal(loop.removeSignalHandler("SIGUSR1"), false);
    } finally {
      loop.close();
    }
  });

  test("startServer() is a RuntimeError naming workerd (a worker cannot listen)", async () => {
    const error = await run(() => caught(() => startServer(() => {}, "127.0.0.1", 0)));
    assertError(error, RuntimeError, /workerd/);
  });

  test("createSubprocessExec() and createSubprocessShell() are RuntimeErrors naming workerd", async () => {
    const errors = await run(function* () {
      return [
        yield* caught(() => createSubprocessExec("echo", ["hi"])),
        yield* caught(() => createSubprocessShell("echo hi")),
      ];
    });
    assertError(errors[0], RuntimeError, /^createSubprocessExec\(\) needs child processes, which workerd /);
    assertError(errors[1], RuntimeError, /^createSubprocessShell\(\) needs child processes, which workerd /);
  });

  test("WorkerPool and toThread() are RuntimeErrors naming workerd at the call (it has no worker threads)", () => {
    assertError(
      thrownBy(() => new WorkerPool("https://example.com/work.js")),
      RuntimeError,
      /^WorkerPool needs worker threads .*, which workerd does not provide$/,
    );
    assertError(
      thrownBy(() => toThread((a: number, b: number) => a + b, 1, 2)),
      RuntimeError,
      /^toThread\(\) needs worker threads .*, which workerd does not provide$/,
    );
  });
});

describe("workerd's host, as the adapter uses it", () => {
  test("a macrotask runs after promise reactions queued after it (MessageChannel would not, on workerd)", async () => {
    const log: string[] = [];
    platform.macrotask(() => log.push("macrotask"));
    void Promise.resolve()
      .then(() => log.push("reaction 1"))
      .then(() => log.push("reaction 2"))
      .then(() => log.push("reaction 3"));
    await hostTurn(5);
    assert.deepEqual(log, ["reaction 1", "reaction 2", "reaction 3", "macrotask"]);
  });

  test("a host timer never fires before its fractional delay on workerd's whole-millisecond clock", async () => {
    // workerd truncates a delay: setTimeout(fn, 0.5) fires within the same millisecond.
    for (const delay of [0.5, 0.5, 0.5, 1.5, 1.5, 1.5]) {
      const start = performance.now();
      const elapsed = await new Promise<number>((resolve) => {
        platform.setTimer(() => resolve(performance.now() - start), delay);
      });
      assert.ok(elapsed >= delay, `a ${delay} ms timer fired after ${elapsed} ms`);
    }
  });

  test("an error thrown in a host callback is printed (workerd alone would drop it silently)", async () => {
    const printed: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      platform.setTimer(() => {
        throw new Error("thrown in a timer");
      }, 0);
      platform.macrotask(() => {
        throw new Error("thrown in a macrotask");
      });
      await hostTurn(5);
    } finally {
      console.error = original;
    }
    const messages = printed.map((args) => args.map((a) => a instanceof Error ? a.message : String(a)).join(" "));
    assert.equal(messages.length, 2, messages.join("\n"));
    assert.ok(
      messages.every((m) => m.startsWith("spindle: an error escaped a host callback on workerd")),
      messages.join("\n"),
    );
    assert.deepEqual(messages.map((m) => m.replace(/.*: /, "")).sort(), ["thrown in a macrotask", "thrown in a timer"]);
  });
});
