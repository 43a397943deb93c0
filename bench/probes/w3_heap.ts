/**
 * What a sleeping task holds on Node, by object kind: 100,000 tasks each
 * sleeping a random delay, a heap snapshot once all sleep, self sizes summed
 * by constructor (divided by the task count). Node only (node:v8).
 * `node tests/tools/run_ts.mjs bench/probes/w3_heap.ts`
 *
 * @module
 */

import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { createTask, gather, run, sleep, type Task } from "../../host/mod.ts";

const TASKS = 100_000;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self bytes per task by "type:name", the largest first. */
function bytesByKind(path: string): [string, number, number][] {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const type = fields.indexOf("type");
  const name = fields.indexOf("name");
  const size = fields.indexOf("self_size");
  const sums = new Map<string, [number, number]>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const key = `${types[s.nodes[i + type]!]}:${s.strings[s.nodes[i + name]!]!.slice(0, 50)}`;
    const sum = sums.get(key) ?? [0, 0];
    sum[0]++;
    sum[1] += s.nodes[i + size]!;
    sums.set(key, sum);
  }
  return [...sums].map(([key, [count, bytes]]): [string, number, number] => [key, count, bytes / TASKS])
    .sort((a, b) => b[2] - a[2]);
}

let started = 0;
function* sleeper(delay: number): Generator<unknown, void, unknown> {
  started++;
  yield* sleep(delay);
}

await run(function* () {
  const tasks: Task<void>[] = new Array(TASKS);
  for (let i = 0; i < TASKS; i++) tasks[i] = createTask(sleeper(Math.random() * 50));
  while (started < TASKS) yield* sleep(0);
  const path = join(tmpdir(), `spindle-w3-${Date.now()}.heapsnapshot`);
  writeHeapSnapshot(path);
  console.log("bytes per sleeping task   objects  kind");
  for (const [key, count, perTask] of bytesByKind(path).slice(0, 8)) {
    console.log(`${perTask.toFixed(1).padStart(23)}  ${String(count).padStart(8)}  ${key}`);
  }
  rmSync(path);
  yield* gather(tasks);
});
