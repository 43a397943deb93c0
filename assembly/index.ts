// spindle's scheduler core: the boundary the host (host/_core.ts) calls.
//
// Ground rules
// - The core is driven; it never drives. It owns the slot table, the ready
//   ring and the timer heap, and answers in numbers. The host owns the
//   coroutines and callbacks and runs whatever the core hands it.
// - Only numbers cross this boundary. Per-task requests do not cross it one
//   by one: the host writes them as commands into INBOX (plain stores through
//   a typed-array view) and the core applies them, in order, at the start of
//   the next call. Every exported call that reads or changes scheduling state
//   takes `pending` (commands written since the last call) and applies them
//   first, so the core always sees the host's requests in program order.
// - One call per host tick does all the batch work: tick() applies the
//   inbox, moves due timers to the ring and drains a batch into OUTBOX.
//
// Static memory (fixed addresses, read by the host through views that it
// re-derives whenever memory.buffer changes):
//
//   INBOX    INBOX_CAPACITY × 2 u32   [ op << 24 | index, generation ] per command
//   PAYLOAD  INBOX_CAPACITY × 8 bytes deadline f64 for OP_SLEEP, or list index u32 + list
//                                     generation u32 for OP_WAIT; same position as its command
//   OUTBOX   OUTBOX_CAPACITY × u32    slot indices to run, written by tick()
//   STATUS   16 × i32 then 2 × f64    cells written by tick() / flush() (layout below)
//   STATS    32 × f64                 written by stats()
//
// Dynamic memory (arena.ts, above the stub runtime's static allocations): the
// slot table, ring, timer heap and wait lists. After start-up nothing calls
// heap.alloc (arena.ts, ground rules).

import { E_BAD_COMMAND, OK } from "./errors";
import { prngSeed } from "./prng";
import { ringInit, ringLength } from "./ring";
import {
  CREATED, KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, slotAlloc, slotCapacity, slotGen, slotsInit, slotTimer, tallied, tallyStates,
} from "./slots";
import {
  OUTBOX, advance, armTimer as armTimerOp, cancelCallback as cancelCallbackOp,
  drain, finish, releaseRan, schedule, schedulerInit, sleepUntil, start, suspend, wake,
  stepsRun, tasksCancelled, tasksCreated, tasksDone,
} from "./scheduler";
import { timerCount, timerDeadlineAt, timerNextDeadline, timersInit } from "./timers";
import {
  listAlloc as listAllocOp, listGen, removeWaiter as removeWaiterOp, waitIn, waitListsInit, waitListsLive,
  wakeFirst as wakeFirstOp,
} from "./waitlists";


/** Commands the inbox holds; the host flushes when it fills. */
// @ts-ignore: decorator
@inline const INBOX_CAPACITY: i32 = 4096;
const INBOX: usize = memory.data(INBOX_CAPACITY << 3, 16);
const PAYLOAD: usize = memory.data(INBOX_CAPACITY << 3, 16);

// Commands (the top 8 bits of a command's first word).
// @ts-ignore: decorator
@inline const OP_SCHEDULE: u32 = 1;
// @ts-ignore: decorator
@inline const OP_START: u32 = 2;
// @ts-ignore: decorator
@inline const OP_SUSPEND: u32 = 3;
// @ts-ignore: decorator
@inline const OP_SLEEP: u32 = 4;
// @ts-ignore: decorator
@inline const OP_FINISH: u32 = 5;
// @ts-ignore: decorator
@inline const OP_FINISH_CANCELLED: u32 = 6;
// @ts-ignore: decorator
@inline const OP_WAIT: u32 = 8;
// @ts-ignore: decorator
@inline const OP_FINISH_NOTIFY: u32 = 9; // finish, and the slot runs the task's done callbacks
// @ts-ignore: decorator
@inline const OP_FINISH_CANCELLED_NOTIFY: u32 = 10;

// STATUS cells (i32 index / f64 index after the i32 block).
const STATUS: usize = memory.data(16 * 4 + 2 * 8, 16);
// @ts-ignore: decorator
@inline const S_READY: i32 = 0; // entries in the ready ring
// @ts-ignore: decorator
@inline const S_TIMERS: i32 = 1; // timers armed
// @ts-ignore: decorator
@inline const S_ERRORS: i32 = 2; // commands rejected since init
// @ts-ignore: decorator
@inline const S_LAST_ERROR: i32 = 3; // code of the last rejected command
// @ts-ignore: decorator
@inline const S_LAST_ERROR_INDEX: i32 = 4; // its slot index
// @ts-ignore: decorator
@inline const S_LAST_ERROR_OP: i32 = 5; // its opcode
// @ts-ignore: decorator
@inline const S_ALLOC_GEN: i32 = 6; // generation of the slot alloc() returned
// @ts-ignore: decorator
@inline const S_LIST_GEN: i32 = 7; // generation of the list listAlloc() returned
// f64 cell 0 (byte 64): earliest deadline, -1 when none.

const STATS: usize = memory.data(32 * 8, 16);

// ---- addresses (called once per memory.buffer change) ----

export function inboxPtr(): usize { return INBOX; }
export function payloadPtr(): usize { return PAYLOAD; }
export function outboxPtr(): usize { return OUTBOX; }
export function statusPtr(): usize { return STATUS; }
export function statsPtr(): usize { return STATS; }
export function inboxCapacity(): i32 { return INBOX_CAPACITY; }

// ---- lifetime ----

/** Resets the core for a new loop. `shuffle` turns on seeded batch permutation. Called once per loop. */
export function init(shuffle: bool, seed: u32): void {
  slotsInit();
  ringInit();
  timersInit();
  waitListsInit();
  schedulerInit(shuffle);
  prngSeed(seed);
  memory.fill(STATUS, 0, 16 * 4 + 2 * 8);
  writeStatus();
}

// ---- per-task / per-callback calls ----

/**
 * Takes a slot for a task (kind 1) or a callback (kind 2), state CREATED.
 * Returns its index (generation in STATUS[S_ALLOC_GEN]), E_WRONG_KIND for any
 * other kind, or E_TABLE_FULL.
 * Called once per createTask / callSoon / callLater.
 */
export function alloc(kind: u8): i32 {
  let index = slotAlloc(kind);
  if (index > 0) {
    store<u32>(STATUS + (<usize>S_ALLOC_GEN << 2), slotGen(<u32>index));
    if (kind == KIND_TASK) tasksCreated++;
  }
  return index;
}

/** Arms a callback's timer (callLater / callAt). Once per timed callback. */
export function armTimer(index: u32, gen: u32, deadline: f64, pending: i32): i32 {
  applyInbox(pending);
  let err = armTimerOp(index, gen, deadline);
  writeStatus();
  return err;
}

/**
 * Wakes a sleeping task early (it is being cancelled): 1 if its sleep was
 * cut short, 0 if its timer had already fired. Once per cancelled sleeper.
 */
export function wakeSleeper(index: u32, gen: u32, pending: i32): i32 {
  applyInbox(pending);
  let result = wake(index, gen);
  writeStatus();
  return result;
}

/**
 * When the timer of slot (index, gen) fires — a sleeping task's wake-up time,
 * for formatTaskTree() — or -1 when the slot has no timer or the handle is
 * not live. Reads only: the timers live here, and no task keeps a copy.
 */
export function deadlineOf(index: u32, gen: u32, pending: i32): f64 {
  applyInbox(pending);
  writeStatus();
  if (checkHandle(index, gen) != OK) return -1.0;
  let timer = slotTimer(index);
  return timer == 0 ? -1.0 : timerDeadlineAt(timer - 1);
}

/** Cancels a callback that has not run (Handle.cancel). */
export function cancelCallback(index: u32, gen: u32, pending: i32): i32 {
  applyInbox(pending);
  let err = cancelCallbackOp(index, gen);
  writeStatus();
  return err;
}

// ---- wait lists (locks, semaphores, events, queues) ----

/**
 * Takes an empty wait list for a primitive's first waiter. Returns its index
 * (generation in STATUS[S_LIST_GEN]) or E_TABLE_FULL. Once per line formed.
 */
export function listAlloc(): i32 {
  let index = listAllocOp();
  if (index > 0) store<u32>(STATUS + (<usize>S_LIST_GEN << 2), listGen(<u32>index));
  return index;
}

/** Wakes the first waiter of a list; returns its slot, 0 if none, or an error. Once per release / put. */
export function wakeFirst(index: u32, gen: u32, pending: i32): i32 {
  applyInbox(pending);
  let result = wakeFirstOp(index, gen);
  writeStatus();
  return result;
}

/** Takes a cancelled waiter out of its list and makes it ready. Once per cancelled waiter. */
export function removeWaiter(index: u32, gen: u32, pending: i32): i32 {
  applyInbox(pending);
  let result = removeWaiterOp(index, gen);
  writeStatus();
  return result;
}

// ---- per-tick calls ----

/**
 * One loop iteration's core work, called once per host tick: applies the
 * inbox, moves timers due at `now` to the ring, frees the callbacks the
 * host ran last tick, and drains up to `max` ready entries into OUTBOX.
 * Returns how many entries the host must run, in OUTBOX order.
 */
export function tick(now: f64, pending: i32, max: i32): i32 {
  releaseRan();
  applyInbox(pending);
  advance(now);
  let n = drain(max);
  writeStatus();
  return n;
}

/**
 * Hands out up to `max` more entries that are already in the ring, without
 * applying the inbox or firing timers: runOnce() uses it to finish an
 * iteration whose ready set was larger than one batch.
 */
export function drainMore(max: i32): i32 {
  releaseRan();
  let n = drain(max);
  writeStatus();
  return n;
}

/** Applies the inbox and refreshes STATUS without running anything (the loop is about to wait). */
export function flush(pending: i32): void {
  applyInbox(pending);
  writeStatus();
}

/**
 * Fills STATS for loop.stats() (and the loop, to learn whether tasks are
 * left). Rare, and a scan of the slot table. Cells, as f64:
 *   0-3 tasks created / ready / running / waiting, 4 callbacks not yet handed out to run,
 *   5 ready entries, 6 timers, 7 entries run, 8 tasks created in all,
 *   9 tasks done, 10 tasks cancelled, 11 slot table capacity, 12 wait lists with waiters.
 */
export function stats(pending: i32): void {
  applyInbox(pending);
  writeStatus();
  tallyStates();
  putStat(0, tallied(KIND_TASK, CREATED));
  putStat(1, tallied(KIND_TASK, READY));
  putStat(2, tallied(KIND_TASK, RUNNING));
  putStat(3, tallied(KIND_TASK, WAITING));
  // Callbacks handed out by the last drain (RUNNING) have run or are running: not pending.
  putStat(4, tallied(KIND_CALLBACK, CREATED) + tallied(KIND_CALLBACK, READY) + tallied(KIND_CALLBACK, WAITING));
  putStat(5, ringLength());
  putStat(6, timerCount());
  putStat(7, stepsRun);
  putStat(8, tasksCreated);
  putStat(9, tasksDone);
  putStat(10, tasksCancelled);
  putStat(11, slotCapacity());
  putStat(12, waitListsLive());
}

// @ts-ignore: decorator
@inline function putStat(cell: i32, value: f64): void {
  store<f64>(STATS + (<usize>cell << 3), value);
}

// ---- internals ----

function applyInbox(pending: i32): void {
  if (pending > INBOX_CAPACITY) pending = INBOX_CAPACITY;
  for (let i = 0; i < pending; i++) {
    let word = load<u32>(INBOX + (<usize>i << 3));
    let gen = load<u32>(INBOX + (<usize>i << 3), 4);
    let op = word >>> 24;
    let index = word & 0xffffff;
    let err: i32;
    switch (op) {
      case OP_SCHEDULE: err = schedule(index, gen); break;
      case OP_START: err = start(index, gen); break;
      case OP_SUSPEND: err = suspend(index, gen); break;
      case OP_SLEEP: err = sleepUntil(index, gen, load<f64>(PAYLOAD + (<usize>i << 3))); break;
      case OP_FINISH: err = finish(index, gen, false); break;
      case OP_FINISH_CANCELLED: err = finish(index, gen, true); break;
      case OP_FINISH_NOTIFY: err = finish(index, gen, false, true); break;
      case OP_FINISH_CANCELLED_NOTIFY: err = finish(index, gen, true, true); break;
      case OP_WAIT: {
        let payload = PAYLOAD + (<usize>i << 3);
        err = waitIn(index, gen, load<u32>(payload), load<u32>(payload, 4));
        break;
      }
      default: err = E_BAD_COMMAND;
    }
    if (err != OK) reject(err, index, op);
  }
}

function reject(err: i32, index: u32, op: u32): void {
  let s = STATUS;
  store<i32>(s + (<usize>S_ERRORS << 2), load<i32>(s + (<usize>S_ERRORS << 2)) + 1);
  store<i32>(s + (<usize>S_LAST_ERROR << 2), err);
  store<u32>(s + (<usize>S_LAST_ERROR_INDEX << 2), index);
  store<u32>(s + (<usize>S_LAST_ERROR_OP << 2), op);
}

function writeStatus(): void {
  store<u32>(STATUS + (<usize>S_READY << 2), ringLength());
  store<u32>(STATUS + (<usize>S_TIMERS << 2), timerCount());
  store<f64>(STATUS + 64, timerNextDeadline());
}
