// Browser-only: tests/tools/browser.mjs runs this file in Chromium with the
// rest of the suite; node, deno and bun never see it (tests/tools/run.mjs
// reads tests/*_test.ts only). It pins what the browser adapter
// (host/platform/web.ts) does where browsers lack what Deno, Bun and Node
// have, and that real-time loops work on its MessageChannel and timers.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  createTask,
  getRunningLoop,
  Loop,
  openConnection,
  run,
  RuntimeError,
  sleep,
  startServer,
  until,
} from "../../host/mod.ts";
import { platform } from "../../host/platform/detect.ts";
import { assertError, thrownBy } from "../_helpers.ts";

describe("spindle in a browser", () => {
  test("the browser adapter is the one detected", () => {
    assert.equal(platform.name, "browser");
    assert.equal(platform.net, undefined);
    assert.equal(platform.processes, undefined);
  });

  test("addSignalHandler() throws RuntimeError naming the platform and leaves no handler behind", () => {
    const loop = new Loop();
    try {
      const error = thrownBy(() => loop.addSignalHandler("SIGUSR1", () => {}));
      assertError(error, RuntimeError, "browser has no process signals: addSignalHandler() is not available there");
      assert.equal(loop.removeSignalHandler("SIGUSR1"), false);
    } finally {
      loop.close();
    }
  });

  test("signal names and handlers are still checked first, as on every platform", () => {
    const loop = new Loop();
    try {
      assert.throws(() => loop.addSignalHandler("SIGNOPE", () => {}), RangeError);
      assert.throws(() => loop.removeSignalHandler("usr1"), RangeError);
      assert.throws(() => loop.addSignalHandler("SIGUSR1", function* () {}), TypeError);
      assert.equal(loop.removeSignalHandler("SIGUSR1"), false);
    } finally {
      loop.close();
    }
    assert.throws(() => loop.addSignalHandler("SIGUSR1", () => {}), RuntimeError);
  });

  test("openConnection() and startServer() throw RuntimeError at the call: browsers have no TCP", () => {
    assertError(
      thrownBy(() => openConnection("127.0.0.1", 80)),
      RuntimeError,
      "openConnection() needs TCP sockets, which browser does not provide",
    );
    assertError(
      thrownBy(() => startServer(() => {}, "127.0.0.1", 0)),
      RuntimeError,
      "startServer() needs TCP sockets, which browser does not provide",
    );
  });

  test("there is no environment: debug mode is off unless a loop asks for it", () => {
    assert.equal(platform.env("SPINDLE_DEBUG"), undefined);
    const quiet = new Loop();
    const loud = new Loop({ debug: true });
    try {
      assert.equal(quiet.getDebug(), false);
      assert.equal(loud.getDebug(), true);
    } finally {
      quiet.close();
      loud.close();
    }
  });

  test("run() on the real clock sleeps on host timers", async () => {
    const started = performance.now();
    const { slept, loopTime } = await run(function* () {
      const loop = getRunningLoop();
      const before = loop.time();
      yield* sleep(30);
      return { slept: loop.time() - before, loopTime: loop.time() };
    });
    const elapsed = performance.now() - started;
    assert.ok(slept >= 30, `loop.time() moved ${slept} ms during sleep(30)`);
    assert.ok(elapsed >= 29, `run() settled after ${elapsed} ms of wall time`);
    assert.ok(loopTime > 0);
  });

  test("a task that yields forever does not starve the page: host timers and promises still run", async () => {
    const log: string[] = [];
    const result = await run(function* () {
      let spins = 0;
      let stop = false;
      const spinner = createTask((function* () {
        while (!stop) {
          spins++;
          yield* sleep(0);
        }
      })());
      const timerFired = new Promise<string>((resolve) => setTimeout(() => resolve("timer"), 10));
      log.push(yield* until(timerFired));
      const messaged = new Promise<string>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve("message");
        };
        channel.port2.postMessage(null);
      });
      log.push(yield* until(messaged));
      stop = true;
      yield* spinner;
      return spins;
    });
    assert.deepEqual(log, ["timer", "message"]);
    assert.ok(result > 0, "the spinner ran while main waited");
  });
});
