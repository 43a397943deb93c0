/**
 * The floor: a deliberately minimal scheduler over plain generators, the
 * physical limit of a generator-driven scheduler in JavaScript (BENCH.md).
 * It does far less than spindle must (no futures, no error reporting, no
 * loop API, no host yielding while work is ready), so spindle's targets are
 * ratios to it, never parity.
 *
 * Ground rules
 * - The ready queue is two arrays used in turn: one pass runs the batch that
 *   was ready when it started (FIFO); what it schedules waits for the next.
 * - Timers live in one binary heap of tasks keyed by (deadline, sequence);
 *   each task knows its heap index, so cancelling a sleep removes it in
 *   O(log n) without allocating. Due timers join the ready queue at the start
 *   of a pass, behind what the previous pass scheduled.
 * - One host timer (`setTimeout`) is armed for the earliest deadline, and
 *   only when nothing is ready.
 * - A coroutine talks to the floor only by what it yields, with a bare
 *   `yield` (no `yield*` delegation):
 *   `undefined` or `0` → run again next pass; a number of ms → sleep;
 *   a `FloorTask` → resume with its result when it is done (check `done`
 *   first: yielding a finished task costs a pass); `PARK` → nothing, a
 *   primitive below has kept the task and will `wake()` it.
 * - Cancelling throws `CANCELLED` into the coroutine at its yield, like
 *   spindle, so `finally` blocks run.
 *
 * @module
 */

/** A coroutine the floor can run. */
export type FloorCoroutine<T = unknown> = Generator<unknown, T, unknown>;

/** Yielded by a coroutine a primitive has parked; the primitive wakes it. */
export const PARK: unique symbol = Symbol("floor.park");
/** What a cancelled coroutine has thrown into it. */
export const CANCELLED: unique symbol = Symbol("floor.cancelled");
const NOTHING: unique symbol = Symbol("floor.nothing");

/** One coroutine scheduled on the floor. */
export class FloorTask<T = unknown> {
  readonly gen: FloorCoroutine<T>;
  readonly floor: Floor;
  send: unknown = undefined;
  error: unknown = NOTHING;
  done = false;
  value: T | undefined = undefined;
  /** Tasks joined on this one. */
  waiters: FloorTask[] | null = null;
  /** Index in the timer heap while sleeping, else -1. */
  heapIndex = -1;
  deadline = 0;
  seq = 0;

  constructor(floor: Floor, gen: FloorCoroutine<T>) {
    this.floor = floor;
    this.gen = gen;
  }

  /** Throws CANCELLED into the coroutine at its next step; a sleep is cut short. */
  cancel(): void {
    if (this.done) return;
    this.error = CANCELLED;
    if (this.heapIndex >= 0) {
      this.floor.removeTimer(this);
      this.floor.schedule(this);
    }
  }
}

/** A floor instance: one ready queue, one timer heap, one host timer. */
export class Floor {
  /** The task being stepped. */
  current: FloorTask | null = null;
  #ready: FloorTask[] = [];
  #spare: FloorTask[] = [];
  readonly #heap: FloorTask[] = [];
  #seq = 0;
  #hostTimer: ReturnType<typeof setTimeout> | null = null;
  #main: FloorTask | null = null;
  #resolve: ((value: unknown) => void) | null = null;
  readonly #drive = () => {
    this.#hostTimer = null;
    this.#loop();
  };

  /** Runs `main` to its end and settles with its result (other tasks are abandoned). */
  run<T>(main: FloorCoroutine<T>): Promise<T> {
    return new Promise<T>((resolve) => {
      this.#resolve = resolve as (value: unknown) => void;
      this.#main = this.spawn(main);
      this.#loop();
    });
  }

  /** Schedules `gen` as a task; it first runs on the next pass. */
  spawn<T>(gen: FloorCoroutine<T>): FloorTask<T> {
    const task = new FloorTask<T>(this, gen);
    this.#ready.push(task as FloorTask);
    return task;
  }

  /** Puts `task` at the end of the ready queue. */
  schedule(task: FloorTask): void {
    this.#ready.push(task);
  }

  /** Wakes a parked task with `value` as the result of its `yield PARK`. */
  wake(task: FloorTask, value?: unknown): void {
    task.send = value;
    this.#ready.push(task);
  }

  #loop(): void {
    const heap = this.#heap;
    for (;;) {
      if (heap.length > 0) {
        const now = performance.now();
        while (heap.length > 0 && heap[0]!.deadline <= now) {
          const task = heap[0]!;
          this.removeTimer(task);
          this.#ready.push(task);
        }
      }
      const batch = this.#ready;
      if (batch.length === 0) {
        if (this.#main!.done) {
          this.#resolve!(this.#main!.value);
          return;
        }
        if (heap.length > 0) {
          this.#hostTimer = setTimeout(this.#drive, Math.max(0, heap[0]!.deadline - performance.now()));
        }
        return;
      }
      this.#ready = this.#spare;
      for (let i = 0; i < batch.length; i++) this.#step(batch[i]!);
      batch.length = 0;
      this.#spare = batch;
      if (this.#main!.done) {
        if (this.#hostTimer !== null) clearTimeout(this.#hostTimer);
        this.#resolve!(this.#main!.value);
        return;
      }
    }
  }

  #step(task: FloorTask): void {
    if (task.done) return;
    this.current = task;
    let step: IteratorResult<unknown, unknown>;
    try {
      const error = task.error;
      if (error === NOTHING) {
        const send = task.send;
        task.send = undefined;
        step = task.gen.next(send);
      } else {
        task.error = NOTHING;
        step = task.gen.throw(error);
      }
    } catch (error) {
      this.#finish(task, error);
      return;
    }
    if (step.done) {
      this.#finish(task, step.value);
      return;
    }
    const y = step.value;
    if (y === undefined || y === 0) {
      this.#ready.push(task);
    } else if (typeof y === "number") {
      task.deadline = performance.now() + y;
      task.seq = this.#seq++;
      this.#pushTimer(task);
    } else if (y instanceof FloorTask) {
      if (y.done) {
        task.send = y.value;
        this.#ready.push(task);
      } else {
        (y.waiters ??= []).push(task);
      }
    } else if (y !== PARK) {
      task.error = new TypeError(`the floor cannot handle a yield of ${String(y)}`);
      this.#ready.push(task);
    }
  }

  #finish(task: FloorTask, value: unknown): void {
    task.done = true;
    task.value = value;
    const waiters = task.waiters;
    if (waiters !== null) {
      task.waiters = null;
      for (let i = 0; i < waiters.length; i++) {
        const w = waiters[i]!;
        w.send = value;
        this.#ready.push(w);
      }
    }
  }

  // ---- the timer heap: tasks ordered by (deadline, seq) ----

  #less(a: FloorTask, b: FloorTask): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  #pushTimer(task: FloorTask): void {
    const heap = this.#heap;
    task.heapIndex = heap.length;
    heap.push(task);
    this.#siftUp(task.heapIndex);
  }

  /** Takes a sleeping task out of the heap. */
  removeTimer(task: FloorTask): void {
    const heap = this.#heap;
    const i = task.heapIndex;
    task.heapIndex = -1;
    const last = heap.pop()!;
    if (last === task) return;
    heap[i] = last;
    last.heapIndex = i;
    this.#siftUp(i);
    this.#siftDown(last.heapIndex);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const task = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.#less(task, p)) break;
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = task;
    task.heapIndex = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const task = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#less(heap[child + 1]!, heap[child]!)) child++;
      const c = heap[child]!;
      if (!this.#less(c, task)) break;
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = task;
    task.heapIndex = i;
  }
}

/** Runs `main` on a fresh floor. */
export function floorRun<T>(main: (floor: Floor) => FloorCoroutine<T>): Promise<T> {
  const floor = new Floor();
  return floor.run(main(floor));
}

/** A FIFO lock that hands itself straight to the first waiter. */
export class FloorLock {
  #locked = false;
  readonly #waiters = new FloorDeque<FloorTask>();
  readonly #floor: Floor;

  constructor(floor: Floor) {
    this.#floor = floor;
  }

  /** True if the caller got the lock now; else it must `yield PARK` and will own it when woken. */
  tryAcquire(): boolean {
    if (!this.#locked) {
      this.#locked = true;
      return true;
    }
    this.#waiters.push(this.#floor.current!);
    return false;
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else this.#floor.wake(next);
  }
}

/** A FIFO semaphore that hands a released permit straight to the first waiter. */
export class FloorSemaphore {
  #value: number;
  readonly #waiters = new FloorDeque<FloorTask>();
  readonly #floor: Floor;

  constructor(floor: Floor, value: number) {
    this.#floor = floor;
    this.#value = value;
  }

  /** True if the caller got a permit now; else it must `yield PARK` and holds one when woken. */
  tryAcquire(): boolean {
    if (this.#value > 0) {
      this.#value--;
      return true;
    }
    this.#waiters.push(this.#floor.current!);
    return false;
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#value++;
    else this.#floor.wake(next);
  }
}

/** A bounded FIFO queue; items go straight to a parked getter. */
export class FloorQueue<T> {
  readonly #items = new FloorDeque<T>();
  readonly #getters = new FloorDeque<FloorTask>();
  readonly #putters = new FloorDeque<FloorTask>();
  readonly #putItems = new FloorDeque<T>();
  readonly #maxsize: number;
  readonly #floor: Floor;

  constructor(floor: Floor, maxsize: number) {
    this.#floor = floor;
    this.#maxsize = maxsize;
  }

  /** True if `item` went in now; else the caller must `yield PARK` and the item goes in before it wakes. */
  tryPut(item: T): boolean {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#floor.wake(getter, item);
      return true;
    }
    if (this.#items.length < this.#maxsize) {
      this.#items.push(item);
      return true;
    }
    this.#putters.push(this.#floor.current!);
    this.#putItems.push(item);
    return false;
  }

  /** The next item, or NO_ITEM: then the caller must `yield PARK` and receives the item from it. */
  tryGet(): T | typeof NO_ITEM {
    if (this.#items.length === 0) {
      this.#getters.push(this.#floor.current!);
      return NO_ITEM;
    }
    const item = this.#items.shift()!;
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.#items.push(this.#putItems.shift()!);
      this.#floor.wake(putter);
    }
    return item;
  }
}

/** What FloorQueue.tryGet returns when the caller must park. */
export const NO_ITEM: unique symbol = Symbol("floor.noItem");

/** A growable ring buffer. */
class FloorDeque<T> {
  #buf: (T | undefined)[] = new Array(16);
  #head = 0;
  length = 0;

  push(item: T): void {
    if (this.length === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.length) & (this.#buf.length - 1)] = item;
    this.length++;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.length--;
    return item;
  }

  #grow(): void {
    const old = this.#buf;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }
}
