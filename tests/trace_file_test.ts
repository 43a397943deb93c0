// @needs os: writes trace files into a temporary directory
/**
 * run(main, { trace: path }) and new Runner({ trace }) writing the trace
 * file when the loop closes (Deno, Bun, Node).
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTask,
  currentTask,
  run,
  Runner,
  RuntimeError,
  sleep,
  type TraceFile,
  VirtualClock,
} from "../host/mod.ts";
import { assertError } from "./_helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "spindle-trace-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function readTrace(path: string): TraceFile {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("run(main, { trace })", () => {
  test("writes the trace as Chrome trace-event JSON when run() ends", async () => {
    const path = join(dir, "run.json");
    const result = await run(function* () {
      currentTask()!.setName("main");
      yield* createTask(
        function* () {
          yield* sleep(10);
        }(),
        { name: "child" },
      );
      return "done";
    }, { clock: new VirtualClock(), trace: path });
    assert.equal(result, "done");
    const trace = readTrace(path);
    assert.equal(trace.displayTimeUnit, "ms");
    const events = trace.traceEvents.filter((e) => e.ph !== "M").map((e) => [e.name, e.tid, e.ts]);
    assert.deepEqual(events, [
      ["task created", 1, 0],
      ["task created", 2, 0],
      ["step", 1, 0],
      ["step", 2, 0],
      ["timer scheduled", 2, 0],
      ["timer fired", 2, 10_000],
      ["step", 2, 10_000],
      ["task done", 2, 10_000],
      ["step", 1, 10_000],
      ["task done", 1, 10_000],
      ["stop", 0, 10_000],
    ]);
    const names = trace.traceEvents.filter((e) => e.name === "thread_name").map((e) => e.args?.name);
    assert.deepEqual(names, ["loop", "main", "child"]);
  });

  test("a Runner records all its runs on one loop and writes the file at close(), not before", async () => {
    const path = join(dir, "runner.json");
    const runner = new Runner({ clock: new VirtualClock(), trace: path });
    await runner.run(function* () {
      yield* sleep(1);
    });
    await runner.run(function* () {
      yield* sleep(2);
    });
    assert.equal(existsSync(path), false);
    await runner.close();
    const created = readTrace(path).traceEvents.filter((e) => e.name === "task created");
    assert.equal(created.length, 2);
    await runner.close(); // idempotent: nothing written twice, nothing thrown
  });

  test("a file that cannot be written fails run() with RuntimeError, after main ran", async () => {
    let ran = false;
    const path = join(dir, "missing-directory", "trace.json");
    await assert.rejects(
      run(function* () {
        ran = true;
        yield* sleep(1);
      }, { clock: new VirtualClock(), trace: path }),
      (error: unknown) => {
        assertError(error, RuntimeError, /Cannot write the trace to ".*missing-directory.*trace\.json"/);
        return true;
      },
    );
    assert.equal(ran, true);
  });

  test("when main fails and the file cannot be written either, run() rejects with main's error", async () => {
    const path = join(dir, "missing-directory", "trace.json");
    const logged: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      await assert.rejects(
        run(function* () {
          yield* sleep(1);
          throw new Error("main broke");
        }, { clock: new VirtualClock(), trace: path }),
        /main broke/,
      );
    } finally {
      console.error = original;
    }
    assert.ok(
      logged.some((args) => args.some((a) => a instanceof RuntimeError && /Cannot write the trace/.test(a.message))),
      "the write failure is still reported",
    );
  });
});
