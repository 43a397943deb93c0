// Every state × every operation, for both kinds of slot, checked against the
// transition table in assembly/slots.ts (and the doc comments of the
// operations in assembly/scheduler.ts and assembly/waitlists.ts).
//
// Each case starts from a fresh loop with bystanders around the subject: a
// sleeping task allocated before it and a timed callback after it, so the
// subject's timer, when it has one, sits inside a real heap; and a task
// waiting in a wait list, the list the subject joins or leaves. After the
// operation the test checks the result code and then everything the slot
// owns: state, kind, generation, timer, ring entry, the per-state counters,
// and that the bystanders are untouched. A refused operation must change
// nothing at all.

import { init } from "../../assembly/index";
import {
  E_BAD_DEADLINE, E_BAD_HANDLE, E_ILLEGAL_TRANSITION, E_STALE_HANDLE, E_WRONG_KIND, OK,
} from "../../assembly/errors";
import {
  CANCELLED, CREATED, FREE, KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, countOf, slotAlloc, slotGen, slotKind, slotState, slotTimer, slotWaitList,
} from "../../assembly/slots";
import { listAlloc, listAt, listCount, listGen, removeWaiter, waitIn } from "../../assembly/waitlists";
import { ringLength, ringPeek } from "../../assembly/ring";
import { timerCount, timerDeadlineAt } from "../../assembly/timers";
import {
  OUTBOX, advance, armTimer, cancelCallback, drain, finish, releaseRan, schedule,
  sleepUntil, start, suspend, tasksCancelled, tasksDone, wake,
} from "../../assembly/scheduler";
import { codeName, expectCountsConsistent, kindName, stateName } from "./helpers";

// ---- the subject's starting points ----

const AT_CREATED = 0; // alloc
const AT_READY = 1; // alloc, schedule
const AT_RUNNING = 2; // task: alloc, start; callback: alloc, schedule, drain
const AT_WAITING = 3; // task: alloc, start, suspend (no timer); callback: alloc, armTimer
const AT_SLEEPING = 4; // task only: alloc, start, sleepUntil (WAITING with a timer)
const AT_CANCELLED = 5; // callback only: alloc, schedule, cancelCallback (still in the ring)
const AT_FREED = 6; // task: alloc, start, finish; callback: alloc, cancelCallback
const AT_IN_LIST = 7; // task only: alloc, start, waitIn (WAITING in a wait list)

function setupName(setup: i32): string {
  switch (setup) {
    case AT_CREATED: return "CREATED";
    case AT_READY: return "READY";
    case AT_RUNNING: return "RUNNING";
    case AT_WAITING: return "WAITING";
    case AT_SLEEPING: return "WAITING on a timer";
    case AT_CANCELLED: return "CANCELLED";
    case AT_FREED: return "freed";
    case AT_IN_LIST: return "WAITING in a wait list";
  }
  return "?";
}

// ---- the operations that take a handle ----

const OP_SCHEDULE = 0;
const OP_START = 1;
const OP_SUSPEND = 2;
const OP_SLEEP = 3;
const OP_FINISH = 4;
const OP_FINISH_CANCELLED = 5;
const OP_ARM = 6;
const OP_CANCEL = 7;
const OP_WAKE = 8;
const OP_WAIT_IN = 9;
const OP_REMOVE = 10;
const OP_FINISH_NOTIFY = 11;
const OP_FINISH_CANCELLED_NOTIFY = 12;
const OP_COUNT = 13;

function opName(op: i32): string {
  switch (op) {
    case OP_SCHEDULE: return "schedule";
    case OP_START: return "start";
    case OP_SUSPEND: return "suspend";
    case OP_SLEEP: return "sleepUntil";
    case OP_FINISH: return "finish";
    case OP_FINISH_CANCELLED: return "finish(cancelled)";
    case OP_ARM: return "armTimer";
    case OP_CANCEL: return "cancelCallback";
    case OP_WAKE: return "wake";
    case OP_WAIT_IN: return "waitIn";
    case OP_REMOVE: return "removeWaiter";
    case OP_FINISH_NOTIFY: return "finish(notify)";
    case OP_FINISH_CANCELLED_NOTIFY: return "finish(cancelled, notify)";
  }
  return "?";
}

/** Deadline the subject's own timer gets from sleepUntil/armTimer in a case. */
const SUBJECT_DEADLINE: f64 = 200;
/** Deadline a subject set up as sleeping/timed starts with. */
const SETUP_DEADLINE: f64 = 100;
const BYSTANDER_TASK_DEADLINE: f64 = 50;
const BYSTANDER_CALLBACK_DEADLINE: f64 = 150;

function apply(op: i32, index: u32, gen: u32): i32 {
  switch (op) {
    case OP_SCHEDULE: return schedule(index, gen);
    case OP_START: return start(index, gen);
    case OP_SUSPEND: return suspend(index, gen);
    case OP_SLEEP: return sleepUntil(index, gen, SUBJECT_DEADLINE);
    case OP_FINISH: return finish(index, gen, false);
    case OP_FINISH_CANCELLED: return finish(index, gen, true);
    case OP_ARM: return armTimer(index, gen, SUBJECT_DEADLINE);
    case OP_CANCEL: return cancelCallback(index, gen);
    case OP_WAKE: {
      // wake answers 1 (woken) or 0 (already ready or handed out): both succeed.
      let r = wake(index, gen);
      return r > 0 ? OK : r;
    }
    case OP_WAIT_IN: return waitIn(index, gen, list, listGen(list));
    case OP_REMOVE: return removeWaiter(index, gen);
    case OP_FINISH_NOTIFY: return finish(index, gen, false, true);
    case OP_FINISH_CANCELLED_NOTIFY: return finish(index, gen, true, true);
  }
  return 999;
}

// ---- expected outcomes ----
//
// One row per starting point, one column per operation. A value >= 0 means
// "returns OK and the slot is now in this state" (FREE: freed, generation
// bumped); a negative value is the error code returned, with nothing changed.
// _CB: returns OK and the finished task's slot is now a READY callback in the
// ring (the entry that runs its done callbacks), its generation bumped.

const ILL = E_ILLEGAL_TRANSITION;
const KIND = E_WRONG_KIND;
const STALE = E_STALE_HANDLE;
const _R = <i32>READY;
const _RUN = <i32>RUNNING;
const _W = <i32>WAITING;
const _C = <i32>CANCELLED;
const _F = <i32>FREE;
const _CB = 100;

// Tasks: schedule, start, suspend, sleepUntil, finish, finish(cancelled), armTimer, cancelCallback,
//        wake, waitIn, removeWaiter, finish(notify), finish(cancelled, notify)
const TASK_CREATED: i32[] = [_R, _RUN, ILL, ILL, ILL, ILL, KIND, KIND, ILL, ILL, ILL, ILL, ILL];
// wake on a READY task is OK and changes nothing ("the timer fired first").
const TASK_READY: i32[] = [ILL, ILL, ILL, ILL, ILL, ILL, KIND, KIND, _R, ILL, ILL, ILL, ILL];
// wake on a RUNNING task is OK and changes nothing (handed out before its timer could be dropped).
const TASK_RUNNING: i32[] = [_R, ILL, _W, _W, _F, _F, KIND, KIND, _RUN, _W, ILL, _CB, _CB];
const TASK_WAITING: i32[] = [_R, ILL, ILL, ILL, ILL, ILL, KIND, KIND, _R, ILL, ILL, ILL, ILL];
const TASK_SLEEPING: i32[] = [_R, ILL, ILL, ILL, ILL, ILL, KIND, KIND, _R, ILL, ILL, ILL, ILL];
// A task in a wait list leaves it only through the list (removeWaiter, wakeFirst).
const TASK_IN_LIST: i32[] = [ILL, ILL, ILL, ILL, ILL, ILL, KIND, KIND, ILL, ILL, _R, ILL, ILL];
const TASK_FREED: i32[] = [
  STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE,
];

// Callbacks: same columns. Only tasks wait in lists: removeWaiter is E_WRONG_KIND.
const CB_CREATED: i32[] = [_R, KIND, KIND, KIND, KIND, KIND, _W, _F, KIND, KIND, KIND, KIND, KIND];
const CB_READY: i32[] = [ILL, KIND, KIND, KIND, KIND, KIND, ILL, _C, KIND, KIND, KIND, KIND, KIND];
// cancelCallback on a running callback is documented as "changes nothing" (OK).
const CB_RUNNING: i32[] = [ILL, KIND, KIND, KIND, KIND, KIND, ILL, _RUN, KIND, KIND, KIND, KIND, KIND];
// schedule() and wake() of a timed callback are refused: only its timer makes it ready.
const CB_WAITING: i32[] = [ILL, KIND, KIND, KIND, KIND, KIND, ILL, _F, KIND, KIND, KIND, KIND, KIND];
// A second cancel of a cancelled callback is refused (CANCELLED has no exits but drain).
const CB_CANCELLED: i32[] = [ILL, KIND, KIND, KIND, KIND, KIND, ILL, ILL, KIND, KIND, KIND, KIND, KIND];
const CB_FREED: i32[] = [
  STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE, STALE,
];

// ---- one case ----

let bystanderTask: u32 = 0;
let bystanderTaskGen: u32 = 0;
let bystanderCallback: u32 = 0;
let bystanderCallbackGen: u32 = 0;
let bystanderWaiter: u32 = 0;
let bystanderWaiterGen: u32 = 0;
/** The wait list the subject joins (waitIn) or sits in (AT_IN_LIST), behind bystanderWaiter. */
let list: u32 = 0;
let subjectGen: u32 = 0;

function ok(code: i32, what: string): void {
  if (code != OK) expect<string>(codeName(code)).toBe("OK", what);
}

/** A fresh loop with the subject in `setup`; returns its index (handle generation in subjectGen). */
function prepare(kind: u8, setup: i32): u32 {
  init(false, 0);
  bystanderTask = <u32>slotAlloc(KIND_TASK);
  bystanderTaskGen = slotGen(bystanderTask);
  ok(start(bystanderTask, bystanderTaskGen), "bystander start");
  ok(sleepUntil(bystanderTask, bystanderTaskGen, BYSTANDER_TASK_DEADLINE), "bystander sleep");

  let index = <u32>slotAlloc(kind);
  let gen = slotGen(index);
  subjectGen = gen;
  // The second bystander is allocated before the subject's setup so that a
  // freed subject's slot stays free (it would otherwise be reused at once).
  bystanderCallback = <u32>slotAlloc(KIND_CALLBACK);
  bystanderCallbackGen = slotGen(bystanderCallback);
  ok(armTimer(bystanderCallback, bystanderCallbackGen, BYSTANDER_CALLBACK_DEADLINE), "bystander arm");
  list = <u32>listAlloc();
  bystanderWaiter = <u32>slotAlloc(KIND_TASK);
  bystanderWaiterGen = slotGen(bystanderWaiter);
  ok(start(bystanderWaiter, bystanderWaiterGen), "bystander waiter start");
  ok(waitIn(bystanderWaiter, bystanderWaiterGen, list, listGen(list)), "bystander waiter waitIn");

  if (setup == AT_READY) {
    ok(schedule(index, gen), "setup schedule");
  } else if (setup == AT_RUNNING) {
    if (kind == KIND_TASK) {
      ok(start(index, gen), "setup start");
    } else {
      ok(schedule(index, gen), "setup schedule");
      expect<i32>(drain(4096)).toBe(1, "setup drain");
    }
  } else if (setup == AT_WAITING) {
    if (kind == KIND_TASK) {
      ok(start(index, gen), "setup start");
      ok(suspend(index, gen), "setup suspend");
    } else {
      ok(armTimer(index, gen, SETUP_DEADLINE), "setup armTimer");
    }
  } else if (setup == AT_SLEEPING) {
    ok(start(index, gen), "setup start");
    ok(sleepUntil(index, gen, SETUP_DEADLINE), "setup sleepUntil");
  } else if (setup == AT_CANCELLED) {
    ok(schedule(index, gen), "setup schedule");
    ok(cancelCallback(index, gen), "setup cancel");
  } else if (setup == AT_IN_LIST) {
    ok(start(index, gen), "setup start");
    ok(waitIn(index, gen, list, listGen(list)), "setup waitIn");
  } else if (setup == AT_FREED) {
    if (kind == KIND_TASK) {
      ok(start(index, gen), "setup start");
      ok(finish(index, gen, false), "setup finish");
    } else {
      ok(cancelCallback(index, gen), "setup cancel");
    }
  }

  return index;
}

function checkBystanders(what: string): void {
  expect<u8>(slotState(bystanderTask)).toBe(WAITING, what + ": bystander task state");
  expect<i32>(checkHandle(bystanderTask, bystanderTaskGen)).toBe(OK, what + ": bystander task handle");
  let t = slotTimer(bystanderTask);
  expect<bool>(t != 0).toBe(true, what + ": bystander task keeps its timer");
  expect<f64>(timerDeadlineAt(t - 1)).toBe(BYSTANDER_TASK_DEADLINE, what + ": bystander task timer position");
  expect<u8>(slotState(bystanderCallback)).toBe(WAITING, what + ": bystander callback state");
  expect<i32>(checkHandle(bystanderCallback, bystanderCallbackGen)).toBe(OK, what + ": bystander callback handle");
  let c = slotTimer(bystanderCallback);
  expect<bool>(c != 0).toBe(true, what + ": bystander callback keeps its timer");
  expect<f64>(timerDeadlineAt(c - 1)).toBe(BYSTANDER_CALLBACK_DEADLINE, what + ": bystander callback timer position");
  expect<u8>(slotState(bystanderWaiter)).toBe(WAITING, what + ": bystander waiter state");
  expect<u32>(slotWaitList(bystanderWaiter)).toBe(list, what + ": bystander waiter stays in the list");
  expect<u32>(listAt(list, 0)).toBe(bystanderWaiter, what + ": bystander waiter stays at the head");
}

function runCase(kind: u8, setup: i32, op: i32, expected: i32): void {
  let index = prepare(kind, setup);
  let gen = subjectGen;
  let what = kindName(kind) + " " + setupName(setup) + ", " + opName(op);

  // What the subject looks like before.
  let stateBefore = slotState(index);
  let kindBefore = slotKind(index);
  let genBefore = slotGen(index);
  let timerBefore = slotTimer(index);
  let timerDeadlineBefore = timerBefore != 0 ? timerDeadlineAt(timerBefore - 1) : -1.0;
  let ringBefore = ringLength();
  let timersBefore = timerCount();
  let listBefore = slotWaitList(index);
  let waitersBefore = listCount(list);
  let doneBefore = tasksDone;
  let cancelledBefore = tasksCancelled;

  let code = apply(op, index, gen);

  if (expected < 0) {
    expect<string>(codeName(code)).toBe(codeName(expected), what + ": result");
    expect<string>(stateName(slotState(index))).toBe(stateName(stateBefore), what + ": state unchanged");
    expect<u8>(slotKind(index)).toBe(kindBefore, what + ": kind unchanged");
    expect<u32>(slotGen(index)).toBe(genBefore, what + ": generation unchanged");
    expect<u32>(slotTimer(index)).toBe(timerBefore, what + ": timer unchanged");
    if (timerBefore != 0) {
      expect<f64>(timerDeadlineAt(timerBefore - 1)).toBe(timerDeadlineBefore, what + ": timer entry unchanged");
    }
    expect<u32>(ringLength()).toBe(ringBefore, what + ": ring unchanged");
    expect<u32>(timerCount()).toBe(timersBefore, what + ": timer heap unchanged");
    expect<u32>(slotWaitList(index)).toBe(listBefore, what + ": wait list unchanged");
    expect<u32>(listCount(list)).toBe(waitersBefore, what + ": waiters unchanged");
    expect<f64>(tasksDone).toBe(doneBefore, what + ": tasksDone unchanged");
    expect<f64>(tasksCancelled).toBe(cancelledBefore, what + ": tasksCancelled unchanged");
  } else {
    expect<string>(codeName(code)).toBe("OK", what + ": result");
    let becameCallback = expected == _CB;
    let after = becameCallback ? READY : <u8>expected;
    expect<string>(stateName(slotState(index))).toBe(stateName(after), what + ": new state");
    if (becameCallback) {
      expect<string>(kindName(slotKind(index))).toBe(kindName(KIND_CALLBACK), what + ": the slot is now a callback");
      expect<u32>(slotGen(index)).toBe(genBefore + 1, what + ": the generation moves on");
      expect<i32>(checkHandle(index, gen)).toBe(E_STALE_HANDLE, what + ": the task's handle is stale");
      expect<i32>(checkHandle(index, gen + 1)).toBe(OK, what + ": the callback's handle is valid");
    } else if (after == FREE) {
      expect<u32>(slotGen(index)).toBe(genBefore + 1, what + ": freeing bumps the generation");
      expect<i32>(checkHandle(index, gen)).toBe(E_STALE_HANDLE, what + ": old handle is stale");
      expect<u32>(slotTimer(index)).toBe(0, what + ": a freed slot has no timer");
    } else {
      expect<u8>(slotKind(index)).toBe(kind, what + ": kind kept");
      expect<u32>(slotGen(index)).toBe(genBefore, what + ": generation kept");
      expect<i32>(checkHandle(index, gen)).toBe(OK, what + ": handle still valid");
    }
    // The subject is in the ring exactly when it is READY or CANCELLED.
    let inRing = after == READY || after == CANCELLED;
    expect<u32>(ringLength()).toBe(inRing ? 1 : 0, what + ": ring length");
    if (inRing) expect<u32>(ringPeek(0)).toBe(index, what + ": ring holds the subject");
    // It has a timer exactly when it went to WAITING through sleepUntil/armTimer.
    let hasTimer = after == WAITING && (op == OP_SLEEP || op == OP_ARM);
    if (hasTimer) {
      let t = slotTimer(index);
      expect<bool>(t != 0).toBe(true, what + ": timer armed");
      expect<f64>(timerDeadlineAt(t - 1)).toBe(SUBJECT_DEADLINE, what + ": timer deadline");
    } else if (after != FREE) {
      expect<u32>(slotTimer(index)).toBe(0, what + ": no timer");
    }
    expect<u32>(timerCount()).toBe(2 + (hasTimer ? 1 : 0), what + ": timers armed");
    // It is in the wait list exactly when it went to WAITING through waitIn, behind the bystander.
    let inList = op == OP_WAIT_IN;
    if (after != FREE) expect<u32>(slotWaitList(index)).toBe(inList ? list : 0, what + ": wait list");
    expect<u32>(listCount(list)).toBe(inList ? 2 : 1, what + ": waiters");
    expect<u32>(listAt(list, 1)).toBe(inList ? index : 0, what + ": behind the bystander waiter");
    let done = op == OP_FINISH || op == OP_FINISH_NOTIFY;
    let cancelled = op == OP_FINISH_CANCELLED || op == OP_FINISH_CANCELLED_NOTIFY;
    expect<f64>(tasksDone).toBe(doneBefore + (done ? 1 : 0), what + ": tasksDone");
    expect<f64>(tasksCancelled).toBe(cancelledBefore + (cancelled ? 1 : 0), what + ": tasksCancelled");
  }
  checkBystanders(what);
  expectCountsConsistent(what);
}

function runRow(kind: u8, setup: i32, row: i32[]): void {
  expect<i32>(row.length).toBe(OP_COUNT);
  for (let op = 0; op < OP_COUNT; op++) runCase(kind, setup, op, row[op]);
}

describe("transitions of a task", () => {
  test("a CREATED task can be scheduled or started; nothing else", () => {
    runRow(KIND_TASK, AT_CREATED, TASK_CREATED);
  });
  test("a READY task refuses every operation but wake, which leaves it READY (only drain moves it)", () => {
    runRow(KIND_TASK, AT_READY, TASK_READY);
  });
  test("a RUNNING task can yield, suspend, sleep, wait in a list or finish (either way, freed or as its callbacks' entry); not start again", () => {
    runRow(KIND_TASK, AT_RUNNING, TASK_RUNNING);
  });
  test("a suspended task can only be scheduled or woken", () => {
    runRow(KIND_TASK, AT_WAITING, TASK_WAITING);
  });
  test("a sleeping task can only be scheduled or woken, either of which drops its timer", () => {
    runRow(KIND_TASK, AT_SLEEPING, TASK_SLEEPING);
  });
  test("a task waiting in a wait list leaves it only through removeWaiter (or the list's wake)", () => {
    runRow(KIND_TASK, AT_IN_LIST, TASK_IN_LIST);
  });
  test("a finished task's handle is stale for every operation", () => {
    runRow(KIND_TASK, AT_FREED, TASK_FREED);
  });
});

describe("transitions of a callback", () => {
  test("a CREATED callback can be scheduled, armed or cancelled (freed at once)", () => {
    runRow(KIND_CALLBACK, AT_CREATED, CB_CREATED);
  });
  test("a READY callback can only be cancelled, to CANCELLED", () => {
    runRow(KIND_CALLBACK, AT_READY, CB_READY);
  });
  test("a RUNNING callback refuses everything; cancelling it is OK and changes nothing", () => {
    runRow(KIND_CALLBACK, AT_RUNNING, CB_RUNNING);
  });
  test("a timed callback can only be cancelled, which frees it and removes its timer", () => {
    runRow(KIND_CALLBACK, AT_WAITING, CB_WAITING);
  });
  test("a CANCELLED callback refuses everything, a second cancel included", () => {
    runRow(KIND_CALLBACK, AT_CANCELLED, CB_CANCELLED);
  });
  test("a cancelled-and-freed callback's handle is stale for every operation", () => {
    runRow(KIND_CALLBACK, AT_FREED, CB_FREED);
  });
  test("task-only operations on a callback are E_WRONG_KIND even when its state would allow them", () => {
    // A RUNNING callback is in the one state start/suspend/sleep/finish accept for tasks.
    runCase(KIND_CALLBACK, AT_RUNNING, OP_SUSPEND, E_WRONG_KIND);
    runCase(KIND_CALLBACK, AT_CREATED, OP_START, E_WRONG_KIND);
  });
});

// ---- the moves no handle triggers: advance, drain, releaseRan ----

/** Indices of one slot in every reachable state, for both kinds. */
let tCreated: u32, tReady: u32, tRunning: u32, tSuspended: u32, tSleeping: u32;
let cCreated: u32, cReady: u32, cRunning: u32, cTimed: u32, cCancelled: u32;

function everyState(): void {
  init(false, 0);
  // A running callback first (it needs a drain of its own).
  cRunning = <u32>slotAlloc(KIND_CALLBACK);
  ok(schedule(cRunning, slotGen(cRunning)), "cRunning schedule");
  expect<i32>(drain(4096)).toBe(1);
  tCreated = <u32>slotAlloc(KIND_TASK);
  tReady = <u32>slotAlloc(KIND_TASK);
  ok(schedule(tReady, slotGen(tReady)), "tReady");
  tRunning = <u32>slotAlloc(KIND_TASK);
  ok(start(tRunning, slotGen(tRunning)), "tRunning");
  tSuspended = <u32>slotAlloc(KIND_TASK);
  ok(start(tSuspended, slotGen(tSuspended)), "tSuspended start");
  ok(suspend(tSuspended, slotGen(tSuspended)), "tSuspended");
  tSleeping = <u32>slotAlloc(KIND_TASK);
  ok(start(tSleeping, slotGen(tSleeping)), "tSleeping start");
  ok(sleepUntil(tSleeping, slotGen(tSleeping), 20), "tSleeping");
  cCreated = <u32>slotAlloc(KIND_CALLBACK);
  cReady = <u32>slotAlloc(KIND_CALLBACK);
  ok(schedule(cReady, slotGen(cReady)), "cReady");
  cTimed = <u32>slotAlloc(KIND_CALLBACK);
  ok(armTimer(cTimed, slotGen(cTimed), 10), "cTimed");
  cCancelled = <u32>slotAlloc(KIND_CALLBACK);
  ok(schedule(cCancelled, slotGen(cCancelled)), "cCancelled schedule");
  ok(cancelCallback(cCancelled, slotGen(cCancelled)), "cCancelled");
  expectCountsConsistent("everyState");
}

function expectState(index: u32, state: u8, what: string): void {
  expect<string>(stateName(slotState(index))).toBe(stateName(state), what);
}

describe("transitions without a handle", () => {
  test("advance moves only WAITING slots with a due timer to READY, leaving suspended tasks alone", () => {
    everyState();
    // ring before: tReady, cReady, cCancelled
    expect<i32>(advance(5)).toBe(0, "nothing due at 5");
    expect<i32>(advance(1000)).toBe(2, "both timers due at 1000");
    expectState(cTimed, READY, "timed callback");
    expectState(tSleeping, READY, "sleeping task");
    expect<u32>(slotTimer(cTimed)).toBe(0);
    expect<u32>(slotTimer(tSleeping)).toBe(0);
    expectState(tSuspended, WAITING, "suspended task stays WAITING");
    expectState(tCreated, CREATED, "created task");
    expectState(cCreated, CREATED, "created callback");
    expectState(tRunning, RUNNING, "running task");
    expectState(cRunning, RUNNING, "running callback");
    expectState(tReady, READY, "ready task");
    expectState(cReady, READY, "ready callback");
    expectState(cCancelled, CANCELLED, "cancelled callback");
    expect<u32>(ringLength()).toBe(5);
    // Timers join the ring behind what was already there, earliest deadline first.
    expect<u32>(ringPeek(3)).toBe(cTimed);
    expect<u32>(ringPeek(4)).toBe(tSleeping);
    expect<i32>(advance(2000)).toBe(0, "nothing fires twice");
    expectCountsConsistent("after advance");
  });

  test("drain moves READY slots to RUNNING in ring order and frees cancelled callbacks on the way", () => {
    everyState();
    let cancelledGen = slotGen(cCancelled);
    let n = drain(4096);
    expect<i32>(n).toBe(2);
    expect<u32>(load<u32>(OUTBOX)).toBe(tReady);
    expect<u32>(load<u32>(OUTBOX, 4)).toBe(cReady);
    expectState(tReady, RUNNING, "ready task");
    expectState(cReady, RUNNING, "ready callback");
    expectState(cCancelled, FREE, "cancelled callback is freed");
    expect<i32>(checkHandle(cCancelled, cancelledGen)).toBe(E_STALE_HANDLE);
    expectState(tSuspended, WAITING, "suspended task");
    expectState(tSleeping, WAITING, "sleeping task");
    expectState(cTimed, WAITING, "timed callback");
    expectState(tCreated, CREATED, "created task");
    expectState(cCreated, CREATED, "created callback");
    expect<u32>(ringLength()).toBe(0);
    expect<i32>(drain(4096)).toBe(0, "an empty ring drains nothing");
    expectCountsConsistent("after drain");
  });

  test("drain takes at most max entries and leaves the rest queued in order", () => {
    init(false, 0);
    for (let i = 0; i < 10; i++) {
      let c = <u32>slotAlloc(KIND_CALLBACK);
      ok(schedule(c, slotGen(c)), "schedule");
    }
    expect<i32>(drain(3)).toBe(3);
    expect<u32>(load<u32>(OUTBOX)).toBe(1);
    expect<u32>(load<u32>(OUTBOX, 8)).toBe(3);
    expect<u32>(ringLength()).toBe(7);
    expect<u32>(ringPeek(0)).toBe(4);
    expect<i32>(drain(0)).toBe(0);
    expect<i32>(drain(-5)).toBe(0);
    expect<u32>(ringLength()).toBe(7);
  });

  test("cancelled callbacks do not count against drain's max", () => {
    init(false, 0);
    let first = <u32>slotAlloc(KIND_CALLBACK);
    ok(schedule(first, 1), "first");
    for (let i = 0; i < 5; i++) {
      let c = <u32>slotAlloc(KIND_CALLBACK);
      ok(schedule(c, 1), "schedule");
      ok(cancelCallback(c, 1), "cancel");
    }
    let last = <u32>slotAlloc(KIND_CALLBACK);
    ok(schedule(last, 1), "last");
    expect<i32>(drain(2)).toBe(2);
    expect<u32>(load<u32>(OUTBOX)).toBe(first);
    expect<u32>(load<u32>(OUTBOX, 4)).toBe(last);
    expect<u32>(countOf(KIND_CALLBACK, CANCELLED)).toBe(0);
  });

  test("releaseRan frees the callbacks the last drain handed out, not the tasks", () => {
    everyState();
    // cRunning came from a drain whose batch releaseRan now releases.
    let runningGen = slotGen(cRunning);
    releaseRan();
    expectState(cRunning, FREE, "the callback that ran is freed");
    expect<i32>(checkHandle(cRunning, runningGen)).toBe(E_STALE_HANDLE);

    let readyTaskGen = slotGen(tReady);
    let readyCbGen = slotGen(cReady);
    expect<i32>(drain(4096)).toBe(2);
    releaseRan();
    expectState(tReady, RUNNING, "a task that ran stays RUNNING until it finishes");
    expect<i32>(checkHandle(tReady, readyTaskGen)).toBe(OK);
    expect<i32>(checkHandle(cReady, readyCbGen)).toBe(E_STALE_HANDLE);
    expectState(tRunning, RUNNING, "a task started eagerly is untouched");
    releaseRan();
    expectState(tReady, RUNNING, "releaseRan twice is harmless");
    expectCountsConsistent("after releaseRan");
  });

  test("releaseRan does not free a slot that was reused after its task finished", () => {
    init(false, 0);
    let task = <u32>slotAlloc(KIND_TASK);
    ok(schedule(task, 1), "schedule");
    expect<i32>(drain(4096)).toBe(1);
    ok(finish(task, 1, false), "finish");
    let cb = <u32>slotAlloc(KIND_CALLBACK);
    expect<u32>(cb).toBe(task, "the callback reuses the task's slot");
    let cbGen = slotGen(cb);
    releaseRan();
    expectState(cb, CREATED, "the new callback is untouched");
    expect<i32>(checkHandle(cb, cbGen)).toBe(OK);
  });

  test("a task finished with notify is its callbacks' entry: in ring order, handed out once, then freed", () => {
    init(false, 0);
    let task = <u32>slotAlloc(KIND_TASK);
    ok(schedule(task, 1), "schedule");
    expect<i32>(drain(4096)).toBe(1);
    let before = <u32>slotAlloc(KIND_CALLBACK); // a callSoon() before the task ends
    ok(schedule(before, 1), "before");
    ok(finish(task, 1, true, true), "finish (cancelled), notify");
    let after = <u32>slotAlloc(KIND_CALLBACK); // and one after
    expect<bool>(after != task).toBe(true, "the task's slot is not free for others while its entry waits");
    ok(schedule(after, 1), "after");
    expect<u32>(countOf(KIND_TASK, RUNNING)).toBe(0, "the task is gone");
    expect<u32>(countOf(KIND_CALLBACK, READY)).toBe(3);
    expect<i32>(drain(4096)).toBe(3);
    expect<u32>(load<u32>(OUTBOX)).toBe(before, "FIFO: the callback scheduled before the task ended");
    expect<u32>(load<u32>(OUTBOX, 4)).toBe(task, "then the task's callbacks, where it ended");
    expect<u32>(load<u32>(OUTBOX, 8)).toBe(after, "then the one scheduled after");
    expectState(task, RUNNING, "handed out like a callback");
    releaseRan();
    expectState(task, FREE, "freed once it ran");
    expect<i32>(checkHandle(task, 2)).toBe(E_STALE_HANDLE, "the entry's handle is stale");
    expect<u32>(slotGen(task)).toBe(3, "finishing and freeing each moved the generation on");
    expect<f64>(tasksCancelled).toBe(1);
    expectCountsConsistent("after the entry ran");
  });

  test("a finished task's callback entry can be cancelled like any ready callback", () => {
    init(false, 0);
    let task = <u32>slotAlloc(KIND_TASK);
    ok(start(task, 1), "start");
    ok(finish(task, 1, false, true), "finish, notify");
    ok(cancelCallback(task, 2), "cancel the entry");
    expect<i32>(drain(4096)).toBe(0, "skipped");
    expectState(task, FREE, "and freed by the drain");
    expect<f64>(tasksDone).toBe(1);
  });

  test("a task's full life: created, ready, running, sleeping, ready, running, done", () => {
    init(false, 0);
    let t = <u32>slotAlloc(KIND_TASK);
    let g = slotGen(t);
    expect<u32>(countOf(KIND_TASK, CREATED)).toBe(1);
    ok(schedule(t, g), "schedule");
    expect<u32>(countOf(KIND_TASK, READY)).toBe(1);
    expect<i32>(drain(10)).toBe(1);
    expect<u32>(countOf(KIND_TASK, RUNNING)).toBe(1);
    ok(sleepUntil(t, g, 30), "sleep");
    expect<u32>(countOf(KIND_TASK, WAITING)).toBe(1);
    expect<i32>(advance(30)).toBe(1);
    expect<u32>(countOf(KIND_TASK, READY)).toBe(1);
    expect<i32>(drain(10)).toBe(1);
    ok(finish(t, g, false), "finish");
    for (let s: u8 = 0; s < 7; s++) expect<u32>(countOf(KIND_TASK, s)).toBe(0, stateName(s));
    expect<f64>(tasksDone).toBe(1);
  });
});

describe("handles", () => {
  test("alloc hands out CREATED slots from index 1 with generation 1", () => {
    init(false, 0);
    for (let i: u32 = 1; i <= 5; i++) {
      let kind = (i & 1) != 0 ? KIND_TASK : KIND_CALLBACK;
      let index = slotAlloc(kind);
      expect<i32>(index).toBe(<i32>i);
      expect<u8>(slotState(index)).toBe(CREATED);
      expect<u8>(slotKind(index)).toBe(kind);
      expect<u32>(slotGen(index)).toBe(1);
      expect<u32>(slotTimer(index)).toBe(0);
      expect<i32>(checkHandle(index, 1)).toBe(OK);
    }
    expect<u32>(countOf(KIND_TASK, CREATED)).toBe(3);
    expect<u32>(countOf(KIND_CALLBACK, CREATED)).toBe(2);
  });

  test("index 0 and indices never handed out are E_BAD_HANDLE for every operation", () => {
    init(false, 0);
    let t = <u32>slotAlloc(KIND_TASK);
    ok(start(t, 1), "start");
    let bad: u32[] = [0, t + 1, 1023, 1024, 5000, 0xffffff, 0xffffffff];
    for (let i = 0; i < bad.length; i++) {
      for (let op = 0; op < OP_COUNT; op++) {
        expect<string>(codeName(apply(op, bad[i], 1))).toBe("E_BAD_HANDLE", opName(op) + " on index " + bad[i].toString());
      }
      expect<i32>(checkHandle(bad[i], 0)).toBe(E_BAD_HANDLE);
    }
    expect<u8>(slotState(t)).toBe(RUNNING);
    expect<u32>(timerCount()).toBe(0);
    expect<u32>(ringLength()).toBe(0);
  });

  test("a wrong generation on a live slot is E_STALE_HANDLE for every operation and changes nothing", () => {
    init(false, 0);
    let t = <u32>slotAlloc(KIND_TASK);
    let c = <u32>slotAlloc(KIND_CALLBACK);
    ok(start(t, 1), "start");
    let gens: u32[] = [0, 2, 0xffffffff];
    for (let i = 0; i < gens.length; i++) {
      for (let op = 0; op < OP_COUNT; op++) {
        expect<string>(codeName(apply(op, t, gens[i]))).toBe("E_STALE_HANDLE", opName(op) + " task gen " + gens[i].toString());
        expect<string>(codeName(apply(op, c, gens[i]))).toBe("E_STALE_HANDLE", opName(op) + " callback gen " + gens[i].toString());
      }
    }
    expect<u8>(slotState(t)).toBe(RUNNING);
    expect<u8>(slotState(c)).toBe(CREATED);
    expectCountsConsistent("after stale ops");
  });

  test("a freed slot is reused last-in first-out with the next generation", () => {
    init(false, 0);
    let a = <u32>slotAlloc(KIND_CALLBACK);
    let b = <u32>slotAlloc(KIND_TASK);
    let c = <u32>slotAlloc(KIND_CALLBACK);
    ok(cancelCallback(a, 1), "free a");
    ok(cancelCallback(c, 1), "free c");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(<i32>c, "last freed comes back first");
    expect<u32>(slotGen(c)).toBe(2);
    expect<u8>(slotKind(c)).toBe(KIND_TASK, "a reused slot takes its new kind");
    expect<u8>(slotState(c)).toBe(CREATED);
    expect<i32>(slotAlloc(KIND_CALLBACK)).toBe(<i32>a);
    expect<u32>(slotGen(a)).toBe(2);
    expect<i32>(slotAlloc(KIND_CALLBACK)).toBe(<i32>(c + 1), "then fresh slots again");
    expect<u32>(slotGen(c + 1)).toBe(1);
    expect<i32>(checkHandle(b, 1)).toBe(OK);
    expectCountsConsistent("after reuse");
  });

  test("the old handle of a reused slot is rejected while the new one works", () => {
    init(false, 0);
    let t = <u32>slotAlloc(KIND_TASK);
    ok(start(t, 1), "start");
    ok(finish(t, 1, false), "finish");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(<i32>t);
    for (let op = 0; op < OP_COUNT; op++) {
      expect<string>(codeName(apply(op, t, 1))).toBe("E_STALE_HANDLE", opName(op) + " with the old handle");
    }
    expect<u8>(slotState(t)).toBe(CREATED, "the new owner is untouched");
    ok(start(t, 2), "the new handle works");
    expect<u8>(slotState(t)).toBe(RUNNING);
  });

  test("generations keep climbing over many reuses and every old handle stays stale", () => {
    init(false, 0);
    let first = <u32>slotAlloc(KIND_CALLBACK);
    ok(cancelCallback(first, 1), "free");
    for (let i: u32 = 2; i <= 1000; i++) {
      expect<i32>(slotAlloc(KIND_CALLBACK)).toBe(<i32>first);
      expect<u32>(slotGen(first)).toBe(i);
      ok(cancelCallback(first, i), "free again");
    }
    for (let g: u32 = 1; g <= 1001; g++) {
      expect<i32>(checkHandle(first, g)).toBe(E_STALE_HANDLE);
    }
    expect<i32>(slotAlloc(KIND_TASK)).toBe(<i32>first);
    expect<u32>(slotGen(first)).toBe(1001);
  });

  test("NaN deadlines are E_BAD_DEADLINE and change nothing", () => {
    init(false, 0);
    let t = <u32>slotAlloc(KIND_TASK);
    let c = <u32>slotAlloc(KIND_CALLBACK);
    ok(start(t, 1), "start");
    expect<i32>(sleepUntil(t, 1, NaN)).toBe(E_BAD_DEADLINE);
    expect<i32>(armTimer(c, 1, NaN)).toBe(E_BAD_DEADLINE);
    expect<u8>(slotState(t)).toBe(RUNNING);
    expect<u8>(slotState(c)).toBe(CREATED);
    expect<u32>(timerCount()).toBe(0);
    expect<u32>(slotTimer(t)).toBe(0);
    expectCountsConsistent("after NaN");
  });
});
