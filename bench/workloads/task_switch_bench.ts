/**
 * W2 switch: 1,000 tasks each yield to the scheduler 1,000 times with
 * `sleep(0)` (switches/s).
 *
 * @module
 */

import {
  action as effectionAction,
  type Operation as EffectionOperation,
  run as effectionRun,
  sleep as effectionSleep,
  spawn as effectionSpawn,
  type Task as EffectionTask,
} from "effection";
import { floorRun, type FloorTask } from "../_floor.ts";
import { runtime } from "../_runtime.ts";
import { createTask, gather, run, sleep, type Task } from "../_spindle.ts";
import type { RateWorkload } from "../_workload.ts";

const TASKS = 1_000;
const YIELDS = 1_000;

function* spindleSwitcher(): Generator<unknown, void, unknown> {
  for (let i = 0; i < YIELDS; i++) yield* sleep(0);
}

function* floorSwitcher(): Generator<unknown, void, unknown> {
  for (let i = 0; i < YIELDS; i++) yield;
}

/** An action that resolves at once: Effection's cheapest way to suspend and resume. */
const resolvedAction = (): EffectionOperation<void> =>
  effectionAction<void>((resolve) => {
    resolve();
    return () => {};
  });

function effectionPeer(name: string, note: string, yieldOnce: () => EffectionOperation<void>) {
  return {
    name,
    note,
    run: () =>
      effectionRun(function* () {
        const tasks: EffectionTask<void>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) {
          tasks[i] = yield* effectionSpawn(function* () {
            for (let j = 0; j < YIELDS; j++) yield* yieldOnce();
          });
        }
        for (let i = 0; i < TASKS; i++) yield* tasks[i]!;
      }),
  };
}

/** One macrotask turn per call, as spindle's platform layer takes them: setImmediate, or a MessageChannel on Deno. */
function macrotaskYielder(): { yieldOnce: () => Promise<void>; close: () => void } {
  if (runtime !== "deno") {
    return { yieldOnce: () => new Promise<void>((resolve) => setImmediate(resolve)), close: () => {} };
  }
  const channel = new MessageChannel();
  let waiting: (() => void)[] = [];
  let head = 0;
  channel.port1.onmessage = () => {
    const resolve = waiting[head++]!;
    if (head > 4096 && head * 2 > waiting.length) {
      waiting = waiting.slice(head);
      head = 0;
    }
    resolve();
  };
  return {
    yieldOnce: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      }),
    close: () => channel.port1.close(),
  };
}

export const workload: RateWorkload = {
  kind: "rate",
  id: "W2",
  title: "switch: 1,000 tasks each yield to the scheduler 1,000 times (sleep(0))",
  unit: "switches/s",
  units: TASKS * YIELDS,
  peers: [
    {
      name: "spindle",
      note: "yield* sleep(0)",
      run: () =>
        run(function* () {
          const tasks: Task<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = createTask(spindleSwitcher());
          yield* gather(tasks);
        }),
    },
    {
      name: "floor",
      note: "bare yield",
      run: () =>
        floorRun(function* (floor) {
          const tasks: FloorTask<void>[] = new Array(TASKS);
          for (let i = 0; i < TASKS; i++) tasks[i] = floor.spawn(floorSwitcher());
          for (let i = 0; i < TASKS; i++) if (!tasks[i]!.done) yield tasks[i];
        }),
    },
    effectionPeer("effection (sleep(0))", "yield* sleep(0): a setTimeout(0) per switch", () => effectionSleep(0)),
    effectionPeer("effection (sync action)", "yield* an action that resolves at once", resolvedAction),
    {
      name: "native (await null)",
      note: "async functions, await null: a microtask turn, never yields to the host",
      run: async () => {
        const promises: Promise<void>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) {
          promises[i] = (async () => {
            for (let j = 0; j < YIELDS; j++) await null;
          })();
        }
        await Promise.all(promises);
      },
    },
    {
      name: runtime === "deno" ? "native (MessageChannel)" : "native (setImmediate)",
      note: "async functions, await one macrotask turn",
      run: async () => {
        const { yieldOnce, close } = macrotaskYielder();
        const promises: Promise<void>[] = new Array(TASKS);
        for (let i = 0; i < TASKS; i++) {
          promises[i] = (async () => {
            for (let j = 0; j < YIELDS; j++) await yieldOnce();
          })();
        }
        await Promise.all(promises);
        close();
      },
    },
  ],
};
