/**
 * One measurement in one process: `_child.ts --workload W1 --peer floor
 * --mode full|quick`, or `_child.ts --list`. bench/run.mjs starts it once per
 * runtime, workload and peer, so peers never share a heap or JIT state, and
 * reads the one `BENCH_RESULT {json}` line it prints.
 *
 * Rates (W1, W2, W4–W7): a first timed run (the probe), then warm-up runs
 * until at least two runs and `warmupMs` have passed, then mitata samples
 * whole runs until both a minimum count and a time budget are met, with a
 * full GC before each sample (not timed). A peer whose single run outlasts
 * `slowMs` is timed by repeated runs instead, within `slowBudgetMs` (the
 * first run counts): mitata's sampling would take minutes.
 *
 * Timers (W3): one run weighs the heap once every task sleeps (a full GC
 * first); then, after the same warm-up, separate runs, each after a full
 * GC, time the overhead.
 *
 * The warm-up: a process's runs are slow until the engine has optimized
 * them, for several runs (Deno, W1, a GC before each: spindle 91, 44, 44,
 * 33, 35, then 26–28 ms; the floor 53, 13, 15, 10, 11, then 7–10), and one
 * timed run before sampling let the rest into the samples.
 *
 * `--rounds R` (bench/run.mjs passes it): this process is one of R that
 * bench/run.mjs starts in turn with the other peers' and pools, so it
 * spends 1/R of the sampling budget and takes 1/R of the samples (a peer
 * slower than `slowMs` is timed in full by the first process).
 *
 * @module
 */

import { measure } from "mitata";
import { gc, heapUsed, runtime, runtimeVersion } from "./_runtime.ts";
import { trackWasmMemory, wasmGrowth } from "./_spindle.ts";
import type { RateWorkload, TimersWorkload, Workload } from "./_workload.ts";
import { workload as w1 } from "./workloads/task_spawn_bench.ts";
import { workload as w2 } from "./workloads/task_switch_bench.ts";
import { workload as w3 } from "./workloads/sleep_timers_bench.ts";
import { workload as w4 } from "./workloads/queue_transfer_bench.ts";
import { workload as w5 } from "./workloads/lock_contended_bench.ts";
import { workload as w6 } from "./workloads/semaphore_limit_bench.ts";
import { workload as w7 } from "./workloads/task_cancel_bench.ts";

const WORKLOADS: readonly Workload[] = [w1, w2, w3, w4, w5, w6, w7];

/** How long to measure, per mode. */
const MODES = {
  full: {
    warmupMs: 300,
    budgetMs: 1200,
    minSamples: 5,
    slowMs: 1500,
    slowBudgetMs: 6000,
    timerRuns: 5,
    timerBudgetMs: 3000,
    timerSkipMs: Infinity,
  },
  quick: {
    warmupMs: 0,
    budgetMs: 200,
    minSamples: 2,
    slowMs: 300,
    slowBudgetMs: 0,
    timerRuns: 2,
    timerBudgetMs: 500,
    timerSkipMs: 2000,
  },
} as const;
type Mode = keyof typeof MODES;

const args = process.argv.slice(2);
function arg(name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

function emit(result: unknown): void {
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

async function timeOnce(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Runs `run` (a GC before each) until at least two runs, `first` included, and `warmupMs` have passed. */
async function warmUp(run: () => Promise<void>, first: number, warmupMs: number): Promise<void> {
  let runs = 1;
  let spent = first;
  while (runs < 2 || spent < warmupMs) {
    gc?.();
    spent += await timeOnce(run);
    runs++;
  }
}

/** This process's share of a measurement: see --rounds in the module comment. */
function share(rounds: number, mode: Mode) {
  const m = MODES[mode];
  return {
    ...m,
    budgetMs: m.budgetMs / rounds,
    minSamples: Math.max(2, Math.ceil(m.minSamples / rounds)),
    timerRuns: Math.max(1, Math.ceil(m.timerRuns / rounds)),
    timerBudgetMs: m.timerBudgetMs / rounds,
  };
}

async function measureRate(workload: RateWorkload, run: () => Promise<void>, mode: Mode, rounds: number) {
  const m = share(rounds, mode);
  gc?.();
  const first = await timeOnce(run);
  if (first > m.slowMs) {
    // Timed here in full: bench/run.mjs starts no further rounds for a peer this slow.
    const samplesMs = [first];
    let spent = first;
    while (samplesMs.length < MODES[mode].minSamples && spent + first <= m.slowBudgetMs) {
      gc?.();
      const t = await timeOnce(run);
      samplesMs.push(t);
      spent += t;
    }
    return { method: "repeated runs", samplesMs, firstMs: first, units: workload.units };
  }
  await warmUp(run, first, m.warmupMs);
  const stats = await measure(async () => {
    await run();
  }, {
    min_samples: first * m.minSamples > m.budgetMs ? Math.max(2, m.minSamples - 2) : m.minSamples,
    max_samples: 200,
    min_cpu_time: m.budgetMs * 1e6,
    gc: gc ?? false,
    inner_gc: gc !== null,
  });
  return { method: "mitata", samplesMs: stats.samples.map((ns) => ns / 1e6), firstMs: first, units: workload.units };
}

async function measureTimers(
  workload: TimersWorkload,
  peer: TimersWorkload["peers"][number],
  mode: Mode,
  rounds: number,
) {
  const m = share(rounds, mode);
  const collect = gc;
  if (collect === null) throw new Error("W3 needs a garbage collector it can call: run through bench/run.mjs");
  workload.prepare();
  trackWasmMemory();
  // Weighing run: a baseline after a full GC, then the heap once every task sleeps.
  collect();
  const base = heapUsed();
  const weighed = { heapBytes: NaN, wasmBytes: NaN, live: NaN };
  const weighingMs = await timeOnce(() =>
    peer.run((live) => {
      collect();
      weighed.heapBytes = heapUsed() - base;
      weighed.wasmBytes = wasmGrowth();
      weighed.live = live;
    })
  );
  if (Number.isNaN(weighed.live)) throw new Error(`${peer.name} never called the probe`);
  if (weighingMs <= m.slowMs) await warmUp(() => peer.run(null), weighingMs, m.warmupMs);
  // Timing runs, each fresh: a full GC, then one whole run. A quick run skips them for a peer this slow.
  const elapsedMs: number[] = [];
  let spent = 0;
  while (elapsedMs.length < m.timerRuns && weighingMs <= m.timerSkipMs) {
    const estimate = elapsedMs.length === 0 ? weighingMs : elapsedMs[elapsedMs.length - 1]!;
    if (elapsedMs.length > 0 && spent + estimate > m.timerBudgetMs) break;
    collect();
    const t = await timeOnce(() => peer.run(null));
    elapsedMs.push(t);
    spent += t;
  }
  const method = elapsedMs.length > 0
    ? "fresh runs"
    : `not timed in a quick run: one run takes ${(weighingMs / 1000).toFixed(1)} s`;
  return { method, elapsedMs, maxDelayMs: workload.maxDelay, tasks: workload.tasks, ...weighed };
}

async function main(): Promise<void> {
  if (args.includes("--list")) {
    emit({
      runtime,
      version: runtimeVersion,
      gc: gc !== null,
      workloads: WORKLOADS.map((w) => ({
        id: w.id,
        kind: w.kind,
        title: w.title,
        unit: w.kind === "rate" ? w.unit : "ms",
        peers: w.peers.filter((p) => p.available?.() ?? true).map((p) => ({ name: p.name, note: p.note ?? "" })),
      })),
    });
    return;
  }
  const id = arg("workload");
  const name = arg("peer");
  const mode = (arg("mode") ?? "full") as Mode;
  if (!(mode in MODES)) throw new Error(`unknown mode "${mode}": use full or quick`);
  const rounds = Number(arg("rounds") ?? 1);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds needs a whole number of at least 1`);
  const workload = WORKLOADS.find((w) => w.id === id);
  if (workload === undefined) throw new Error(`unknown workload "${id}"`);
  const base = { runtime, version: runtimeVersion, workload: workload.id, peer: name, mode };
  if (workload.kind === "rate") {
    const peer = workload.peers.find((p) => p.name === name);
    if (peer === undefined) throw new Error(`${workload.id} has no peer "${name}"`);
    emit({ ...base, kind: "rate", ...(await measureRate(workload, () => peer.run(), mode, rounds)) });
  } else {
    const peer = workload.peers.find((p) => p.name === name);
    if (peer === undefined) throw new Error(`${workload.id} has no peer "${name}"`);
    emit({ ...base, kind: "timers", ...(await measureTimers(workload, peer, mode, rounds)) });
  }
}

try {
  await main();
} catch (error) {
  emit({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
// Effection and spindle leave nothing pending, but a peer's stray timer must not hold the process.
process.exit(0);
