/**
 * What a switch costs the coroutine itself, on the runtime that runs this,
 * with no scheduler at all: 1,000 generators resumed in passes (W2's shape)
 * from a task-like object's method, each resume ending at the next
 * suspension. "yield" is the floor's switch
 * (a bare `yield`); "yield* op" is spindle's (`yield* sleep(0)`: yield*
 * delegating to an iterator that is its own result, as sleep()'s operation
 * is); "yield* generator" delegates to a new generator per switch instead.
 * `node tests/tools/run_ts.mjs bench/probes/yield_star_cost.ts`,
 * `deno run -A bench/probes/yield_star_cost.ts`, `bun bench/probes/yield_star_cost.ts`.
 *
 * @module
 */

import { runtime } from "../_runtime.ts";

const TASKS = 1_000;
const PASSES = 1_000;
const RESUMED: unique symbol = Symbol("resumed");
const DONE: IteratorResult<unknown, void> = Object.freeze({ done: true, value: undefined });

/** An operation like sleep(0)'s: its own "not done" result, done once resumed. */
class ZeroOp implements Iterator<unknown, void, unknown> {
  readonly done = false;
  readonly value: ZeroOp = this;
  next(sent?: unknown): IteratorResult<unknown, void> {
    return sent === RESUMED ? DONE : (this as IteratorYieldResult<unknown>);
  }
  [Symbol.iterator](): this {
    return this;
  }
}
const op = new ZeroOp();

function* bare(): Generator<unknown, void, unknown> {
  for (;;) yield;
}
function* delegating(): Generator<unknown, void, unknown> {
  for (;;) yield* op;
}
function* inner(): Generator<unknown, void, unknown> {
  yield;
}
function* delegatingToGenerator(): Generator<unknown, void, unknown> {
  for (;;) yield* inner();
}

// Each kind of generator is resumed from a call site of its own, inside a
// method like Task._run (engines optimize `coro.next()` per call site: one
// shared site would see every kind and measure polymorphism instead).
class BareTask {
  readonly coro = bare();
  step(): void {
    this.coro.next(RESUMED);
  }
}
class DelegatingTask {
  readonly coro = delegating();
  step(): void {
    this.coro.next(RESUMED);
  }
}
class GeneratorDelegatingTask {
  readonly coro = delegatingToGenerator();
  step(): void {
    this.coro.next(RESUMED);
  }
}

/** ns per resume, the best of 7 rounds of PASSES passes over TASKS tasks. */
function nsPerSwitch(make: () => { readonly coro: Generator<unknown, void, unknown>; step(): void }): number {
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const tasks = Array.from({ length: TASKS }, make);
    for (const t of tasks) t.coro.next();
    const start = performance.now();
    for (let pass = 0; pass < PASSES; pass++) {
      for (let i = 0; i < TASKS; i++) tasks[i]!.step();
    }
    best = Math.min(best, ((performance.now() - start) * 1e6) / (TASKS * PASSES));
  }
  return best;
}

const plain = nsPerSwitch(() => new BareTask());
const rows: [string, number][] = [
  ["yield (the floor's switch)", plain],
  ["yield* op (spindle's: yield* sleep(0))", nsPerSwitch(() => new DelegatingTask())],
  ["yield* generator (a new one per switch)", nsPerSwitch(() => new GeneratorDelegatingTask())],
];
for (const [what, ns] of rows) {
  console.log(`${runtime}: ${what}: ${ns.toFixed(1)} ns per switch (${(ns / plain).toFixed(2)}x yield)`);
}
