/**
 * `Queue`, `PriorityQueue`, `LifoQueue` (asyncio.Queue and friends, 3.13,
 * with `shutdown`).
 *
 * Ground rules
 * - Getters and putters wait in FIFO lines in the core. A put wakes the
 *   first getter and holds an item for it until it runs (the task carries
 *   F_RESERVED), so a newcomer never takes an item from a getter in line (no
 *   barging); a get likewise holds the freed place for the first putter.
 * - A woken getter that is cancelled before it runs takes nothing: its item
 *   stays at the front and goes to the next getter. Items are never lost or
 *   delivered twice.
 * - shutdown() wakes every waiter without holding anything for it, so a
 *   getter already holding an item still gets it, and the others see the
 *   shutdown (asyncio's order).
 *
 * @module
 */

import { Deque } from "./_deque.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.ts";
import { Event } from "./event.ts";
import { describe, type Operation } from "./operation.ts";
import { checkOperationReuse, runningTask, SPENT } from "./_current.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { WaitList } from "./_wait_list.ts";
import { F_RESERVED, type Task } from "./task.ts";

/**
 * A first-in, first-out queue. `maxsize <= 0` means unbounded.
 *
 * @example
 * ```ts
 * const queue = new Queue<number>(5);
 * yield* queue.put(1);
 * const item = yield* queue.get();
 * queue.taskDone();
 * ```
 * @throws {TypeError} when `maxsize` is not a number
 */
export class Queue<T> {
  readonly #maxsize: number;
  readonly #getters = new WaitList(this, "Queue.get");
  readonly #putters = new WaitList(this, "Queue.put");
  #unfinished = 0;
  /** Items held for woken getters, and places held for woken putters, until they run. */
  #heldItems = 0;
  #heldPlaces = 0;
  readonly #finished = new Event();
  #shutdown = false;
  /**
   * A finished put() / get() operation kept for the next call: `yield*
   * queue.put(x)` is done with its operation once it completes, so reusing
   * it saves an allocation per item. An operation that waits is not spare
   * until it completes, so two live operations never share an object.
   */
  #sparePut: QueuePut<T> | null = null;
  #spareGet: QueueGet<T> | null = null;

  constructor(maxsize = 0) {
    if (typeof maxsize !== "number" || maxsize !== maxsize) {
      throw new TypeError(`Queue maxsize must be a number, got ${describe(maxsize)}`);
    }
    this.#maxsize = maxsize;
    this.#finished.set();
    keepQueueShapes(new.target);
  }

  /** The most items the queue holds (0 or less: no limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** Items in the queue. */
  qsize(): number {
    return this._size();
  }

  /** True when the queue holds no items. */
  empty(): boolean {
    return this._size() === 0;
  }

  /** True when the queue holds maxsize items. */
  full(): boolean {
    return this.#maxsize > 0 && this._size() >= this.#maxsize;
  }

  /**
   * Puts `item`, waiting in line while the queue is full.
   *
   * @throws {QueueShutDown} when the queue is shut down
   */
  put(item: T): Operation<void> {
    const op = this.#sparePut;
    if (op === null) return new QueuePut(this, item);
    this.#sparePut = null;
    op._item = item;
    op._task = null;
    return op;
  }

  /**
   * Puts `item` without waiting.
   *
   * @throws {QueueFull} when there is no free place
   * @throws {QueueShutDown} when the queue is shut down
   */
  putNowait(item: T): void {
    if (this.#shutdown) throw new QueueShutDown("Queue is shut down: no more puts");
    if (this.#noRoom()) throw new QueueFull(`Queue is full (maxsize ${this.#maxsize}): use put() to wait`);
    this.#store(item);
  }

  /**
   * Takes the next item, waiting in line while there is none.
   *
   * @throws {QueueShutDown} when the queue is shut down and empty (or shut down immediately)
   */
  get(): Operation<T> {
    const op = this.#spareGet;
    if (op === null) return new QueueGet(this);
    this.#spareGet = null;
    op.done = false;
    op.value = undefined;
    op._task = null;
    return op;
  }

  /**
   * Takes the next item without waiting.
   *
   * @throws {QueueEmpty} when no item is free
   * @throws {QueueShutDown} when the queue is shut down and empty
   */
  getNowait(): T {
    if (this.#noItem()) {
      if (this.#shutdown) throw new QueueShutDown("Queue is shut down and empty");
      throw new QueueEmpty("Queue is empty: use get() to wait");
    }
    return this.#take();
  }

  /**
   * Marks one item taken with get() as processed, for join().
   *
   * @throws {RangeError} when called more times than items were put
   */
  taskDone(): void {
    if (this.#unfinished <= 0) throw new RangeError("taskDone() called too many times");
    if (--this.#unfinished === 0) this.#finished.set();
  }

  /** Waits until every item put has been marked done with taskDone(). */
  join(): Operation<void> {
    return this.#join();
  }

  *#join(): Generator<unknown, void, unknown> {
    if (this.#unfinished > 0) yield* this.#finished.wait();
  }

  /**
   * Shuts the queue down: put() fails from now on; get() fails once the queue
   * is empty, at once with `immediate` (which also drops the items and
   * counts them done). Every waiting task is woken to see it.
   */
  shutdown(immediate = false): void {
    this.#shutdown = true;
    if (immediate) {
      while (this._size() > 0) {
        this._get();
        if (this.#unfinished > 0) this.#unfinished--;
      }
      if (this.#unfinished === 0) this.#finished.set();
    }
    this.#getters.wakeAll();
    this.#putters.wakeAll();
  }

  toString(): string {
    const parts = [`maxsize=${this.#maxsize}`, `qsize=${this._size()}`];
    if (this.#getters.size > 0) parts.push(`getters=${this.#getters.size}`);
    if (this.#putters.size > 0) parts.push(`putters=${this.#putters.size}`);
    if (this.#unfinished > 0) parts.push(`tasks=${this.#unfinished}`);
    if (this.#shutdown) parts.push("shutdown");
    return `<${this.constructor.name} ${parts.join(" ")}>`;
  }

  // ---- storage, overridden by PriorityQueue and LifoQueue ----

  /** @internal */ _items: Deque<T> = new Deque<T>();
  /** @internal */ _size(): number {
    return this._items.length;
  }
  /** @internal */ _put(item: T): void {
    this._items.push(item);
  }
  /** @internal */ _get(): T {
    return this._items.shift();
  }

  // ---- internals ----

  /** No item free for a newcomer: the items there are held for woken getters. */
  #noItem(): boolean {
    return this._size() - this.#heldItems <= 0;
  }

  /** No place free for a newcomer: the free places are held for woken putters. */
  #noRoom(): boolean {
    return this.#maxsize > 0 && this._size() + this.#heldPlaces >= this.#maxsize;
  }

  #store(item: T): void {
    this._put(item);
    this.#unfinished++;
    this.#finished.clear();
    this.#handItem();
  }

  #take(): T {
    const item = this._get();
    this.#handPlace();
    return item;
  }

  /** Wakes the first getter and holds a free item for it, if there is one of each. */
  #handItem(): void {
    if (this.#noItem()) return;
    const task = this.#getters.wakeFirst();
    if (task === null) return;
    task._flags |= F_RESERVED;
    this.#heldItems++;
  }

  /** Wakes the first putter and holds a free place for it, if there is one of each. */
  #handPlace(): void {
    if (this.#noRoom()) return;
    const task = this.#putters.wakeFirst();
    if (task === null) return;
    task._flags |= F_RESERVED;
    this.#heldPlaces++;
  }

  /**
   * @internal one attempt of get(): the item if one is free (in `result`,
   * done), else the wait in the getters' line (not done).
   * @throws {QueueShutDown} when shut down and no item is free
   */
  _getStep(result: QueueGet<T>): IteratorResult<unknown, T> {
    if (!this.#noItem()) {
      result.done = true;
      result.value = this.#take();
      return result as IteratorReturnResult<T>;
    }
    if (this.#shutdown) throw new QueueShutDown("Queue is shut down and empty");
    return this.#getters.op.next() as IteratorResult<unknown, T>;
  }

  /** @internal a getter resumed from the line; `cancelled` if it leaves with an error */
  _getterResumed(task: Task<unknown>, cancelled: boolean): void {
    this.#getters.resumed(task);
    if (!released(task)) return;
    this.#heldItems--; // woken with an item held: it is free again (the getter takes it in its next attempt)
    // Woken for an item it will not take: the item stays first, for the next getter.
    if (cancelled) this.#handItem();
  }

  /**
   * @internal one attempt of put(): stores the item if there is a free
   * place (done), else the wait in the putters' line (not done).
   * @throws {QueueShutDown} when shut down
   */
  _putStep(item: T): IteratorResult<unknown, void> {
    if (this.#shutdown) throw new QueueShutDown("Queue is shut down: no more puts");
    if (this.#noRoom()) return this.#putters.op.next();
    this.#store(item);
    return DONE;
  }

  /** @internal a put() operation finished: the next put() may reuse it */
  _sparePut(op: QueuePut<T>): void {
    this.#sparePut = op;
  }

  /** @internal a get() operation finished: the next get() may reuse it */
  _spareGet(op: QueueGet<T>): void {
    this.#spareGet = op;
  }

  /** @internal a putter resumed from the line; `cancelled` if it leaves with an error */
  _putterResumed(task: Task<unknown>, cancelled: boolean): void {
    this.#putters.resumed(task);
    if (!released(task)) return;
    this.#heldPlaces--;
    // Woken for a place it will not use: the place goes to the next putter.
    if (cancelled) this.#handPlace();
  }
}

const DONE: IteratorResult<unknown, void> = Object.freeze({ done: true, value: undefined });

/**
 * Keeps a queue of `kind` and a get() and a put() operation of it, made
 * only for their hidden classes (see _shape_keepers.ts), once per class:
 * our own classes only, never a program's subclass. (Outside the class
 * bodies: a class that names itself inside its body is renamed by esbuild,
 * and its name shows in toString().)
 */
function keepQueueShapes(kind: typeof Queue): void {
  if (kind !== Queue && kind !== LifoQueue && kind !== PriorityQueue) return;
  keepShapes(kind, () => {
    const queue = new kind<unknown>(1);
    return [queue, queue.get(), queue.put(undefined)];
  });
}

/**
 * The operation queue.get() returns: an iterator, not a generator, so a get
 * that need not wait is cheap. It is also the IteratorResult of its own last
 * step once it got an item (`done`, `value`), and once finished the queue
 * hands it out again: a get allocates nothing in the steady state. (A spare
 * operation keeps the last item it got until the next get(): one item.)
 */
class QueueGet<T> implements Operation<T>, Iterator<unknown, T, unknown> {
  /** @internal set when the get has its item */ done = false;
  /** @internal the item, once got */ value: T | undefined = undefined;
  readonly #queue: Queue<T>;
  /** @internal the task waiting in the getters' line with this operation, or SPENT once finished */
  _task: Task<unknown> | typeof SPENT | null = null;

  constructor(queue: Queue<T>) {
    this.#queue = queue;
  }

  next(): IteratorResult<unknown, T> {
    const queue = this.#queue;
    const task = this._task;
    if (task !== null) queue._getterResumed(checkOperationReuse("Queue.get()", task), false);
    const step = queue._getStep(this);
    if (step.done) {
      // The caller reads `done` and `value` at once: the next get() may reuse this object.
      this._task = SPENT;
      queue._spareGet(this);
    } else if (task === null) {
      this._task = runningTask("Queue.get()");
    }
    return step;
  }

  throw(error?: unknown): IteratorResult<unknown, T> {
    const task = this._task;
    if (task !== null && task !== SPENT) {
      checkOperationReuse("Queue.get()", task); // before anything changes: a wrong task leaves it as it was
      this._task = null;
      this.#queue._getterResumed(task, true);
    }
    throw error;
  }

  return(value?: unknown): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** The operation queue.put() returns: an iterator, not a generator, reused like QueueGet. */
class QueuePut<T> implements Operation<void>, Iterator<unknown, void, unknown> {
  readonly #queue: Queue<T>;
  /** @internal the item to put */ _item: T;
  /** @internal the task waiting in the putters' line with this operation, or SPENT once finished */
  _task: Task<unknown> | typeof SPENT | null = null;

  constructor(queue: Queue<T>, item: T) {
    this.#queue = queue;
    this._item = item;
  }

  next(): IteratorResult<unknown, void> {
    const queue = this.#queue;
    const task = this._task;
    if (task !== null) queue._putterResumed(checkOperationReuse("Queue.put()", task), false);
    const step = queue._putStep(this._item);
    if (step.done) {
      this._task = SPENT;
      this._item = undefined as T; // a spare operation keeps no item alive
      queue._sparePut(this);
    } else if (task === null) {
      this._task = runningTask("Queue.put()");
    }
    return step;
  }

  throw(error?: unknown): IteratorResult<unknown, void> {
    const task = this._task;
    if (task !== null && task !== SPENT) {
      checkOperationReuse("Queue.put()", task); // before anything changes: a wrong task leaves it as it was
      this._task = null;
      this.#queue._putterResumed(task, true);
    }
    throw error;
  }

  return(): IteratorResult<unknown, void> {
    return DONE;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** Clears a task's F_RESERVED; true if it was set. */
function released(task: Task<unknown>): boolean {
  if (!(task._flags & F_RESERVED)) return false;
  task._flags &= ~F_RESERVED;
  return true;
}

/** Compares two values like Python's `<` on numbers, strings and tuples (arrays). */
export function pythonCompare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      // Python compares tuples element by element, skipping equal ones.
      if (a[i] === b[i]) continue;
      const c = pythonCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TypeError(
    `PriorityQueue cannot order ${describe(a)} and ${describe(b)}: ` +
      "use numbers, strings or arrays of them, or pass a compare function",
  );
}

/**
 * Orders strings by code point, as Python does. JavaScript's `<` compares
 * UTF-16 code units, which puts astral characters (surrogate pairs) before
 * U+E000..U+FFFF; the two orders differ only where a surrogate meets a
 * non-surrogate at the first difference.
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * Smallest item first. `compare(a, b)` is sort-style; by default numbers,
 * strings and arrays compare like Python values and tuples. Items with equal
 * priority come out in the order Python's heapq gives.
 */
export class PriorityQueue<T> extends Queue<T> {
  readonly #compare: (a: T, b: T) => number;
  readonly #heap: T[] = [];

  constructor(maxsize = 0, compare?: (a: T, b: T) => number) {
    super(maxsize);
    if (compare !== undefined && typeof compare !== "function") {
      throw new TypeError(`PriorityQueue compare must be a function, got ${describe(compare)}`);
    }
    this.#compare = compare ?? pythonCompare;
  }

  /** @internal */ override _size(): number {
    return this.#heap.length;
  }

  /** @internal heappush: append, then move up past larger parents */
  override _put(item: T): void {
    const heap = this.#heap;
    heap.push(item);
    this.#siftDown(0, heap.length - 1);
  }

  /** @internal heappop: the last item fills the root, then sifts (CPython's algorithm) */
  override _get(): T {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return last;
    const top = heap[0]!;
    heap[0] = last;
    this.#siftUp(0);
    return top;
  }

  // CPython's heapq: _siftdown moves an item towards the root, _siftup
  // sends the hole to a leaf along smaller children and then sifts down.
  #siftDown(start: number, pos: number): void {
    const heap = this.#heap;
    const item = heap[pos]!;
    while (pos > start) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos]!;
      if (this.#compare(item, parent) < 0) {
        heap[pos] = parent;
        pos = parentPos;
        continue;
      }
      break;
    }
    heap[pos] = item;
  }

  #siftUp(pos: number): void {
    const heap = this.#heap;
    const end = heap.length;
    const start = pos;
    const item = heap[pos]!;
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !(this.#compare(heap[child]!, heap[right]!) < 0)) child = right;
      heap[pos] = heap[child]!;
      pos = child;
      child = 2 * pos + 1;
    }
    heap[pos] = item;
    this.#siftDown(start, pos);
  }
}

/** Last in, first out. */
export class LifoQueue<T> extends Queue<T> {
  /** @internal */ override _get(): T {
    return this._items.pop();
  }
}
