/**
 * Trace recording (startTrace, TraceRecorder) and the checks of run()'s
 * `trace` option. Recording is platform-free, so this file runs everywhere;
 * writing trace files is in trace_file_test.ts. Loops run on a
 * VirtualClock: every timestamp is exact (µs of virtual time).
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  eagerTaskFactory,
  Loop,
  run,
  Runner,
  RuntimeError,
  sleep,
  startTrace,
  type TraceEvent,
  type TraceRecorder,
  VirtualClock,
} from "../host/mod.ts";
import { platform } from "../host/platform/detect.ts";
import { assertError, thrownBy } from "./_helpers.ts";

/** Runs `main` (a task named "main") on a new loop with a VirtualClock while a trace records; returns the recorder. */
async function traced(main: (loop: Loop) => Coroutine<unknown>): Promise<TraceRecorder> {
  const loop = new Loop({ clock: new VirtualClock() });
  const recorder = startTrace(loop);
  const task = loop.createTask(main(loop), { name: "main" });
  try {
    await loop.runUntilComplete(task);
  } catch {
    // Outcomes are asserted through the trace.
  }
  recorder.stop();
  loop.close();
  return recorder;
}

/** The events but metadata, in order, as [name, ph, tid, ts, args] (dur left out: 0 on a VirtualClock). */
function timeline(events: readonly TraceEvent[]): unknown[] {
  return events.filter((e) => e.ph !== "M").map((e) => [e.name, e.ph, e.tid, e.ts, e.args]);
}

/** The name of each track, by tid. */
function threadNames(events: readonly TraceEvent[]): Record<number, unknown> {
  const names: Record<number, unknown> = {};
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") names[e.tid] = e.args?.name;
  return names;
}

describe("startTrace()", () => {
  test("a task's life: created, each step with what it waits on next, its sleep's timer scheduled and fired, done", async () => {
    const recorder = await traced(function* () {
      yield* sleep(10);
      return 42;
    });
    assert.deepEqual(timeline(recorder.events), [
      ["task created", "i", 1, 0, { task: "main", by: null }],
      ["step", "X", 1, 0, { task: "main", then: "sleep until 10" }],
      ["timer scheduled", "i", 1, 0, { when: 10, for: "sleep" }],
      ["timer fired", "i", 1, 10_000, { when: 10 }],
      ["step", "X", 1, 10_000, { task: "main", then: "done" }],
      ["task done", "i", 1, 10_000, { task: "main", outcome: "result", value: 42 }],
      // runUntilComplete's done callback, on the loop's track.
      ["stop", "X", 0, 10_000, { callback: "stop", future: "main" }],
    ]);
    assert.deepEqual(threadNames(recorder.events), { 0: "loop", 1: "main" });
  });

  test("callbacks run on the loop's track; callLater's timer is scheduled and fired there; a cancelled one never runs", async () => {
    const recorder = await traced(function* (loop) {
      loop.callSoon(function soon() {});
      loop.callLater(3, function cancelled() {}).cancel();
      loop.callLater(5, function later() {});
      yield* sleep(10);
    });
    assert.deepEqual(timeline(recorder.events), [
      ["task created", "i", 1, 0, { task: "main", by: null }],
      ["timer scheduled", "i", 0, 0, { when: 3, for: "cancelled", by: "main" }],
      ["timer scheduled", "i", 0, 0, { when: 5, for: "later", by: "main" }],
      ["step", "X", 1, 0, { task: "main", then: "sleep until 10" }],
      ["timer scheduled", "i", 1, 0, { when: 10, for: "sleep" }],
      ["soon", "X", 0, 0, { callback: "soon" }],
      ["timer fired", "i", 0, 5_000, { when: 5, for: "later" }],
      ["later", "X", 0, 5_000, { callback: "later" }],
      ["timer fired", "i", 1, 10_000, { when: 10 }],
      ["step", "X", 1, 10_000, { task: "main", then: "done" }],
      ["task done", "i", 1, 10_000, { task: "main", outcome: "result", value: null }],
      ["stop", "X", 0, 10_000, { callback: "stop", future: "main" }],
    ]);
  });

  test("each task has its own track, named after it; a step says which task it waits on", async () => {
    const recorder = await traced(function* () {
      const child = createTask(
        function* () {
          yield* sleep(5);
          return "ok";
        }(),
        { name: "child" },
      );
      child.setName("renamed child");
      return yield* child;
    });
    assert.deepEqual(timeline(recorder.events), [
      ["task created", "i", 1, 0, { task: "main", by: null }],
      ["task created", "i", 2, 0, { task: "child", by: "main" }],
      ["step", "X", 1, 0, { task: "main", then: "task renamed child" }],
      ["step", "X", 2, 0, { task: "renamed child", then: "sleep until 5" }],
      ["timer scheduled", "i", 2, 0, { when: 5, for: "sleep" }],
      ["timer fired", "i", 2, 5_000, { when: 5 }],
      ["step", "X", 2, 5_000, { task: "renamed child", then: "done" }],
      ["task done", "i", 2, 5_000, { task: "renamed child", outcome: "result", value: "ok" }],
      ["step", "X", 1, 5_000, { task: "main", then: "done" }],
      ["task done", "i", 1, 5_000, { task: "main", outcome: "result", value: "ok" }],
      ["stop", "X", 0, 5_000, { callback: "stop", future: "main" }],
    ]);
    assert.deepEqual(threadNames(recorder.events), { 0: "loop", 1: "main", 2: "renamed child" });
  });

  test("a task done says how it ended: result, exception or cancelled (with the message)", async () => {
    const recorder = await traced(function* () {
      const failing = createTask(
        function* () {
          yield* sleep(1);
          throw new RangeError("bad value");
        }(),
        { name: "failing" },
      );
      const cancelled = createTask(sleeper(100), { name: "cancelled" });
      yield* sleep(2);
      cancelled.cancel("no longer needed");
      try {
        yield* cancelled;
      } catch (error) {
        assert.ok(error instanceof CancelledError);
      }
      try {
        yield* failing;
      } catch {
        // retrieved
      }
    });
    const done = recorder.events.filter((e) => e.name === "task done").map((e) => e.args);
    assert.deepEqual(done, [
      { task: "failing", outcome: "exception", value: "RangeError: bad value" },
      { task: "cancelled", outcome: "cancelled", value: "no longer needed" },
      { task: "main", outcome: "result", value: null },
    ]);
  });

  test("an eager task's first step is recorded inside the step that created it", async () => {
    const recorder = await traced(function* (loop) {
      loop.setTaskFactory(eagerTaskFactory);
      const child = createTask(sleeper(3), { name: "eager" });
      loop.setTaskFactory(null);
      yield* child;
    });
    assert.deepEqual(timeline(recorder.events).slice(0, 5), [
      ["task created", "i", 1, 0, { task: "main", by: null }],
      ["task created", "i", 2, 0, { task: "eager", by: "main" }],
      ["step", "X", 2, 0, { task: "eager", then: "sleep until 3" }],
      ["timer scheduled", "i", 2, 0, { when: 3, for: "sleep" }],
      ["step", "X", 1, 0, { task: "main", then: "task eager" }],
    ]);
  });

  test("toJSON() is what Perfetto opens: {traceEvents: [...]} with name, ph, ts, pid and tid on every event", async () => {
    const recorder = await traced(function* () {
      createTask(sleeper(1), { name: "side" });
      yield* sleep(2);
    });
    const file = JSON.parse(JSON.stringify(recorder.toJSON()));
    assert.deepEqual(Object.keys(file).sort(), ["displayTimeUnit", "traceEvents"]);
    assert.equal(file.displayTimeUnit, "ms");
    assert.ok(Array.isArray(file.traceEvents) && file.traceEvents.length > 0);
    for (const e of file.traceEvents) {
      assert.equal(typeof e.name, "string");
      assert.ok(["X", "i", "M"].includes(e.ph), `phase ${e.ph}`);
      assert.equal(typeof e.ts, "number");
      assert.equal(e.pid, 1);
      assert.ok(Number.isInteger(e.tid) && e.tid >= 0);
      assert.equal(typeof e.args, "object");
      if (e.ph === "X") assert.ok(typeof e.dur === "number" && e.dur >= 0);
      if (e.ph === "i") assert.equal(e.s, "t");
    }
    // Time never goes back along a track's slices.
    const last = new Map<number, number>();
    for (const e of file.traceEvents.filter((e: TraceEvent) => e.ph === "X")) {
      assert.ok(e.ts >= (last.get(e.tid) ?? 0));
      last.set(e.tid, e.ts + e.dur);
    }
    assert.deepEqual(
      file.traceEvents.filter((e: TraceEvent) => e.ph === "M").map((e: TraceEvent) => [e.name, e.tid]),
      [
        ["process_name", 0],
        ["thread_name", 0],
        ["thread_sort_index", 0],
        ["thread_name", 1],
        ["thread_sort_index", 1],
        ["thread_name", 2],
        ["thread_sort_index", 2],
      ],
    );
  });

  test("on the real clock, a step lasts as long as the loop's clock saw it take, in µs", async () => {
    const loop = new Loop();
    const recorder = startTrace(loop);
    let took = 0;
    await loop.runUntilComplete(function* () {
      const start = loop.time();
      // A busy step of 2 ms, bounded: a clock frozen while code runs (production workerd) must not hang it.
      for (let i = 0; i < 1e7 && loop.time() - start < 2; i++);
      took = loop.time() - start;
      yield* sleep(0);
    }());
    recorder.stop();
    loop.close();
    const steps = recorder.events.filter((e) => e.name === "step");
    assert.equal(steps.length, 2);
    assert.ok(steps[0]!.dur! >= took * 1000 - 1e-6, `the busy step took ${took} ms, its slice ${steps[0]!.dur} µs`);
    assert.ok(steps[1]!.ts >= steps[0]!.ts + steps[0]!.dur!);
  });

  test("started inside a running loop, it records from there on; stop() ends recording and keeps the events", async () => {
    let recorder: TraceRecorder | undefined;
    await run(function* () {
      currentTask()!.setName("main");
      recorder = startTrace();
      assert.equal(recorder.recording, true);
      assertError(thrownBy(() => startTrace()), RuntimeError, /already records a trace/);
      yield* sleep(5);
      recorder.stop();
      assert.equal(recorder.recording, false);
      yield* sleep(5);
      const again = startTrace();
      again.stop();
    }, { clock: new VirtualClock() });
    assert.deepEqual(timeline(recorder!.events), [
      // The step that started the trace was not seen starting, nor the sleep it began.
      ["timer fired", "i", 1, 5_000, { when: null }],
      // The step that called stop() is still recorded whole.
      ["step", "X", 1, 5_000, { task: "main", then: "sleep until 10" }],
      ["timer scheduled", "i", 1, 5_000, { when: 10, for: "sleep" }],
    ]);
  });

  test("startTrace() outside a loop, or on a closed one, throws RuntimeError; with something not a Loop, TypeError", () => {
    assertError(thrownBy(() => startTrace()), RuntimeError, /No running event loop/);
    const loop = new Loop();
    loop.close();
    assertError(thrownBy(() => startTrace(loop)), RuntimeError, /closed loop/);
    assertError(thrownBy(() => startTrace({} as Loop)), TypeError, /startTrace\(\) needs a Loop/);
  });
});

describe("run(main, { trace })", () => {
  test("a trace that is not a string throws TypeError, an empty one RangeError, both before anything runs", () => {
    let ran = false;
    const main = function* () {
      ran = true;
      yield* sleep(0);
    };
    assertError(
      thrownBy(() => run(main, { trace: 42 as unknown as string })),
      TypeError,
      /trace option needs a file path/,
    );
    assertError(thrownBy(() => new Runner({ trace: {} as unknown as string })), TypeError, /trace option/);
    assertError(thrownBy(() => run(main, { trace: "" })), RangeError, /empty file path/);
    assert.equal(ran, false);
  });

  test("where the platform has no file system, trace throws RuntimeError naming the platform; elsewhere it is accepted", async () => {
    if (platform.files === undefined) {
      assertError(
        thrownBy(() => run(function* () {}, { trace: "trace.json" })),
        RuntimeError,
        new RegExp(`${platform.name} has no file system.*startTrace`),
      );
    } else {
      const runner = new Runner({ trace: "never-written.json" });
      await runner.close(); // no loop was made: nothing recorded, nothing written
    }
  });
});

function* sleeper(ms: number): Coroutine<void> {
  yield* sleep(ms);
}
