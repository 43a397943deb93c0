// The scheduler's operations: every legal move of a slot between the ready
// ring, the timer heap and the host, each checked against the transition
// table in slots.ts. Each returns OK or an error code and changes nothing
// when it fails.

import {
  E_BAD_DEADLINE, E_ILLEGAL_TRANSITION, E_WRONG_KIND, OK,
} from "./errors";
import { prngBelow } from "./prng";
import { ringLength, ringPush, ringShift } from "./ring";
import {
  CANCELLED, CREATED, DONE, KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, setSlotState, slotBecomeCallback, slotFree, slotKind, slotState, slotTimer, slotWaitList,
} from "./slots";
import { timerInsert, timerNextDeadline, timerPeekSlot, timerPop, timerRemove, timerCount } from "./timers";

/** Entries the host may take per tick; the outbox holds this many. */
// @ts-ignore: decorator
@inline export const OUTBOX_CAPACITY: i32 = 4096;
/** Where drain() writes the indices to run this tick, read by the host as a Uint32Array. */
export const OUTBOX: usize = memory.data(OUTBOX_CAPACITY << 2, 16);

let outboxCount: i32 = 0; // entries handed out by the last drain
let shuffleOn: bool = false;

// Running totals for loop.stats(). f64 so they never wrap in a long-lived loop.
export let stepsRun: f64 = 0;
export let tasksCreated: f64 = 0;
export let tasksDone: f64 = 0;
export let tasksCancelled: f64 = 0;

/** Resets the scheduler's own state (a fresh loop). */
export function schedulerInit(shuffle: bool): void {
  outboxCount = 0;
  shuffleOn = shuffle;
  stepsRun = 0;
  tasksCreated = 0;
  tasksDone = 0;
  tasksCancelled = 0;
}

/** CREATED | RUNNING | WAITING → READY for a task (dropping any timer); CREATED → READY for a callback. */
export function schedule(index: u32, gen: u32): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  let state = slotState(index);
  if (slotKind(index) == KIND_TASK) {
    if (state != CREATED && state != RUNNING && state != WAITING) return E_ILLEGAL_TRANSITION;
    if (slotWaitList(index) != 0) return E_ILLEGAL_TRANSITION; // leaves a wait list only through waitlists.ts
    let timer = slotTimer(index);
    if (timer != 0) timerRemove(timer);
  } else if (state != CREATED) {
    return E_ILLEGAL_TRANSITION;
  }
  setSlotState(index, READY);
  ringPush(index);
  return OK;
}

/**
 * WAITING → READY for a sleeping task, dropping its timer: returns 1. A task
 * whose timer fired first (READY, or RUNNING: handed out and not yet
 * stepped) is left as it is: returns 0. The host cancels a sleeping task
 * with it, and the answer tells whether the sleep itself was cancelled
 * (asyncio: the sleep future's cancel() succeeded) or had already ended.
 */
export function wake(index: u32, gen: u32): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_TASK) return E_WRONG_KIND;
  let state = slotState(index);
  if (state == READY || state == RUNNING) return 0;
  if (state != WAITING || slotWaitList(index) != 0) return E_ILLEGAL_TRANSITION;
  let timer = slotTimer(index);
  if (timer != 0) timerRemove(timer);
  setSlotState(index, READY);
  ringPush(index);
  return 1;
}

/** CREATED → RUNNING: a task's first step runs at once (eager task). */
export function start(index: u32, gen: u32): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_TASK) return E_WRONG_KIND;
  if (slotState(index) != CREATED) return E_ILLEGAL_TRANSITION;
  setSlotState(index, RUNNING);
  return OK;
}

/** RUNNING → WAITING: the task waits on something the host tracks (a future). */
export function suspend(index: u32, gen: u32): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_TASK) return E_WRONG_KIND;
  if (slotState(index) != RUNNING) return E_ILLEGAL_TRANSITION;
  setSlotState(index, WAITING);
  return OK;
}

/** RUNNING → WAITING with a timer: the task sleeps until `deadline`. */
export function sleepUntil(index: u32, gen: u32, deadline: f64): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_TASK) return E_WRONG_KIND;
  if (slotState(index) != RUNNING) return E_ILLEGAL_TRANSITION;
  if (isNaN(deadline)) return E_BAD_DEADLINE;
  setSlotState(index, WAITING);
  timerInsert(index, deadline);
  return OK;
}

/**
 * RUNNING → DONE or CANCELLED, then FREE: the task's coroutine has ended.
 * With `notify` the slot is not freed but becomes a READY callback at the
 * ring's tail (where a callSoon() now would put it): the host runs the
 * task's done callbacks from it, and it is freed after that one run.
 */
export function finish(index: u32, gen: u32, cancelled: bool, notify: bool = false): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_TASK) return E_WRONG_KIND;
  if (slotState(index) != RUNNING) return E_ILLEGAL_TRANSITION;
  setSlotState(index, cancelled ? CANCELLED : DONE);
  if (cancelled) tasksCancelled++;
  else tasksDone++;
  if (notify) {
    slotBecomeCallback(index);
    ringPush(index);
  } else {
    slotFree(index);
  }
  return OK;
}

/** CREATED → WAITING with a timer: a callback runs at `deadline` (callLater, callAt). */
export function armTimer(index: u32, gen: u32, deadline: f64): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_CALLBACK) return E_WRONG_KIND;
  if (slotState(index) != CREATED) return E_ILLEGAL_TRANSITION;
  if (isNaN(deadline)) return E_BAD_DEADLINE;
  setSlotState(index, WAITING);
  timerInsert(index, deadline);
  return OK;
}

/**
 * Cancels a callback that has not run: a ready one is skipped (and freed)
 * when drained, a timed one leaves the heap and is freed now, one never
 * scheduled is freed now. Cancelling a running callback changes nothing.
 */
export function cancelCallback(index: u32, gen: u32): i32 {
  let err = checkHandle(index, gen);
  if (err != OK) return err;
  if (slotKind(index) != KIND_CALLBACK) return E_WRONG_KIND;
  let state = slotState(index);
  if (state == READY) {
    setSlotState(index, CANCELLED);
  } else if (state == WAITING) {
    timerRemove(slotTimer(index));
    slotFree(index);
  } else if (state == CREATED) {
    slotFree(index);
  } else if (state != RUNNING) {
    return E_ILLEGAL_TRANSITION;
  }
  return OK;
}

/** Moves every timer due at `now` to the ready ring in (deadline, sequence) order. */
export function advance(now: f64): i32 {
  let moved = 0;
  while (timerCount() > 0 && timerNextDeadline() <= now) {
    let index = timerPop();
    setSlotState(index, READY);
    ringPush(index);
    moved++;
  }
  return moved;
}

/** Earliest timer's slot (tests). */
export function nextTimerSlot(): u32 {
  return timerCount() > 0 ? timerPeekSlot() : 0;
}

/**
 * Frees the callbacks handed out by the previous drain: the host ran each
 * exactly once before asking for more work.
 */
export function releaseRan(): void {
  for (let i = 0; i < outboxCount; i++) {
    let index = load<u32>(OUTBOX + (<usize>i << 2));
    if (slotKind(index) == KIND_CALLBACK && slotState(index) == RUNNING) slotFree(index);
  }
  outboxCount = 0;
}

/**
 * Takes up to `max` ready entries into OUTBOX (READY → RUNNING), skipping
 * and freeing cancelled callbacks, and returns how many the host must run.
 * With shuffle on, the batch is permuted by the seeded generator.
 */
export function drain(max: i32): i32 {
  if (max > OUTBOX_CAPACITY) max = OUTBOX_CAPACITY;
  let n = 0;
  while (n < max && ringLength() > 0) {
    let index = ringShift();
    if (slotState(index) == CANCELLED) {
      slotFree(index);
      continue;
    }
    setSlotState(index, RUNNING);
    store<u32>(OUTBOX + (<usize>n << 2), index);
    n++;
  }
  if (shuffleOn && n > 1) {
    for (let i = n - 1; i > 0; i--) {
      let j = <i32>prngBelow(<u32>(i + 1));
      let a = OUTBOX + (<usize>i << 2);
      let b = OUTBOX + (<usize>j << 2);
      let t = load<u32>(a);
      store<u32>(a, load<u32>(b));
      store<u32>(b, t);
    }
  }
  outboxCount = n;
  stepsRun += n;
  return n;
}
