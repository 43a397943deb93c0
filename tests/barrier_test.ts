import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Barrier, BrokenBarrierError, type Coroutine, createTask, sleep } from "../host/mod.ts";
import { assertError, caught, now, outcomes, scenario, thrownBy, ticks } from "./_helpers_sync.ts";

/** Sleeps `delay`, waits at the barrier, logs `name index@t` (or `name <ErrorName>@t`) and returns the index. */
function* party(barrier: Barrier, log: string[], name: string, delay = 0): Coroutine<number> {
  if (delay > 0) yield* sleep(delay);
  let index: number;
  try {
    index = yield* barrier.wait();
  } catch (error) {
    log.push(`${name} ${error instanceof Error ? error.name : String(error)}@${now()}`);
    throw error;
  }
  log.push(`${name} ${index}@${now()}`);
  return index;
}

describe("Barrier", () => {
  test("parties must be an integer >= 1: Barrier(0), Barrier(-1) and Barrier(1.5) are RangeErrors", () => {
    assertError(thrownBy(() => new Barrier(0)), RangeError);
    assertError(thrownBy(() => new Barrier(-1)), RangeError);
    assertError(thrownBy(() => new Barrier(1.5)), RangeError);
  });

  test("a new barrier: parties as given, nWaiting 0, not broken", () => {
    const barrier = new Barrier(3);
    assert.deepEqual([barrier.parties, barrier.nWaiting, barrier.broken], [3, 0, false]);
  });

  test("parties tasks pass together when the last arrives, with indices 0..parties-1 in arrival order", async () => {
    const log: string[] = [];
    const waiting: number[] = [];
    const { clock } = await scenario(function* () {
      const barrier = new Barrier(3);
      // Arrivals at 15 (a), 5 (b), 10 (c).
      const tasks = [createTask(party(barrier, log, "a", 15)), createTask(party(barrier, log, "b", 5))];
      tasks.push(createTask(party(barrier, log, "c", 10)));
      for (const at of [1, 6, 11]) {
        yield* sleep(at - now());
        waiting.push(barrier.nWaiting);
      }
      assert.deepEqual(yield* outcomes(tasks), ["returned 2", "returned 0", "returned 1"]);
      assert.deepEqual([barrier.nWaiting, barrier.broken], [0, false]);
    });
    assert.deepEqual(waiting, [0, 1, 2]);
    // The last arrival returns at once; the others return as they take the lock back, in line order.
    assert.deepEqual(log, ["a 2@15", "b 0@15", "c 1@15"]);
    assert.equal(clock.now(), 15);
  });

  test("Barrier(1) lets every waiter through at once with index 0", async () => {
    await scenario(function* () {
      const barrier = new Barrier(1);
      assert.equal(yield* barrier.wait(), 0);
      assert.equal(yield* barrier.wait(), 0);
      assert.equal(now(), 0);
    });
  });

  test("a barrier is reused for several rounds; each round hands out 0..parties-1 once", async () => {
    const rounds: string[][] = [[], [], []];
    await scenario(function* () {
      const barrier = new Barrier(3);
      const tasks = ["a", "b", "c"].map((name, i) =>
        createTask(function* () {
          for (let round = 0; round < 3; round++) {
            yield* sleep((i + round) % 3); // a different task arrives last each round
            const index = yield* barrier.wait();
            rounds[round]!.push(`${name}${index}`);
          }
        }())
      );
      yield* outcomes(tasks);
      assert.deepEqual([barrier.nWaiting, barrier.broken], [0, false]);
    });
    for (const round of rounds) {
      assert.deepEqual(round.map((entry) => entry.slice(1)).sort(), ["0", "1", "2"], `round ${round.join(",")}`);
    }
    assert.deepEqual(rounds, [["c2", "a0", "b1"], ["b2", "c0", "a1"], ["a2", "b0", "c1"]]);
  });

  test("a task that comes back while the barrier drains waits for the next round instead of joining this one", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const barrier = new Barrier(2);
      const a = createTask(party(barrier, log, "a1"));
      const b = createTask(function* () {
        yield* sleep(1);
        yield* party(barrier, log, "b1"); // the last arrival: returns while a still drains
        return yield* party(barrier, log, "b2");
      }());
      yield* a;
      yield* sleep(4);
      assert.equal(barrier.nWaiting, 1, "b waits in round two");
      yield* party(barrier, log, "main2");
      yield* b;
    });
    assert.deepEqual(log, ["b1 1@1", "a1 0@1", "main2 1@5", "b2 0@5"]);
  });

  test("abort() breaks the barrier: every waiter gets BrokenBarrierError, and so does any later wait()", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const barrier = new Barrier(3);
      const tasks = ["a", "b"].map((name) => createTask(party(barrier, log, name)));
      yield* sleep(10);
      assert.equal(barrier.nWaiting, 2);
      yield* barrier.abort();
      assert.deepEqual([barrier.broken, barrier.nWaiting], [true, 0]);
      assert.deepEqual(yield* outcomes(tasks), ["BrokenBarrierError", "BrokenBarrierError"]);
      assertError(yield* caught(() => barrier.wait()), BrokenBarrierError);
      assert.equal(now(), 10, "a wait() on a broken barrier fails at once");
    });
    assert.deepEqual(log, ["a BrokenBarrierError@10", "b BrokenBarrierError@10"]);
  });

  test("reset() while tasks wait: they get BrokenBarrierError, and the barrier then works again", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const barrier = new Barrier(3);
      const tasks = ["a", "b"].map((name) => createTask(party(barrier, log, name)));
      yield* sleep(10);
      yield* barrier.reset();
      assert.equal(barrier.broken, false);
      assert.deepEqual(yield* outcomes(tasks), ["BrokenBarrierError", "BrokenBarrierError"]);
      assert.equal(barrier.nWaiting, 0);
      const again = ["c", "d", "e"].map((name, i) => createTask(party(barrier, log, name, 5 + i)));
      assert.deepEqual(yield* outcomes(again), ["returned 0", "returned 1", "returned 2"]);
    });
    assert.deepEqual(log, [
      "a BrokenBarrierError@10",
      "b BrokenBarrierError@10",
      "e 2@17",
      "c 0@17",
      "d 1@17",
    ]);
  });

  test("reset() of an aborted barrier with nobody waiting makes it usable again", async () => {
    await scenario(function* () {
      const barrier = new Barrier(2);
      yield* barrier.abort();
      assert.equal(barrier.broken, true);
      yield* barrier.reset();
      assert.equal(barrier.broken, false);
      const other = createTask(party(barrier, [], "other", 3));
      assert.equal(yield* barrier.wait(), 0);
      assert.equal(yield* other, 1);
      assert.equal(now(), 3);
    });
  });

  test("a waiter cancelled at the barrier leaves it: nWaiting drops and the round needs another arrival", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const barrier = new Barrier(3);
      const tasks = ["a", "b"].map((name) => createTask(party(barrier, log, name)));
      yield* ticks(2);
      assert.equal(barrier.nWaiting, 2);
      tasks[0]!.cancel();
      yield* ticks(2);
      assert.equal(barrier.nWaiting, 1);
      tasks.push(createTask(party(barrier, log, "c", 5)), createTask(party(barrier, log, "d", 6)));
      // As in asyncio, an index is the count at arrival: b keeps 1, and c, arriving after a left, gets 1 too.
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned 1", "returned 1", "returned 2"]);
      assert.equal(barrier.broken, false);
    });
    assert.deepEqual(log, ["a CancelledError@0", "d 2@6", "b 1@6", "c 1@6"]);
  });
});
