import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createTask, getRunningLoop, Loop, realClock, sleep, until, VirtualClock } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";
import { loopTurn, manualLoop } from "./_helpers_loop.ts";

describe("VirtualClock", () => {
  test("a VirtualClock starts at 0 and autojumps unless told not to", () => {
    const clock = new VirtualClock();
    assert.equal(clock.now(), 0);
    assert.equal(clock.autojump, true);
    assert.equal(new VirtualClock({ autojump: false }).autojump, false);
    assert.equal(new VirtualClock({ autojump: false }).now(), 0);
  });

  test("advance() moves time forward by exactly the given ms", () => {
    const clock = new VirtualClock({ autojump: false });
    clock.advance(10);
    assert.equal(clock.now(), 10);
    clock.advance(0.5);
    assert.equal(clock.now(), 10.5);
    clock.advance(0);
    assert.equal(clock.now(), 10.5);
  });

  test("advance() with a negative or NaN amount throws RangeError and leaves time alone", () => {
    const clock = new VirtualClock({ autojump: false });
    clock.advance(5);
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.advance(-0.001), RangeError);
    assert.throws(() => clock.advance(NaN), RangeError);
    assert.equal(clock.now(), 5);
  });

  test("with autojump off, a sleeping task wakes only after advance() reaches its deadline", () => {
    const { loop, clock } = manualLoop();
    const woke: number[] = [];
    loop.createTask((function* () {
      yield* sleep(1000);
      woke.push(loop.time());
    })());
    assert.equal(loop.runOnce(), 1000);
    assert.equal(loop.runOnce(), 1000, "time does not move by itself");
    assert.equal(clock.now(), 0);
    clock.advance(999);
    assert.equal(loop.runOnce(), 1);
    assert.deepEqual(woke, []);
    clock.advance(1);
    loop.runOnce();
    assert.deepEqual(woke, [1000]);
    assert.equal(loop.runOnce(), -1);
    loop.close();
  });

  test("with autojump off, a running loop waits for advance() from outside", async () => {
    const clock = new VirtualClock({ autojump: false });
    const loop = new Loop({ clock });
    const woke: number[] = [];
    let sleeping!: () => void;
    const asleep = new Promise<void>((resolve) => (sleeping = resolve));
    const done = loop.runUntilComplete((function* () {
      sleeping();
      yield* sleep(1000);
      woke.push(loop.time());
      return "awake";
    })());
    await asleep;
    await loopTurn(loop);
    assert.equal(loop.isRunning(), true);
    assert.deepEqual(woke, []);
    clock.advance(600);
    await loopTurn(loop);
    assert.deepEqual(woke, [], "600 ms is not enough");
    assert.equal(loop.isRunning(), true);
    clock.advance(400);
    assert.equal(await done, "awake");
    assert.deepEqual(woke, [1000]);
    assert.equal(clock.now(), 1000);
    loop.close();
  });

  test("with autojump a 10-minute sleep finishes at once and now() is exactly 600000", async () => {
    const { result, clock } = await runVirtual(function* () {
      yield* sleep(600_000);
      return getRunningLoop().time();
    });
    assert.equal(result, 600_000);
    assert.equal(clock.now(), 600_000);
  });

  test("autojump moves time to each timer in turn", async () => {
    const { result } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const seen: number[] = [loop.time()];
      yield* sleep(100);
      seen.push(loop.time());
      yield* sleep(250);
      seen.push(loop.time());
      loop.callLater(50, () => seen.push(-loop.time()));
      yield* sleep(75);
      seen.push(loop.time());
      return seen;
    });
    assert.deepEqual(result, [0, 100, 350, -400, 425]);
  });

  test("autojump does not move time while a task is ready", async () => {
    const { result } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const spins: number[] = [];
      const sleeper = createTask(sleep(10, "slept"));
      for (let i = 0; i < 100; i++) {
        spins.push(loop.time());
        yield* sleep(0);
      }
      assert.equal(sleeper.done(), false);
      const slept = yield* sleeper;
      return { spins, slept, end: loop.time() };
    });
    assert.deepEqual(result.spins, new Array(100).fill(0));
    assert.equal(result.slept, "slept");
    assert.equal(result.end, 10);
  });

  test("autojump lets settled promises run before jumping", async () => {
    const { result } = await runVirtual(function* () {
      const loop = getRunningLoop();
      const sleeper = createTask(sleep(1000));
      const value = yield* until(Promise.resolve("resolved"));
      const at = loop.time();
      yield* sleeper;
      return { value, at };
    });
    assert.deepEqual(result, { value: "resolved", at: 0 });
  });

  test("virtual deadlines are exact: now + delay, no rounding", async () => {
    const { result, clock } = await runVirtual(function* () {
      const loop = getRunningLoop();
      yield* sleep(0.1);
      const first = loop.time();
      yield* sleep(0.2);
      const handle = loop.callLater(1e-7, () => {});
      return { first, second: loop.time(), when: handle.when() };
    });
    assert.equal(result.first, 0.1);
    assert.equal(result.second, 0.1 + 0.2); // 0.30000000000000004
    assert.equal(result.when, 0.1 + 0.2 + 1e-7);
    assert.equal(clock.now(), 0.1 + 0.2);
  });
});

describe("realClock", () => {
  test("realClock.now() never decreases", () => {
    let previous = realClock.now();
    assert.equal(typeof previous, "number");
    for (let i = 0; i < 10_000; i++) {
      const now = realClock.now();
      assert.ok(now >= previous, `${now} < ${previous}`);
      previous = now;
    }
  });

  test("a Loop without a clock reads realClock", () => {
    const loop = new Loop();
    const before = realClock.now();
    const t = loop.time();
    const after = realClock.now();
    assert.ok(before <= t && t <= after, `${before} <= ${t} <= ${after}`);
    loop.close();
  });
});
