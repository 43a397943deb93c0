/**
 * formatTaskTree(): the live task tree, drawn like `python -m asyncio pstree`.
 * Each test takes the picture from a timer callback (or from inside a task)
 * while the tasks wait, on a VirtualClock, and compares it line by line.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  Condition,
  type Coroutine,
  createTask,
  currentTask,
  Event,
  formatTaskTree,
  gather,
  getRunningLoop,
  Lock,
  Loop,
  Queue,
  run,
  RuntimeError,
  Semaphore,
  shield,
  sleep,
  startTrace,
  type Task,
  taskGroup,
  until,
  VirtualClock,
  wait,
} from "../host/mod.ts";
import { manualLoop, runUntilIdle } from "./_helpers_loop.ts";
import { assertError, thrownBy } from "./_helpers.ts";

/** Runs `main` (named "main") on a VirtualClock and returns the tree drawn `at` ms in, from a timer callback. */
async function treeAt(at: number, main: () => Coroutine<unknown>, debug = true): Promise<string> {
  let tree = "(not drawn)";
  await run(function* () {
    currentTask()!.setName("main");
    getRunningLoop().callLater(at, () => {
      tree = formatTaskTree();
    });
    return yield* main();
  }, { clock: new VirtualClock(), debug });
  return tree;
}

function* sleeper(ms: number): Coroutine<void> {
  yield* sleep(ms);
}

function lines(...text: string[]): string {
  return text.join("\n");
}

describe("formatTaskTree()", () => {
  test("a gather of tasks: the gather is a line of its own, each task ends in what it waits on", async () => {
    const tree = await treeAt(5, function* () {
      const fast = createTask(sleeper(10), { name: "fast" });
      const slow = createTask(sleeper(20), { name: "slow" });
      yield* gather([fast, slow]);
    });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └──  gather",
        "        ├── (T) fast",
        "        │   └──  sleep until 10",
        "        └── (T) slow",
        "            └──  sleep until 20",
      ),
    );
  });

  test("nested task groups: children hang under a taskGroup line; a body still running shows its own wait too", async () => {
    const tree = await treeAt(5, function* () {
      yield* taskGroup(function* (outer) {
        outer.createTask(sleeper(50), { name: "worker" });
        outer.createTask(
          function* () {
            yield* taskGroup(function* (inner) {
              inner.createTask(sleeper(70), { name: "inner-1" });
              inner.createTask(sleeper(80), { name: "inner-2" });
              yield* sleep(10); // the body itself still runs at 5 ms
            });
          }(),
          { name: "manager" },
        );
      });
    });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └──  taskGroup",
        "        ├── (T) worker",
        "        │   └──  sleep until 50",
        "        └── (T) manager",
        "            ├──  sleep until 10",
        "            └──  taskGroup",
        "                ├── (T) inner-1",
        "                │   └──  sleep until 70",
        "                └── (T) inner-2",
        "                    └──  sleep until 80",
      ),
    );
  });

  test("a task awaiting a task awaiting a task: each sits under its awaiter", async () => {
    const tree = await treeAt(5, function* () {
      const event = new Event();
      const inner = createTask(
        function* () {
          yield* event.wait();
        }(),
        { name: "inner" },
      );
      const middle = createTask(
        function* () {
          yield* inner;
        }(),
        { name: "middle" },
      );
      getRunningLoop().callLater(10, () => event.set());
      yield* middle;
    });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └── (T) middle",
        "        └── (T) inner",
        "            └──  Event.wait <Event [unset, waiters:1]>",
      ),
    );
  });

  test("each leaf says what it waits on: sleep, Lock, Semaphore, Queue.get, Queue.put, Event, Condition, future, promise", async () => {
    const tree = await treeAt(5, function* () {
      const loop = getRunningLoop();
      const lock = new Lock();
      const semaphore = new Semaphore(1);
      const empty = new Queue<number>();
      const full = new Queue<number>(1);
      const event = new Event();
      const condition = new Condition();
      const future = loop.createFuture<void>();
      let resolve = () => {};
      const promise = new Promise<void>((r) => resolve = r);
      yield* lock.acquire();
      yield* semaphore.acquire();
      full.putNowait(1);
      const tasks: Task<unknown>[] = [
        createTask(sleeper(30), { name: "sleeping" }),
        createTask(
          function* () {
            (yield* lock.acquire())[Symbol.dispose]();
          }(),
          { name: "locking" },
        ),
        createTask(
          function* () {
            (yield* semaphore.acquire())[Symbol.dispose]();
          }(),
          { name: "acquiring" },
        ),
        createTask(
          function* () {
            yield* empty.get();
          }(),
          { name: "getting" },
        ),
        createTask(
          function* () {
            yield* full.put(2);
          }(),
          { name: "putting" },
        ),
        createTask(
          function* () {
            yield* event.wait();
          }(),
          { name: "waiting" },
        ),
        createTask(
          function* () {
            using _ = yield* condition.acquire();
            yield* condition.wait();
          }(),
          { name: "conditioned" },
        ),
        createTask(
          function* () {
            yield* future;
          }(),
          { name: "futured" },
        ),
        createTask(
          function* () {
            yield* until(promise);
          }(),
          { name: "promised" },
        ),
      ];
      loop.callLater(10, () => {
        lock.release();
        semaphore.release();
        empty.putNowait(1);
        full.getNowait();
        event.set();
        future.setResult();
        resolve();
      });
      loop.callLater(20, () => {
        tasks[6]!.cancel(); // the condition's waiter: nobody notifies it
      });
      yield* gather(tasks, { returnExceptions: true });
    });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └──  gather",
        "        ├── (T) sleeping",
        "        │   └──  sleep until 30",
        "        ├── (T) locking",
        "        │   └──  Lock.acquire <Lock [locked, waiters:1]>",
        "        ├── (T) acquiring",
        "        │   └──  Semaphore.acquire <Semaphore [locked, waiters:1]>",
        "        ├── (T) getting",
        "        │   └──  Queue.get <Queue maxsize=0 qsize=0 getters=1>",
        "        ├── (T) putting",
        "        │   └──  Queue.put <Queue maxsize=1 qsize=1 putters=1 tasks=1>",
        "        ├── (T) waiting",
        "        │   └──  Event.wait <Event [unset, waiters:1]>",
        "        ├── (T) conditioned",
        "        │   └──  Condition.wait <Condition [unlocked, waiters:1]>",
        "        ├── (T) futured",
        "        │   └──  future",
        "        └── (T) promised",
        "            └──  promise",
      ),
    );
  });

  test("shield, wait and asCompleted are lines of their own above the tasks they wait for", async () => {
    const tree = await treeAt(5, function* () {
      const shielded = createTask(sleeper(10), { name: "shielded" });
      const waited = createTask(sleeper(20), { name: "waited" });
      const raced = createTask(sleeper(30), { name: "raced" });
      const viaShield = createTask(
        function* () {
          yield* shield(shielded);
        }(),
        { name: "via-shield" },
      );
      const viaWait = createTask(
        function* () {
          yield* wait([waited]);
        }(),
        { name: "via-wait" },
      );
      const viaAsCompleted = createTask(
        function* () {
          for (const next of asCompleted([raced])) yield* next;
        }(),
        { name: "via-asCompleted" },
      );
      yield* gather([viaShield, viaWait, viaAsCompleted]);
    });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └──  gather",
        "        ├── (T) via-shield",
        "        │   └──  shield",
        "        │       └── (T) shielded",
        "        │           └──  sleep until 10",
        "        ├── (T) via-wait",
        "        │   └──  wait",
        "        │       └── (T) waited",
        "        │           └──  sleep until 20",
        "        └── (T) via-asCompleted",
        "            └──  asCompleted",
        "                └── (T) raced",
        "                    └──  sleep until 30",
      ),
    );
  });

  test("tasks nobody awaits are roots of their own, in order; the caller is running, a task not started is ready", async () => {
    let tree = "";
    await run(function* () {
      currentTask()!.setName("main");
      const a = createTask(sleeper(10), { name: "a" });
      yield* sleep(0);
      const b = createTask(sleeper(10), { name: "b" });
      tree = formatTaskTree();
      yield* gather([a, b]);
    }, { clock: new VirtualClock(), debug: true });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └──  running",
        "└── (T) a",
        "    └──  sleep until 10",
        "└── (T) b",
        "    └──  ready",
      ),
    );
  });

  test("tasks awaiting each other: the cycle is cut where it closes and listed at the end", () => {
    const { loop } = manualLoop();
    const tasks: Record<string, Task<unknown>> = {};
    const awaiting = (name: string): Coroutine<unknown> =>
      function* () {
        yield* sleep(0); // let every task exist first
        return yield* tasks[name]!;
      }();
    tasks.a = loop.createTask(awaiting("b"), { name: "a" });
    tasks.b = loop.createTask(awaiting("a"), { name: "b" });
    tasks.c = loop.createTask(awaiting("a"), { name: "c" });
    runUntilIdle(loop);
    assert.equal(
      formatTaskTree(loop),
      lines(
        "└── (T) c",
        "    └── (T) a",
        "        └── (T) b",
        "            └── (T) a (cycle)",
        "cycle: a → b → a",
      ),
    );
    loop.close(); // deadlocked for good: cancelling one would cancel the other, and so on (as in asyncio)
  });

  test("a cycle nothing else awaits is still drawn, from its first task", () => {
    const { loop } = manualLoop();
    const tasks: Task<unknown>[] = [];
    const next = (i: number): Coroutine<unknown> =>
      function* () {
        yield* sleep(0);
        return yield* tasks[(i + 1) % 3]!;
      }();
    for (let i = 0; i < 3; i++) tasks.push(loop.createTask(next(i), { name: `ring-${i}` }));
    runUntilIdle(loop);
    assert.equal(
      formatTaskTree(loop),
      lines(
        "└── (T) ring-0",
        "    └── (T) ring-1",
        "        └── (T) ring-2",
        "            └── (T) ring-0 (cycle)",
        "cycle: ring-0 → ring-1 → ring-2 → ring-0",
      ),
    );
    loop.close();
  });

  test("a cycle through shields is found too, and cancelling it ends both tasks", async () => {
    let tree = "";
    await run(function* () {
      currentTask()!.setName("main");
      const tasks: Task<unknown>[] = [];
      const other = (i: number): Coroutine<unknown> =>
        function* () {
          yield* sleep(0);
          return yield* shield(tasks[1 - i]!);
        }();
      tasks.push(createTask(other(0), { name: "left" }), createTask(other(1), { name: "right" }));
      yield* sleep(1);
      tree = formatTaskTree();
      tasks[0]!.cancel();
      yield* gather(tasks, { returnExceptions: true });
      assert.ok(tasks.every((t) => t.cancelled()));
    }, { clock: new VirtualClock() });
    assert.equal(
      tree,
      lines(
        "└── (T) main",
        "    └──  running",
        "└── (T) left",
        "    └──  shield",
        "        └── (T) right",
        "            └──  shield",
        "                └── (T) left (cycle)",
        "cycle: left → right → left",
      ),
    );
  });

  test("a sleep shows its end outside debug mode and tracing (the core keeps it)", async () => {
    const tree = await treeAt(5, function* () {
      yield* createTask(sleeper(10), { name: "napping" });
    }, false);
    assert.equal(tree, lines("└── (T) main", "    └── (T) napping", "        └──  sleep until 10"));
  });

  test("a sleeper whose timer fired and that has not run yet shows as ready", () => {
    const { loop, clock } = manualLoop();
    const napping = loop.createTask(sleeper(10), { name: "napping" });
    let tree = "";
    // Armed before napping sleeps, so it runs in the iteration that fires napping's timer, before napping.
    loop.callLater(10, () => tree = formatTaskTree(loop));
    loop.runOnce();
    clock.advance(10);
    runUntilIdle(loop);
    assert.equal(tree, lines("└── (T) napping", "    └──  ready"));
    assert.equal(napping.done(), true);
    loop.close();
  });

  test("while a trace records, a sleep shows its end too", async () => {
    const loop = new Loop({ clock: new VirtualClock() });
    const recorder = startTrace(loop);
    let tree = "";
    await loop.runUntilComplete(function* () {
      currentTask()!.setName("main");
      loop.callLater(5, () => tree = formatTaskTree());
      yield* createTask(sleeper(10), { name: "napping" });
    }());
    recorder.stop();
    loop.close();
    assert.equal(tree, lines("└── (T) main", "    └── (T) napping", "        └──  sleep until 10"));
  });

  test("a loop without live tasks gives an empty string; a renamed task shows its new name", async () => {
    assert.equal(formatTaskTree(new Loop()), "");
    const tree = await treeAt(5, function* () {
      const t = createTask(sleeper(10), { name: "before" });
      t.setName("after");
      yield* t;
    });
    assert.equal(tree, lines("└── (T) main", "    └── (T) after", "        └──  sleep until 10"));
  });

  test("formatTaskTree() outside a loop throws RuntimeError; with something not a Loop, TypeError", () => {
    assertError(thrownBy(() => formatTaskTree()), RuntimeError, /No running event loop/);
    assertError(thrownBy(() => formatTaskTree({} as Loop)), TypeError, /formatTaskTree\(\) needs a Loop/);
    assertError(thrownBy(() => formatTaskTree(null as unknown as Loop)), TypeError, /got null/);
  });
});
