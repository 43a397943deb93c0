/**
 * Queues, locks, semaphores, events, conditions, barriers, task groups,
 * timeouts and runners keep one object of their own classes alive for
 * V8's hidden classes
 * (host/_shape_keepers.ts; closed loops keep futures, handles and tasks). That must never show:
 * a program's subclass is constructed only when the program asks, and the
 * first objects a program makes behave as any other.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Barrier,
  BoundedSemaphore,
  CancelledError,
  Condition,
  createTask,
  Event,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  Runner,
  Semaphore,
  sleep,
  TaskGroup,
} from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";

describe("shape keepers", () => {
  test("a program's subclasses of spindle's classes are constructed once per new, never by spindle", () => {
    const made: string[] = [];
    class CountingQueue<T> extends Queue<T> {
      constructor() {
        super(2);
        made.push("queue");
      }
    }
    class CountingLock extends Lock {
      constructor() {
        super();
        made.push("lock");
      }
    }
    class CountingSemaphore extends Semaphore {
      constructor() {
        super(3);
        made.push("semaphore");
      }
    }
    class CountingEvent extends Event {
      constructor() {
        super();
        made.push("event");
      }
    }
    class CountingTaskGroup extends TaskGroup {
      constructor() {
        super();
        made.push("task group");
      }
    }
    class CountingCondition extends Condition {
      constructor() {
        super();
        made.push("condition");
      }
    }
    class CountingBarrier extends Barrier {
      constructor() {
        super(2);
        made.push("barrier");
      }
    }
    class CountingRunner extends Runner {
      constructor() {
        super();
        made.push("runner");
      }
    }
    const queue = new CountingQueue<number>();
    const lock = new CountingLock();
    const semaphore = new CountingSemaphore();
    new CountingQueue<number>();
    new CountingEvent();
    new CountingTaskGroup();
    new CountingCondition();
    new CountingBarrier();
    new CountingRunner();
    assert.deepEqual(made, [
      "queue",
      "lock",
      "semaphore",
      "queue",
      "event",
      "task group",
      "condition",
      "barrier",
      "runner",
    ]);
    assert.equal(String(queue), "<CountingQueue maxsize=2 qsize=0>");
    assert.equal(lock.locked(), false);
    assert.equal(String(semaphore), "<CountingSemaphore [unlocked, value:3]>");
  });

  test("the first queues, locks and semaphores a program makes start empty, free and full, and work", async () => {
    await runVirtual(function* () {
      const fifo = new Queue<string>(1);
      const lifo = new LifoQueue<string>();
      const priority = new PriorityQueue<number>();
      const lock = new Lock();
      const semaphore = new BoundedSemaphore(2);
      assert.deepEqual([fifo.qsize(), lifo.qsize(), priority.qsize()], [0, 0, 0]);
      assert.equal(String(fifo), "<Queue maxsize=1 qsize=0>");
      assert.equal(String(priority), "<PriorityQueue maxsize=0 qsize=0>");
      assert.equal(lock.locked(), false);
      assert.equal(String(semaphore), "<BoundedSemaphore [unlocked, value:2]>");

      const getter = createTask((function* () {
        return yield* fifo.get();
      })());
      yield* fifo.put("a");
      lifo.putNowait("x");
      lifo.putNowait("y");
      priority.putNowait(3);
      priority.putNowait(1);
      yield* lock.acquire();
      yield* semaphore.acquire();
      assert.equal(yield* getter, "a");
      assert.deepEqual([lifo.getNowait(), priority.getNowait()], ["y", 1]);
      assert.equal(lock.locked(), true);
      lock.release();
      semaphore.release();
      assert.throws(() => semaphore.release(), RangeError);
    });
  });

  test("a cancelled task's CancelledError is its own, with the cancel message", async () => {
    await runVirtual(function* () {
      const waiters = [0, 1].map(() =>
        createTask((function* () {
          yield* new Queue<number>().get();
        })())
      );
      yield* sleep(0); // both start waiting
      waiters[0]!.cancel("first");
      waiters[1]!.cancel();
      const errors: CancelledError[] = [];
      for (const task of waiters) {
        try {
          yield* task;
        } catch (error) {
          errors.push(error as CancelledError);
        }
      }
      assert.equal(errors.length, 2);
      assert.ok(errors[0] instanceof CancelledError && errors[1] instanceof CancelledError);
      assert.notEqual(errors[0], errors[1]);
      assert.deepEqual(errors.map((e) => e.message), ["first", ""]);
    });
  });
});
