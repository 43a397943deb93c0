import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type Coroutine,
  createTask,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  sleep,
} from "../host/mod.ts";
import { assertError, caught, now, outcome, outcomes, scenario, thrownBy, ticks } from "./_helpers_sync.ts";

/** Gets one item, logs `name got <item>@t` (or `name <ErrorName>@t`) and returns it. */
function* getter<T>(queue: Queue<T>, log: string[], name: string): Coroutine<T> {
  let item: T;
  try {
    item = yield* queue.get();
  } catch (error) {
    log.push(`${name} ${error instanceof Error ? error.name : String(error)}@${now()}`);
    throw error;
  }
  log.push(`${name} got ${String(item)}@${now()}`);
  return item;
}

/** Puts `item`, logs `name put <item>@t` (or `name <ErrorName>@t`). */
function* putter<T>(queue: Queue<T>, log: string[], name: string, item: T): Coroutine<void> {
  try {
    yield* queue.put(item);
  } catch (error) {
    log.push(`${name} ${error instanceof Error ? error.name : String(error)}@${now()}`);
    throw error;
  }
  log.push(`${name} put ${String(item)}@${now()}`);
}

/** Takes every item with getNowait() until the queue is empty. */
function drain<T>(queue: Queue<T>): T[] {
  const items: T[] = [];
  while (!queue.empty()) items.push(queue.getNowait());
  return items;
}

describe("Queue", () => {
  test("items come out in the order they went in (FIFO)", () => {
    const queue = new Queue<number>();
    for (const n of [3, 1, 4, 1, 5, 9, 2, 6]) queue.putNowait(n);
    assert.deepEqual(drain(queue), [3, 1, 4, 1, 5, 9, 2, 6]);
  });

  test("maxsize, qsize(), empty() and full() follow puts and gets; maxsize <= 0 means unbounded", () => {
    const queue = new Queue<string>(2);
    assert.deepEqual([queue.maxsize, queue.qsize(), queue.empty(), queue.full()], [2, 0, true, false]);
    queue.putNowait("a");
    assert.deepEqual([queue.qsize(), queue.empty(), queue.full()], [1, false, false]);
    queue.putNowait("b");
    assert.deepEqual([queue.qsize(), queue.empty(), queue.full()], [2, false, true]);
    queue.getNowait();
    assert.deepEqual([queue.qsize(), queue.full()], [1, false]);
    for (const maxsize of [0, -1]) {
      const unbounded = new Queue<number>(maxsize);
      for (let i = 0; i < 1000; i++) unbounded.putNowait(i);
      assert.deepEqual([unbounded.maxsize, unbounded.qsize(), unbounded.full()], [maxsize, 1000, false]);
    }
    assert.equal(new Queue().maxsize, 0);
  });

  test("a maxsize that is not a number is a TypeError", () => {
    assertError(thrownBy(() => new Queue("3" as unknown as number)), TypeError);
    assertError(thrownBy(() => new Queue(Number.NaN)), TypeError);
  });

  test("putNowait() on a full queue throws QueueFull; getNowait() on an empty queue throws QueueEmpty", () => {
    const queue = new Queue<number>(1);
    assertError(thrownBy(() => queue.getNowait()), QueueEmpty);
    queue.putNowait(1);
    assertError(thrownBy(() => queue.putNowait(2)), QueueFull);
    assert.equal(queue.qsize(), 1, "the refused item was not stored");
    assert.equal(queue.getNowait(), 1);
    assertError(thrownBy(() => queue.getNowait()), QueueEmpty);
  });

  test("get() waits while the queue is empty; waiting getters are served in FIFO order", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>();
      // Getter i joins at t = 3 - i: the line is c, b, a.
      const tasks = ["a", "b", "c"].map((name, i) =>
        createTask(function* () {
          yield* sleep(3 - i);
          return yield* getter(queue, log, name);
        }())
      );
      for (const [at, item] of [[10, "x"], [20, "y"], [30, "z"]] as const) {
        yield* sleep(at - now());
        queue.putNowait(item);
      }
      assert.deepEqual(yield* outcomes(tasks), ["returned z", "returned y", "returned x"]);
    });
    assert.deepEqual(log, ["c got x@10", "b got y@20", "a got z@30"]);
  });

  test("put() waits while the queue is full; waiting putters proceed in FIFO order", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>(1);
      queue.putNowait("first");
      // Putter i joins at t = 3 - i: the line is r, q, p.
      const tasks = ["p", "q", "r"].map((name, i) =>
        createTask(function* () {
          yield* sleep(3 - i);
          yield* putter(queue, log, name, name.toUpperCase());
        }())
      );
      const got: string[] = [];
      for (const at of [10, 20, 30, 40]) {
        yield* sleep(at - now());
        got.push(queue.getNowait());
        log.push(`main took ${got.at(-1)}@${now()}`);
      }
      yield* outcomes(tasks);
      assert.deepEqual(got, ["first", "R", "Q", "P"]);
    });
    assert.deepEqual(log, [
      "main took first@10",
      "r put R@10",
      "main took R@20",
      "q put Q@20",
      "main took Q@30",
      "p put P@30",
      "main took P@40",
    ]);
  });

  test("taskDone() called more often than items were put is a RangeError", async () => {
    await scenario(function* () {
      const queue = new Queue<number>();
      assertError(thrownBy(() => queue.taskDone()), RangeError, /too many times/);
      queue.putNowait(1);
      queue.putNowait(2);
      yield* queue.get();
      queue.taskDone();
      yield* queue.get();
      queue.taskDone();
      assertError(thrownBy(() => queue.taskDone()), RangeError);
      yield* queue.join(); // the failed call did not break the count
    });
  });

  test("join() waits until taskDone() was called for every item put; every joiner wakes then", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<number>();
      yield* queue.join(); // nothing put: returns at once
      log.push(`empty join@${now()}`);
      for (const n of [10, 20, 30]) queue.putNowait(n);
      const joiners = ["j1", "j2"].map((name) =>
        createTask(function* () {
          yield* queue.join();
          log.push(`${name} joined@${now()}`);
        }())
      );
      const worker = createTask(function* () {
        for (;;) {
          const ms = yield* queue.get();
          yield* sleep(ms);
          log.push(`done ${ms}@${now()}`);
          queue.taskDone();
        }
      }());
      yield* outcomes(joiners);
      worker.cancel();
      assert.equal(yield* outcome(worker), "cancelled");
    });
    assert.deepEqual(log, ["empty join@0", "done 10@10", "done 20@30", "done 30@60", "j1 joined@60", "j2 joined@60"]);
  });

  test("the asyncio tutorial: a producer and two consumers over Queue(maxsize 5), with join() and taskDone()", async () => {
    const work = [30, 10, 20, 50, 10, 40, 30, 20, 10, 60, 20, 30]; // ms each item takes
    const log: string[] = [];
    const consumed: number[] = [];
    const { clock } = await scenario(function* () {
      const queue = new Queue<number>(5);
      const producer = createTask(function* () {
        for (const [i, ms] of work.entries()) {
          yield* queue.put(ms);
          if (i === 4 || i === work.length - 1) log.push(`produced ${i + 1} items@${now()}`);
        }
      }());
      const consumer = (name: string) =>
        createTask(function* () {
          for (;;) {
            const ms = yield* queue.get();
            consumed.push(ms);
            yield* sleep(ms);
            queue.taskDone();
            log.push(`${name} slept ${ms}@${now()}`);
          }
        }());
      const consumers = [consumer("c1"), consumer("c2")];
      yield* producer;
      yield* queue.join();
      log.push(`joined@${now()}`);
      for (const c of consumers) c.cancel();
      assert.deepEqual(yield* outcomes(consumers), ["cancelled", "cancelled"]);
      assert.equal(queue.qsize(), 0);
    });
    assert.deepEqual(consumed, work, "every item consumed once, in the order produced");
    assert.deepEqual(log, [
      "produced 5 items@0",
      "c2 slept 10@10",
      "c1 slept 30@30",
      "c2 slept 20@30",
      "c2 slept 10@40",
      "c1 slept 50@80",
      "c2 slept 40@80",
      "produced 12 items@80",
      "c2 slept 20@100",
      "c1 slept 30@110",
      "c2 slept 10@110",
      "c2 slept 20@130",
      "c2 slept 30@160",
      "c1 slept 60@170",
      "joined@170",
    ]);
    assert.equal(clock.now(), 170);
  });
});

describe("Queue: no barging, and nothing lost when a woken getter or putter is cancelled", () => {
  test("an item put for a waiting getter is reserved for it: a newcomer's getNowait() gets QueueEmpty and its get() queues behind", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>();
      const first = createTask(getter(queue, log, "first"));
      const feeder = createTask(function* () {
        yield* sleep(5);
        queue.putNowait("y");
      }());
      yield* ticks(1);
      queue.putNowait("x"); // reserved for `first`
      log.push(`qsize=${queue.qsize()} empty=${queue.empty()}`);
      assertError(thrownBy(() => queue.getNowait()), QueueEmpty);
      yield* getter(queue, log, "main");
      yield* first;
      yield* feeder;
    });
    assert.deepEqual(log, ["qsize=1 empty=false", "first got x@0", "main got y@5"]);
  });

  test("an item handed to a getter cancelled before it runs goes to the next getter, from the front of the queue", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>();
      const tasks = ["a", "b"].map((name) => createTask(getter(queue, log, name)));
      yield* ticks(1);
      queue.putNowait("x"); // for a
      queue.putNowait("y"); // for b
      tasks[0]!.cancel(); // a is cancelled before it runs
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned x"]);
      assert.deepEqual(drain(queue), ["y"]);
    });
    assert.deepEqual(log, ["a CancelledError@0", "b got x@0"]);
  });

  test("an item handed to a getter cancelled before it runs stays in the queue when nobody else waits", async () => {
    await scenario(function* () {
      const queue = new Queue<string>();
      const a = createTask(getter(queue, [], "a"));
      yield* ticks(1);
      queue.putNowait("x");
      a.cancel();
      assert.equal(yield* outcome(a), "cancelled");
      assert.equal(queue.qsize(), 1);
      assert.equal(queue.getNowait(), "x");
    });
  });

  test("a getter cancelled while waiting leaves the line; the next item goes to the getter behind it", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>();
      const tasks = ["a", "b", "c"].map((name) => createTask(getter(queue, log, name)));
      yield* ticks(1);
      tasks[1]!.cancel();
      yield* ticks(1);
      queue.putNowait("x");
      queue.putNowait("y");
      assert.deepEqual(yield* outcomes(tasks), ["returned x", "cancelled", "returned y"]);
    });
    assert.deepEqual(log, ["b CancelledError@0", "a got x@0", "c got y@0"]);
  });

  test("a place freed for a waiting putter is reserved for it: a newcomer's putNowait() gets QueueFull and its put() queues behind", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>(1);
      queue.putNowait("a");
      const p = createTask(putter(queue, log, "p", "b"));
      const taker = createTask(function* () {
        yield* sleep(5);
        log.push(`taker took ${queue.getNowait()}@${now()}`);
      }());
      yield* ticks(1);
      assert.equal(queue.getNowait(), "a"); // frees the place for p
      assertError(thrownBy(() => queue.putNowait("z")), QueueFull);
      yield* putter(queue, log, "main", "c"); // queues behind p
      yield* p;
      yield* taker;
      assert.deepEqual(drain(queue), ["c"]);
    });
    assert.deepEqual(log, ["p put b@0", "taker took b@5", "main put c@5"]);
  });

  test("a place freed for a putter cancelled before it runs goes to the next putter", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>(1);
      queue.putNowait("a");
      const tasks = [createTask(putter(queue, log, "p", "P")), createTask(putter(queue, log, "q", "Q"))];
      yield* ticks(1);
      assert.equal(queue.getNowait(), "a"); // wakes p
      tasks[0]!.cancel();
      assert.deepEqual(yield* outcomes(tasks), ["cancelled", "returned undefined"]);
      assert.deepEqual(drain(queue), ["Q"]);
      queue.putNowait("free again");
      assert.equal(queue.full(), true);
      queue.getNowait();
    });
    assert.deepEqual(log, ["p CancelledError@0", "q put Q@0"]);
  });

  test("a place freed for a putter cancelled before it runs is free again when nobody else waits", async () => {
    await scenario(function* () {
      const queue = new Queue<string>(1);
      queue.putNowait("a");
      const p = createTask(putter(queue, [], "p", "P"));
      yield* ticks(1);
      queue.getNowait();
      p.cancel();
      assert.equal(yield* outcome(p), "cancelled");
      queue.putNowait("b");
      assert.deepEqual(drain(queue), ["b"]);
    });
  });
});

describe("Queue.shutdown()", () => {
  test("after shutdown(), put() and putNowait() throw QueueShutDown; get() drains the items left, then throws QueueShutDown", async () => {
    await scenario(function* () {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.putNowait(2);
      queue.shutdown();
      assertError(thrownBy(() => queue.putNowait(3)), QueueShutDown);
      assertError(yield* caught(() => queue.put(3)), QueueShutDown);
      assert.equal(yield* queue.get(), 1);
      assert.equal(queue.getNowait(), 2);
      assertError(yield* caught(() => queue.get()), QueueShutDown);
      assertError(thrownBy(() => queue.getNowait()), QueueShutDown, /shut down/);
      assert.equal(now(), 0);
    });
  });

  test("shutdown() wakes every blocked getter, in order, with QueueShutDown", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<number>();
      const tasks = ["a", "b", "c"].map((name) => createTask(getter(queue, log, name)));
      yield* sleep(10);
      queue.shutdown();
      assert.deepEqual(yield* outcomes(tasks), ["QueueShutDown", "QueueShutDown", "QueueShutDown"]);
    });
    assert.deepEqual(log, ["a QueueShutDown@10", "b QueueShutDown@10", "c QueueShutDown@10"]);
  });

  test("shutdown() wakes every blocked putter, in order, with QueueShutDown; the items already in stay gettable", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>(1);
      queue.putNowait("in");
      const tasks = ["p", "q"].map((name) => createTask(putter(queue, log, name, name)));
      yield* sleep(10);
      queue.shutdown();
      assert.deepEqual(yield* outcomes(tasks), ["QueueShutDown", "QueueShutDown"]);
      assert.equal(yield* queue.get(), "in");
      assertError(yield* caught(() => queue.get()), QueueShutDown);
    });
    assert.deepEqual(log, ["p QueueShutDown@10", "q QueueShutDown@10"]);
  });

  test("shutdown() does not take an item from the getter it was already handed to", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<string>();
      const tasks = ["first", "second"].map((name) => createTask(getter(queue, log, name)));
      yield* ticks(1);
      queue.putNowait("x"); // handed to `first`, which has not run yet
      queue.shutdown();
      assert.deepEqual(yield* outcomes(tasks), ["returned x", "QueueShutDown"]);
    });
    // asyncio: the first getter finds the item; only the second sees the shutdown.
    assert.deepEqual(log, ["first got x@0", "second QueueShutDown@0"]);
  });

  test("shutdown(true) drops the items, releases join(), and makes get() throw QueueShutDown at once", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<number>(5);
      for (const n of [1, 2, 3]) queue.putNowait(n);
      const joiner = createTask(function* () {
        yield* queue.join();
        log.push(`joined@${now()}`);
      }());
      yield* sleep(10);
      queue.shutdown(true);
      assert.deepEqual([queue.qsize(), queue.empty()], [0, true]);
      yield* joiner;
      assertError(yield* caught(() => queue.get()), QueueShutDown);
      assertError(thrownBy(() => queue.taskDone()), RangeError, /too many times/);
    });
    assert.deepEqual(log, ["joined@10"]);
  });

  test("shutdown(true) wakes blocked getters and putters with QueueShutDown", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const full = new Queue<string>(1);
      full.putNowait("x");
      const empty = new Queue<string>();
      const tasks = [createTask(putter(full, log, "p", "y")), createTask(getter(empty, log, "g"))];
      yield* sleep(3);
      full.shutdown(true);
      empty.shutdown(true);
      assert.deepEqual(yield* outcomes(tasks), ["QueueShutDown", "QueueShutDown"]);
      assert.equal(full.qsize(), 0);
    });
    assert.deepEqual(log, ["p QueueShutDown@3", "g QueueShutDown@3"]);
  });

  test("shutdown(true) counts only the dropped items done: join() still waits for items already taken", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new Queue<number>();
      for (const n of [1, 2, 3]) queue.putNowait(n);
      const taken = queue.getNowait();
      const joiner = createTask(function* () {
        yield* queue.join();
        log.push(`joined@${now()}`);
      }());
      yield* sleep(5);
      queue.shutdown(true);
      yield* sleep(5);
      assert.equal(joiner.done(), false);
      log.push(`taskDone(${taken})@${now()}`);
      queue.taskDone();
      yield* joiner;
    });
    assert.deepEqual(log, ["taskDone(1)@10", "joined@10"]);
  });
});

describe("PriorityQueue", () => {
  test("numbers come out smallest first", () => {
    const queue = new PriorityQueue<number>();
    for (const n of [5, -1, 3, 3.5, 0, 10, -7, 2]) queue.putNowait(n);
    assert.deepEqual(drain(queue), [-7, -1, 0, 2, 3, 3.5, 5, 10]);
  });

  test("strings compare like Python str: by code point, so astral characters sort after U+FFFF", () => {
    const queue = new PriorityQueue<string>();
    for (const s of ["pear", "apple", "Zebra", "fig", "\uFFFD", "\u{1F600}", "\uE000"]) queue.putNowait(s);
    // sorted(...) in CPython 3.13
    assert.deepEqual(drain(queue), ["Zebra", "apple", "fig", "pear", "\uE000", "\uFFFD", "\u{1F600}"]);
  });

  test("arrays compare like Python tuples: element by element, a prefix first ([priority, seq, payload])", () => {
    const queue = new PriorityQueue<unknown[]>();
    const payload = { job: "x" }; // never compared: the seq numbers differ first
    const items = [
      [2, 0, "b"],
      [1, 1, payload],
      [1, 0, "a"],
      [1],
      [1, 0],
      [0, 9, "z"],
      [1, 0, "a", [2]],
      [1, 0, "a", [1, 5]],
    ];
    for (const item of items) queue.putNowait(item);
    assert.deepEqual(drain(queue), [
      [0, 9, "z"],
      [1],
      [1, 0],
      [1, 0, "a"],
      [1, 0, "a", [1, 5]],
      [1, 0, "a", [2]],
      [1, 1, payload],
      [2, 0, "b"],
    ]);
  });

  test("arrays holding the very same uncomparable payload compare equal, as Python tuples do", () => {
    const queue = new PriorityQueue<unknown[]>();
    const payload = {};
    queue.putNowait([1, payload]);
    queue.putNowait([1, payload]);
    queue.putNowait([0, payload]);
    assert.deepEqual(drain(queue), [[0, payload], [1, payload], [1, payload]]);
  });

  test("uncomparable items are a TypeError: objects, a number against a string, payloads reached in a tie", () => {
    const cases: [unknown, unknown][] = [
      [{}, {}],
      [1, "1"],
      ["a", 1],
      [[1, {}], [1, {}]],
      [[1, 2], 3],
      [null, 1],
    ];
    for (const [first, second] of cases) {
      const queue = new PriorityQueue<unknown>();
      queue.putNowait(first); // a single item is never compared
      assertError(thrownBy(() => queue.putNowait(second)), TypeError, /PriorityQueue cannot order/);
    }
  });

  test("put() of an uncomparable item throws TypeError in the putting task", async () => {
    await scenario(function* () {
      const queue = new PriorityQueue<unknown>();
      yield* queue.put(1);
      assertError(yield* caught(() => queue.put("one")), TypeError);
    });
  });

  test("a custom compare orders any items; equal ones come out in heapq's order", () => {
    type Job = { p: number; name: string };
    const queue = new PriorityQueue<Job>(0, (a, b) => a.p - b.p);
    const out: string[] = [];
    const ops: (Job | null)[] = [
      { p: 2, name: "a" },
      { p: 1, name: "b" },
      { p: 1, name: "c" },
      { p: 2, name: "d" },
      null,
      { p: 1, name: "e" },
      { p: 0, name: "f" },
      null,
      null,
      { p: 1, name: "g" },
      { p: 2, name: "h" },
      null,
      null,
      null,
      null,
      null,
    ];
    for (const op of ops) {
      if (op === null) out.push(queue.getNowait().name);
      else queue.putNowait(op);
    }
    // The same pushes and pops through CPython's heapq (comparing p only).
    assert.deepEqual(out, ["b", "f", "c", "e", "g", "d", "a", "h"]);
  });

  test("a custom compare can reverse the order (largest first)", () => {
    const queue = new PriorityQueue<number>(0, (a, b) => b - a);
    for (const n of [3, 9, 1, 7]) queue.putNowait(n);
    assert.deepEqual(drain(queue), [9, 7, 3, 1]);
  });

  test("a compare that is not a function is a TypeError", () => {
    assertError(
      thrownBy(() => new PriorityQueue<number>(0, 5 as unknown as (a: number, b: number) => number)),
      TypeError,
    );
  });

  test("maxsize, blocking get() and put() work as for Queue", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new PriorityQueue<number>(2);
      const g = createTask(getter(queue, log, "g"));
      yield* ticks(1);
      queue.putNowait(5); // wakes g
      queue.putNowait(4);
      assert.equal(queue.full(), true, "the item reserved for g still takes a place");
      assertError(thrownBy(() => queue.putNowait(1)), QueueFull);
      yield* g;
      queue.putNowait(3);
      assert.deepEqual(drain(queue), [3, 5]);
    });
    // The woken getter takes the smallest item there is when it runs.
    assert.deepEqual(log, ["g got 4@0"]);
  });
});

describe("LifoQueue", () => {
  test("items come out last in, first out", () => {
    const queue = new LifoQueue<number>();
    for (const n of [1, 2, 3, 4, 5]) queue.putNowait(n);
    assert.deepEqual(drain(queue), [5, 4, 3, 2, 1]);
  });

  test("interleaved puts and gets, and a bounded LifoQueue with a waiting putter", async () => {
    const log: string[] = [];
    await scenario(function* () {
      const queue = new LifoQueue<string>(2);
      queue.putNowait("a");
      queue.putNowait("b");
      assert.equal(queue.getNowait(), "b");
      queue.putNowait("c");
      assertError(thrownBy(() => queue.putNowait("x")), QueueFull);
      const p = createTask(putter(queue, log, "p", "d"));
      yield* ticks(1);
      assert.equal(queue.getNowait(), "c");
      yield* p;
      assert.deepEqual(drain(queue), ["d", "a"]);
    });
    assert.deepEqual(log, ["p put d@0"]);
  });
});
