/**
 * The shape of a workload file (bench/workloads/*_bench.ts): the workload of
 * BENCH.md it implements, and one entry per peer that runs it once, in full,
 * at BENCH.md's exact size.
 *
 * @module
 */

/** A workload whose figure is a rate: `units` done per second of one full run. */
export interface RateWorkload {
  readonly kind: "rate";
  /** "W1" … "W7". */
  readonly id: string;
  readonly title: string;
  /** What is counted, e.g. "tasks/s". */
  readonly unit: string;
  /** How many units one run does (BENCH.md's size). */
  readonly units: number;
  readonly peers: readonly RatePeer[];
}

/** One peer of a rate workload. */
export interface RatePeer {
  readonly name: string;
  /** How this peer runs the workload, when that needs saying. */
  readonly note?: string;
  /** False when the peer cannot run on this runtime. */
  readonly available?: () => boolean;
  /** One full run of the workload. */
  run(): Promise<void>;
}

/**
 * W3: tasks that sleep seeded random delays. The figure is the overhead of
 * one run beyond the longest delay, and the heap per sleeping task.
 */
export interface TimersWorkload {
  readonly kind: "timers";
  readonly id: string;
  readonly title: string;
  readonly tasks: number;
  /** Delays are in [0, maxDelay) ms. */
  readonly maxDelay: number;
  /** Makes what every run shares (the delays), so that a baseline heap taken after it leaves it out. */
  prepare(): void;
  readonly peers: readonly TimersPeer[];
}

/**
 * Called by a timers run once every task has started its sleep (and before
 * any has resumed, where the peer can promise that), to weigh the heap.
 * `live` is how many tasks have not finished by then.
 */
export type Probe = (live: number) => void;

/** One peer of the timers workload. */
export interface TimersPeer {
  readonly name: string;
  readonly note?: string;
  readonly available?: () => boolean;
  /** One full run; calls `probe` (when given) once all tasks sleep. */
  run(probe: Probe | null): Promise<void>;
}

export type Workload = RateWorkload | TimersWorkload;
