// @needs os: sends SIGUSR1 to a child process and counts process signal listeners
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Loop, RuntimeError } from "../host/mod.ts";
import { runFixture } from "./_helpers_process.ts";

describe("Loop signal handlers", () => {
  test("a SIGUSR1 sent to the process runs the handler on the loop with its arguments", async () => {
    let sent = false;
    const outcome = await runFixture("tests/fixtures/signal_main.ts", [], (stdout, pid) => {
      if (!sent && stdout.includes("ready\n")) {
        sent = true;
        process.kill(pid, "SIGUSR1");
      }
    });
    const detail = JSON.stringify(outcome);
    assert.equal(outcome.timedOut, false, detail);
    assert.deepEqual(
      outcome.stdout.split("\n").filter((line) => line !== ""),
      ["ready", "handled usr1", "removed true false", "run() returned"],
      detail,
    );
    assert.equal(outcome.code, 0, detail);
  });

  test("removeSignalHandler() is false without a handler and true once after adding one; adding again replaces", () => {
    const loop = new Loop();
    try {
      assert.equal(loop.removeSignalHandler("SIGUSR2"), false);
      loop.addSignalHandler("SIGUSR2", () => {});
      loop.addSignalHandler("SIGUSR2", () => {});
      assert.equal(loop.removeSignalHandler("SIGUSR2"), true);
      assert.equal(loop.removeSignalHandler("SIGUSR2"), false);
    } finally {
      loop.close();
    }
  });

  test("a name that is not a signal is a RangeError; SIGKILL and SIGSTOP are RuntimeErrors", () => {
    const loop = new Loop();
    try {
      assert.throws(() => loop.addSignalHandler("SIGNOPE", () => {}), RangeError);
      assert.throws(() => loop.removeSignalHandler("usr1"), RangeError);
      assert.throws(() => loop.addSignalHandler("SIGKILL", () => {}), RuntimeError);
      assert.throws(() => loop.addSignalHandler("SIGSTOP", () => {}), RuntimeError);
    } finally {
      loop.close();
    }
  });

  test("a generator function is refused as a handler (TypeError), and a closed loop refuses handlers", () => {
    const loop = new Loop();
    assert.throws(() => loop.addSignalHandler("SIGUSR2", function* () {}), TypeError);
    loop.close();
    assert.throws(() => loop.addSignalHandler("SIGUSR2", () => {}), RuntimeError);
  });

  test("close() removes the loop's signal handlers", () => {
    const before = process.listenerCount?.("SIGUSR2");
    const loop = new Loop();
    loop.addSignalHandler("SIGUSR2", () => {});
    loop.close();
    if (before !== undefined) assert.equal(process.listenerCount("SIGUSR2"), before);
    assert.equal(loop.removeSignalHandler("SIGUSR2"), false);
  });
});
