/**
 * What one CancelledError costs to make, the way spindle's scheduler makes
 * them (stack capture off), on the runtime that runs this: W7 makes one per
 * cancelled task. `node tests/tools/run_ts.mjs bench/probes/error_cost.ts`,
 * `deno run -A bench/probes/error_cost.ts`, `bun bench/probes/error_cost.ts`.
 *
 * @module
 */

import { CancelledError } from "../../host/mod.ts";
import { makeCancelledError } from "../../host/errors.ts";
import { runtime } from "../_runtime.ts";

const N = 100_000;

function nsEach(make: () => unknown): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < N; i++) make();
    best = Math.min(best, ((performance.now() - start) * 1e6) / N);
  }
  return best;
}

const rows: [string, number][] = [
  ["makeCancelledError() (stack capture off)", nsEach(() => makeCancelledError(undefined))],
  ["new CancelledError() (default stack capture)", nsEach(() => new CancelledError())],
  ["a plain object (for scale)", nsEach(() => ({ message: "" }))],
];
for (const [what, ns] of rows) console.log(`${runtime}: ${what}: ${ns.toFixed(0)} ns each (best of 5 × ${N})`);
