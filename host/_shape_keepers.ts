/**
 * Objects kept for good, only for their hidden classes.
 *
 * V8 keeps an object layout (a map) only while some object has it, and
 * throws away the optimized code that relied on a map the GC collected. A
 * program that makes its queues and locks afresh after a full GC (a run()
 * per request in an edge isolate; every bench sample) then ran their hot
 * paths unoptimized until V8 optimized them again: with a full GC before
 * each run, W5 took 47.7 ms per run on Node instead of 21.2 back to back,
 * 58.8 instead of 31.9 on Deno (bench/probes/gc_between_runs.ts W5; 27.3
 * and 26.1 ms with the keepers), and `--trace-deopt` showed "marking
 * dependent code ... reason: weak objects" for Queue's, Lock's and their
 * operations' methods.
 *
 * So Queue, LifoQueue, PriorityQueue, Lock, Semaphore, BoundedSemaphore,
 * Event, Condition, Barrier, TaskGroup, Timeout, Runner and CancelledError
 * each keep one object of their own (and of the operations they hand out),
 * made the way the program's are but holding nothing of the program's, on
 * their first construction. (Tasks, gathers, futures and handles, which
 * need a loop, are kept by the last closed loop: see Loop.close.)
 *
 * @module
 */

const kept: unknown[] = [];
const keptFor = new Set<unknown>();

/** Keeps what `make()` returns alive for good, once per `key` (made at once, `key` marked first). */
export function keepShapes(key: unknown, make: () => unknown): void {
  if (keptFor.has(key)) return;
  keptFor.add(key);
  kept.push(make());
}
