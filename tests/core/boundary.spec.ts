// The boundary the host calls (assembly/index.ts): commands written into the
// inbox, tick(), flush(), stats(), alloc(), armTimer(), cancelCallback(), and
// the STATUS / STATS / OUTBOX cells the host reads back.

import {
  alloc, armTimer, cancelCallback, deadlineOf, flush, inboxCapacity, inboxPtr, init, listAlloc, outboxPtr,
  payloadPtr, removeWaiter, stats, statsPtr, statusPtr, tick, wakeFirst, wakeSleeper,
} from "../../assembly/index";
import {
  E_BAD_COMMAND, E_BAD_DEADLINE, E_BAD_HANDLE, E_ILLEGAL_TRANSITION, E_STALE_HANDLE,
  E_WRONG_KIND, OK,
} from "../../assembly/errors";
import {
  CANCELLED, CREATED, FREE, KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, slotCapacity, slotGen, slotKind, slotState, slotTimer,
} from "../../assembly/slots";
import { codeName, expectCountsConsistent, stateName } from "./helpers";

// ---- the host's side of the protocol ----

const OP_SCHEDULE: u32 = 1;
const OP_START: u32 = 2;
const OP_SUSPEND: u32 = 3;
const OP_SLEEP: u32 = 4;
const OP_FINISH: u32 = 5;
const OP_FINISH_CANCELLED: u32 = 6;
/** No longer a command: waking a sleeper is the direct call wakeSleeper(). */
const OP_RETIRED_WAKE: u32 = 7;
const OP_WAIT: u32 = 8;

// STATUS cells (i32), then the next deadline (f64) at byte 64.
const S_READY = 0;
const S_TIMERS = 1;
const S_ERRORS = 2;
const S_LAST_ERROR = 3;
const S_LAST_ERROR_INDEX = 4;
const S_LAST_ERROR_OP = 5;
const S_ALLOC_GEN = 6;
const S_LIST_GEN = 7;

/** Commands written since the last call, as the host counts them. */
let pending = 0;

function command(op: u32, index: u32, gen: u32): void {
  let at = inboxPtr() + (<usize>pending << 3);
  store<u32>(at, (op << 24) | index);
  store<u32>(at, gen, 4);
  pending++;
}

function sleepCommand(index: u32, gen: u32, deadline: f64): void {
  store<f64>(payloadPtr() + (<usize>pending << 3), deadline);
  command(OP_SLEEP, index, gen);
}

function waitCommand(index: u32, gen: u32, list: u32, listGen: u32): void {
  store<u32>(payloadPtr() + (<usize>pending << 3), list);
  store<u32>(payloadPtr() + (<usize>pending << 3), listGen, 4);
  command(OP_WAIT, index, gen);
}

/** tick() with the pending commands, which it consumes. */
function hostTick(now: f64, max: i32 = 4096): i32 {
  let n = tick(now, pending, max);
  pending = 0;
  return n;
}

function hostFlush(): void {
  flush(pending);
  pending = 0;
}

function hostStats(): void {
  stats(pending);
  pending = 0;
}

function hostArm(index: u32, gen: u32, deadline: f64): i32 {
  let err = armTimer(index, gen, deadline, pending);
  pending = 0;
  return err;
}

function hostCancel(index: u32, gen: u32): i32 {
  let err = cancelCallback(index, gen, pending);
  pending = 0;
  return err;
}

/** alloc() and the generation it reports in STATUS. */
let lastGen: u32 = 0;
function hostAlloc(kind: u8): u32 {
  let index = alloc(kind);
  expect<bool>(index > 0).toBe(true, "alloc");
  lastGen = <u32>status(S_ALLOC_GEN);
  return <u32>index;
}

function status(cell: i32): i32 {
  return load<i32>(statusPtr() + (<usize>cell << 2));
}

function nextDeadline(): f64 {
  return load<f64>(statusPtr() + 64);
}

function out(i: i32): u32 {
  return load<u32>(outboxPtr() + (<usize>i << 2));
}

function stat(cell: i32): f64 {
  return load<f64>(statsPtr() + (<usize>cell << 3));
}

function expectState(index: u32, state: u8, what: string = ""): void {
  expect<string>(stateName(slotState(index))).toBe(stateName(state), what);
}

/** Every slot's (state, kind, generation, timer), to show that nothing changed. */
function snapshot(): u32[] {
  let out = new Array<u32>();
  let cap = slotCapacity();
  for (let i: u32 = 1; i < cap; i++) {
    out.push(slotState(i));
    out.push(slotKind(i));
    out.push(slotGen(i));
    out.push(slotTimer(i));
  }
  return out;
}

function expectSameSnapshot(a: u32[], b: u32[], what: string): void {
  expect<i32>(b.length).toBe(a.length, what);
  for (let i = 0; i < a.length; i++) {
    if (a[i] != b[i]) {
      expect<u32>(b[i]).toBe(a[i], what + ": slot " + (i / 4 + 1).toString() + " field " + (i % 4).toString());
      return;
    }
  }
}

describe("boundary", () => {
  beforeEach(() => {
    init(false, 0);
    pending = 0;
  });

  test("init leaves STATUS empty: no ready entries, no timers, no errors, next deadline -1", () => {
    expect<i32>(status(S_READY)).toBe(0);
    expect<i32>(status(S_TIMERS)).toBe(0);
    expect<i32>(status(S_ERRORS)).toBe(0);
    expect<i32>(status(S_LAST_ERROR)).toBe(0);
    expect<f64>(nextDeadline()).toBe(-1.0);
    expect<i32>(inboxCapacity()).toBe(4096);
  });

  test("alloc returns the index and reports the generation in STATUS cell 6", () => {
    let t = hostAlloc(KIND_TASK);
    expect<u32>(t).toBe(1);
    expect<u32>(lastGen).toBe(1);
    expectState(t, CREATED);
    expect<u8>(slotKind(t)).toBe(KIND_TASK);
    let c = hostAlloc(KIND_CALLBACK);
    expect<u32>(c).toBe(2);
    expect<u8>(slotKind(c)).toBe(KIND_CALLBACK);
    // A reused slot reports its new generation.
    expect<i32>(hostCancel(c, 1)).toBe(OK);
    let again = hostAlloc(KIND_CALLBACK);
    expect<u32>(again).toBe(c);
    expect<u32>(lastGen).toBe(2);
  });

  test("alloc refuses a kind other than task or callback and takes no slot", () => {
    // The counters are indexed by kind: kind 3 and up would write past them,
    // and a kind-0 slot could never be freed (no operation applies to it).
    let before = snapshot();
    let kinds: u8[] = [0, 3, 7, 255];
    for (let i = 0; i < kinds.length; i++) {
      expect<string>(codeName(alloc(kinds[i]))).toBe("E_WRONG_KIND", "alloc(" + kinds[i].toString() + ")");
    }
    expectSameSnapshot(before, snapshot(), "after refused allocs");
    expectCountsConsistent("after refused allocs");
    expect<u32>(hostAlloc(KIND_TASK)).toBe(1, "no slot was used up");
    hostStats();
    expect<f64>(stat(8)).toBe(1, "only the real task counts as created");
  });

  test("tick applies the inbox in order before draining", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    // Only legal in this order: start, suspend, then schedule.
    command(OP_START, t, g);
    command(OP_SUSPEND, t, g);
    command(OP_SCHEDULE, t, g);
    expect<i32>(hostTick(0)).toBe(1);
    expect<i32>(status(S_ERRORS)).toBe(0, "no command was refused");
    expect<u32>(out(0)).toBe(t);
    expectState(t, RUNNING, "drained");
  });

  test("scheduled slots reach the OUTBOX in command order", () => {
    let slots = new Array<u32>();
    for (let i = 0; i < 20; i++) {
      let s = hostAlloc(i % 2 == 0 ? KIND_TASK : KIND_CALLBACK);
      slots.push(s);
      command(OP_SCHEDULE, s, lastGen);
    }
    expect<i32>(hostTick(0)).toBe(20);
    for (let i = 0; i < 20; i++) expect<u32>(out(i)).toBe(slots[i], "position " + i.toString());
  });

  test("a SLEEP command arms a timer that tick fires when it is due", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    command(OP_START, t, g);
    sleepCommand(t, g, 50);
    expect<i32>(hostTick(10)).toBe(0);
    expectState(t, WAITING);
    expect<i32>(status(S_TIMERS)).toBe(1);
    expect<f64>(nextDeadline()).toBe(50);
    expect<i32>(hostTick(49.5)).toBe(0);
    expect<i32>(hostTick(50)).toBe(1);
    expect<u32>(out(0)).toBe(t);
    expect<i32>(status(S_TIMERS)).toBe(0);
    expect<f64>(nextDeadline()).toBe(-1.0);
  });

  test("deadlineOf() applies the inbox first and answers a slot's timer deadline, -1 without one or for a bad handle", () => {
    let a = hostAlloc(KIND_TASK);
    let ga = lastGen;
    let b = hostAlloc(KIND_TASK);
    let gb = lastGen;
    command(OP_START, a, ga);
    sleepCommand(a, ga, 1500.25);
    command(OP_START, b, gb);
    sleepCommand(b, gb, 40);
    expect<f64>(deadlineOf(a, ga, pending)).toBe(1500.25, "the queued sleep was applied first");
    pending = 0;
    expect<f64>(deadlineOf(b, gb, 0)).toBe(40);
    expect<f64>(deadlineOf(b, gb + 1, 0)).toBe(-1.0, "a stale handle has no deadline");
    expect<f64>(deadlineOf(0, 0, 0)).toBe(-1.0, "slot 0 is never a slot");
    expect<i32>(hostTick(40)).toBe(1, "b's timer fires");
    expect<f64>(deadlineOf(b, gb, 0)).toBe(-1.0, "a fired timer is gone");
    expect<f64>(deadlineOf(a, ga, 0)).toBe(1500.25, "the heap moved a's entry: still found through its slot");
    expect<i32>(status(S_ERRORS)).toBe(0);
  });

  test("wakeSleeper() applies the inbox first, readies a sleeping task, drops its timer and answers 1", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    command(OP_START, t, g);
    sleepCommand(t, g, 1000);
    expect<i32>(wakeSleeper(t, g, pending)).toBe(1, "the sleep was cut short");
    pending = 0;
    expect<i32>(status(S_TIMERS)).toBe(0);
    expect<f64>(nextDeadline()).toBe(-1.0);
    expect<i32>(hostTick(0)).toBe(1);
    expect<u32>(out(0)).toBe(t);
    expect<i32>(status(S_ERRORS)).toBe(0);
  });

  test("wakeSleeper() for a task whose timer already fired answers 0, and the task runs once", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    command(OP_START, t, g);
    sleepCommand(t, g, 10);
    // The timer fires (the task is READY) but this tick drains nothing.
    expect<i32>(hostTick(10, 0)).toBe(0);
    expectState(t, READY);
    expect<i32>(wakeSleeper(t, g, pending)).toBe(0, "ready already");
    expect<i32>(hostTick(11)).toBe(1);
    expect<u32>(out(0)).toBe(t);
    expect<i32>(wakeSleeper(t, g, pending)).toBe(0, "handed out, not yet stepped");
    expectState(t, RUNNING);
    expect<i32>(status(S_ERRORS)).toBe(0);
    expect<i32>(hostTick(12)).toBe(0, "not queued twice");
  });

  test("wakeSleeper() refuses a callback, and op 7 is no longer a command", () => {
    let c = hostAlloc(KIND_CALLBACK);
    let gc = lastGen;
    expect<string>(codeName(wakeSleeper(c, gc, pending))).toBe("E_WRONG_KIND");
    command(OP_RETIRED_WAKE, c, gc);
    hostFlush();
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_BAD_COMMAND");
    expectState(c, CREATED);
  });

  test("listAlloc reports the list's generation in STATUS cell 7; WAIT commands join it in order", () => {
    let l = <u32>listAlloc();
    expect<u32>(l).toBe(1);
    let lg = <u32>status(S_LIST_GEN);
    expect<u32>(lg).toBe(1);
    let a = hostAlloc(KIND_TASK);
    let ga = lastGen;
    let b = hostAlloc(KIND_TASK);
    let gb = lastGen;
    command(OP_START, a, ga);
    command(OP_START, b, gb);
    waitCommand(a, ga, l, lg);
    waitCommand(b, gb, l, lg);
    // wakeFirst applies the pending commands first.
    let woke = wakeFirst(l, lg, pending);
    pending = 0;
    expect<i32>(woke).toBe(<i32>a);
    expect<i32>(status(S_ERRORS)).toBe(0);
    expect<i32>(status(S_READY)).toBe(1, "wakeFirst refreshes STATUS");
    expectState(b, WAITING);
    hostStats();
    expect<f64>(stat(12)).toBe(1, "one wait list with waiters");
    expect<f64>(stat(3)).toBe(1, "the waiter counts as a waiting task");
    expect<i32>(removeWaiter(b, gb, 0)).toBe(OK);
    hostStats();
    expect<f64>(stat(12)).toBe(0, "the emptied list is gone");
    expect<i32>(hostTick(0)).toBe(2);
    expect<u32>(out(0)).toBe(a);
    expect<u32>(out(1)).toBe(b);
  });

  test("a WAIT command naming a stale list is counted in STATUS and changes nothing", () => {
    let l = <u32>listAlloc();
    let lg = <u32>status(S_LIST_GEN);
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    command(OP_START, t, g);
    hostFlush();
    let before = snapshot();
    waitCommand(t, g, l, lg + 1);
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(1);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_STALE_HANDLE");
    expect<i32>(status(S_LAST_ERROR_OP)).toBe(<i32>OP_WAIT);
    expect<i32>(status(S_LAST_ERROR_INDEX)).toBe(<i32>t);
    expectSameSnapshot(before, snapshot(), "after the refused WAIT");
  });

  test("tick runs commands' slots before timers due in the same tick", () => {
    let timed = hostAlloc(KIND_CALLBACK);
    expect<i32>(hostArm(timed, lastGen, 5)).toBe(OK);
    let soon = hostAlloc(KIND_CALLBACK);
    command(OP_SCHEDULE, soon, lastGen);
    expect<i32>(hostTick(10)).toBe(2);
    expect<u32>(out(0)).toBe(soon);
    expect<u32>(out(1)).toBe(timed);
  });

  test("callbacks that ran are released at the next tick and their handles go stale", () => {
    let c = hostAlloc(KIND_CALLBACK);
    let g = lastGen;
    command(OP_SCHEDULE, c, g);
    expect<i32>(hostTick(0)).toBe(1);
    expect<u32>(out(0)).toBe(c);
    // While the host runs it, the handle is still good.
    expectState(c, RUNNING);
    expect<i32>(checkHandle(c, g)).toBe(OK);
    expect<i32>(hostCancel(c, g)).toBe(OK, "cancelling a running callback is harmless");
    expectState(c, RUNNING);
    hostFlush(); // flush does not release
    expect<i32>(checkHandle(c, g)).toBe(OK);
    expect<i32>(hostTick(1)).toBe(0);
    expectState(c, FREE, "released");
    expect<i32>(checkHandle(c, g)).toBe(E_STALE_HANDLE);
    expect<i32>(hostCancel(c, g)).toBe(E_STALE_HANDLE);
    let reused = hostAlloc(KIND_CALLBACK);
    expect<u32>(reused).toBe(c);
    expect<u32>(lastGen).toBe(g + 1);
    expectCountsConsistent("after release");
  });

  test("tasks that ran are not released: they stay RUNNING until they finish", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    command(OP_SCHEDULE, t, g);
    expect<i32>(hostTick(0)).toBe(1);
    expect<i32>(hostTick(1)).toBe(0);
    expectState(t, RUNNING);
    command(OP_FINISH, t, g);
    hostFlush();
    expect<i32>(checkHandle(t, g)).toBe(E_STALE_HANDLE);
  });

  test("a cancelled ready callback is skipped and freed at the tick", () => {
    let a = hostAlloc(KIND_CALLBACK);
    let ga = lastGen;
    let b = hostAlloc(KIND_CALLBACK);
    let gb = lastGen;
    let c = hostAlloc(KIND_CALLBACK);
    let gc = lastGen;
    command(OP_SCHEDULE, a, ga);
    command(OP_SCHEDULE, b, gb);
    command(OP_SCHEDULE, c, gc);
    // cancelCallback applies the pending commands first, so b is READY when cancelled.
    expect<i32>(hostCancel(b, gb)).toBe(OK);
    expectState(b, CANCELLED);
    expect<i32>(status(S_READY)).toBe(3, "still queued until drained");
    expect<i32>(hostTick(0)).toBe(2);
    expect<u32>(out(0)).toBe(a);
    expect<u32>(out(1)).toBe(c);
    expect<i32>(checkHandle(b, gb)).toBe(E_STALE_HANDLE);
    expect<i32>(status(S_READY)).toBe(0);
  });

  test("a cancelled timed callback never runs", () => {
    let c = hostAlloc(KIND_CALLBACK);
    let g = lastGen;
    expect<i32>(hostArm(c, g, 20)).toBe(OK);
    hostFlush();
    expect<i32>(status(S_TIMERS)).toBe(1);
    expect<f64>(nextDeadline()).toBe(20);
    expect<i32>(hostCancel(c, g)).toBe(OK);
    expect<i32>(status(S_TIMERS)).toBe(0, "cancelCallback refreshes STATUS");
    expect<f64>(nextDeadline()).toBe(-1.0);
    expect<i32>(hostTick(100)).toBe(0);
  });

  test("armTimer applies pending commands first", () => {
    // A task's sleep command written before a callLater must be applied first:
    // equal deadlines then fire in program order.
    let t = hostAlloc(KIND_TASK);
    let gt = lastGen;
    let c = hostAlloc(KIND_CALLBACK);
    let gc = lastGen;
    command(OP_START, t, gt);
    sleepCommand(t, gt, 30);
    expect<i32>(hostArm(c, gc, 30)).toBe(OK);
    expect<i32>(hostTick(30)).toBe(2);
    expect<u32>(out(0)).toBe(t);
    expect<u32>(out(1)).toBe(c);
  });

  test("armTimer returns the core's error codes", () => {
    let t = hostAlloc(KIND_TASK);
    let gt = lastGen;
    let c = hostAlloc(KIND_CALLBACK);
    let gc = lastGen;
    expect<i32>(hostArm(t, gt, 5)).toBe(E_WRONG_KIND);
    expect<i32>(hostArm(c, gc + 1, 5)).toBe(E_STALE_HANDLE);
    expect<i32>(hostArm(0, 1, 5)).toBe(E_BAD_HANDLE);
    expect<i32>(hostArm(c, gc, NaN)).toBe(E_BAD_DEADLINE);
    expect<i32>(hostArm(c, gc, 5)).toBe(OK);
    expect<i32>(hostArm(c, gc, 6)).toBe(E_ILLEGAL_TRANSITION);
    expect<i32>(status(S_ERRORS)).toBe(0, "direct calls report by return value, not STATUS");
  });

  test("tick drains at most max entries; the rest wait for the next tick", () => {
    for (let i = 0; i < 10; i++) {
      let c = hostAlloc(KIND_CALLBACK);
      command(OP_SCHEDULE, c, lastGen);
    }
    expect<i32>(hostTick(0, 4)).toBe(4);
    expect<i32>(status(S_READY)).toBe(6);
    expect<u32>(out(0)).toBe(1);
    expect<i32>(hostTick(0, 100)).toBe(6);
    expect<u32>(out(0)).toBe(5);
    expect<i32>(status(S_READY)).toBe(0);
  });

  test("one tick hands out at most the OUTBOX's 4096 entries", () => {
    // 5000 ready callbacks: the table (1024 slots) and the ring grow on the way.
    let first = hostAlloc(KIND_CALLBACK);
    command(OP_SCHEDULE, first, lastGen);
    hostFlush();
    for (let i = 1; i < 5000; i++) {
      let c = hostAlloc(KIND_CALLBACK);
      command(OP_SCHEDULE, c, lastGen);
      if (pending == inboxCapacity()) hostFlush();
    }
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(0);
    expect<i32>(status(S_READY)).toBe(5000);
    expect<i32>(hostTick(0, 1 << 30)).toBe(4096);
    for (let i = 0; i < 4096; i++) {
      if (out(i) != <u32>(i + 1)) {
        expect<u32>(out(i)).toBe(<u32>(i + 1), "position " + i.toString());
        return;
      }
    }
    expect<i32>(status(S_READY)).toBe(904);
    expect<i32>(hostTick(0, 1 << 30)).toBe(904);
    expect<u32>(out(0)).toBe(4097);
    expect<i32>(hostTick(0)).toBe(0);
    hostStats();
    expect<f64>(stat(4)).toBe(0, "all 5000 callbacks ran and were released");
    expect<f64>(stat(7)).toBe(5000);
    expect<f64>(stat(11)).toBe(8192, "the slot table doubled to hold 5000");
  });

  test("a command with a stale generation is counted in STATUS and changes nothing", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    command(OP_START, t, g);
    hostFlush();
    let before = snapshot();
    command(OP_SUSPEND, t, g + 1);
    command(OP_FINISH, t, 0);
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(2);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_STALE_HANDLE");
    expect<i32>(status(S_LAST_ERROR_INDEX)).toBe(<i32>t);
    expect<i32>(status(S_LAST_ERROR_OP)).toBe(<i32>OP_FINISH);
    expectSameSnapshot(before, snapshot(), "after stale commands");
    expectState(t, RUNNING);
  });

  test("an unknown opcode is E_BAD_COMMAND, counted, and changes nothing", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    let before = snapshot();
    // Opcodes far from the used range (1, 2, ...), so new commands do not make them valid.
    let bad: u32[] = [0, 0x40, 0x7f, 0xfe, 0xff];
    for (let i = 0; i < bad.length; i++) command(bad[i], t, g);
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(bad.length);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_BAD_COMMAND");
    expect<i32>(status(S_LAST_ERROR_INDEX)).toBe(<i32>t);
    expect<i32>(status(S_LAST_ERROR_OP)).toBe(0xff);
    expectSameSnapshot(before, snapshot(), "after unknown commands");
  });

  test("illegal, wrong-kind, bad-handle and NaN commands are each counted with their code", () => {
    let t = hostAlloc(KIND_TASK);
    let gt = lastGen;
    let c = hostAlloc(KIND_CALLBACK);
    let gc = lastGen;
    let before = snapshot();

    command(OP_SUSPEND, t, gt); // CREATED task cannot suspend
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(1);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_ILLEGAL_TRANSITION");
    expect<i32>(status(S_LAST_ERROR_OP)).toBe(<i32>OP_SUSPEND);

    command(OP_START, c, gc); // callbacks do not start
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(2);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_WRONG_KIND");
    expect<i32>(status(S_LAST_ERROR_INDEX)).toBe(<i32>c);

    command(OP_SCHEDULE, 0, 1); // index 0
    command(OP_SCHEDULE, 0xffffff, 1); // the largest index a command can carry
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(4);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_BAD_HANDLE");
    expect<i32>(status(S_LAST_ERROR_INDEX)).toBe(0xffffff);
    expect<i32>(status(S_LAST_ERROR_OP)).toBe(<i32>OP_SCHEDULE);
    expectSameSnapshot(before, snapshot(), "after refused commands");

    command(OP_START, t, gt);
    sleepCommand(t, gt, NaN);
    hostFlush();
    expect<i32>(status(S_ERRORS)).toBe(5);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_BAD_DEADLINE");
    expect<i32>(status(S_LAST_ERROR_OP)).toBe(<i32>OP_SLEEP);
    expectState(t, RUNNING, "the start went through, the NaN sleep did not");
    expect<i32>(status(S_TIMERS)).toBe(0);
  });

  test("good commands around a bad one still apply, in order", () => {
    let a = hostAlloc(KIND_CALLBACK);
    let ga = lastGen;
    let b = hostAlloc(KIND_CALLBACK);
    let gb = lastGen;
    command(OP_SCHEDULE, a, ga);
    command(OP_SCHEDULE, a, ga); // twice: illegal
    command(OP_SCHEDULE, b, gb);
    expect<i32>(hostTick(0)).toBe(2);
    expect<u32>(out(0)).toBe(a);
    expect<u32>(out(1)).toBe(b);
    expect<i32>(status(S_ERRORS)).toBe(1);
    expect<string>(codeName(status(S_LAST_ERROR))).toBe("E_ILLEGAL_TRANSITION");
  });

  test("the error count accumulates across calls and init resets it", () => {
    command(0xff, 1, 1);
    hostFlush();
    command(0xff, 1, 1);
    expect<i32>(hostTick(0)).toBe(0);
    expect<i32>(status(S_ERRORS)).toBe(2);
    init(false, 0);
    expect<i32>(status(S_ERRORS)).toBe(0);
    expect<i32>(status(S_LAST_ERROR)).toBe(0);
  });

  test("FINISH and FINISH_CANCELLED free the task and count it as done or cancelled", () => {
    let a = hostAlloc(KIND_TASK);
    let ga = lastGen;
    let b = hostAlloc(KIND_TASK);
    let gb = lastGen;
    command(OP_START, a, ga);
    command(OP_START, b, gb);
    command(OP_FINISH, a, ga);
    command(OP_FINISH_CANCELLED, b, gb);
    hostStats();
    expect<i32>(status(S_ERRORS)).toBe(0);
    expect<i32>(checkHandle(a, ga)).toBe(E_STALE_HANDLE);
    expect<i32>(checkHandle(b, gb)).toBe(E_STALE_HANDLE);
    expect<f64>(stat(8)).toBe(2, "created in all");
    expect<f64>(stat(9)).toBe(1, "done");
    expect<f64>(stat(10)).toBe(1, "cancelled");
  });

  test("flush applies the inbox and refreshes STATUS without running anything", () => {
    let t = hostAlloc(KIND_TASK);
    let g = lastGen;
    let c = hostAlloc(KIND_CALLBACK);
    expect<i32>(hostArm(c, lastGen, 75)).toBe(OK);
    command(OP_SCHEDULE, t, g);
    hostFlush();
    expectState(t, READY, "scheduled but not drained");
    expect<i32>(status(S_READY)).toBe(1);
    expect<i32>(status(S_TIMERS)).toBe(1);
    expect<f64>(nextDeadline()).toBe(75);
    expect<i32>(hostTick(0)).toBe(1);
  });

  test("stats fills every documented cell", () => {
    // tasks: 1 created, 2 ready, 1 running (+1 finished, +1 cancelled), 2 waiting (one sleeping)
    let tCreated = hostAlloc(KIND_TASK);
    let r1 = hostAlloc(KIND_TASK);
    command(OP_SCHEDULE, r1, lastGen);
    let r2 = hostAlloc(KIND_TASK);
    command(OP_SCHEDULE, r2, lastGen);
    let run = hostAlloc(KIND_TASK);
    command(OP_START, run, lastGen);
    let sus = hostAlloc(KIND_TASK);
    command(OP_START, sus, lastGen);
    command(OP_SUSPEND, sus, lastGen);
    let slp = hostAlloc(KIND_TASK);
    command(OP_START, slp, lastGen);
    sleepCommand(slp, lastGen, 500);
    let done = hostAlloc(KIND_TASK);
    command(OP_START, done, lastGen);
    command(OP_FINISH, done, lastGen);
    let canc = hostAlloc(KIND_TASK);
    command(OP_START, canc, lastGen);
    command(OP_FINISH_CANCELLED, canc, lastGen);
    // callbacks: 1 created, 1 ready, 1 timed, 1 cancelled (not pending)
    hostAlloc(KIND_CALLBACK);
    let cReady = hostAlloc(KIND_CALLBACK);
    command(OP_SCHEDULE, cReady, lastGen);
    let cTimed = hostAlloc(KIND_CALLBACK);
    expect<i32>(hostArm(cTimed, lastGen, 400)).toBe(OK);
    let cGone = hostAlloc(KIND_CALLBACK);
    command(OP_SCHEDULE, cGone, lastGen);
    expect<i32>(hostCancel(cGone, lastGen)).toBe(OK);
    hostStats();
    expect<i32>(status(S_ERRORS)).toBe(0);

    expect<f64>(stat(0)).toBe(1, "tasks created (not yet scheduled)");
    expect<f64>(stat(1)).toBe(2, "tasks ready");
    expect<f64>(stat(2)).toBe(1, "tasks running");
    expect<f64>(stat(3)).toBe(2, "tasks waiting");
    expect<f64>(stat(4)).toBe(3, "callbacks pending");
    expect<f64>(stat(5)).toBe(4, "ready entries (the cancelled callback's included)");
    expect<f64>(stat(6)).toBe(2, "timers");
    expect<f64>(stat(7)).toBe(0, "entries run");
    expect<f64>(stat(8)).toBe(8, "tasks created in all");
    expect<f64>(stat(9)).toBe(1, "tasks done");
    expect<f64>(stat(10)).toBe(1, "tasks cancelled");
    expect<f64>(stat(11)).toBe(<f64>slotCapacity(), "slot table capacity");
    expect<f64>(stat(12)).toBe(0, "wait lists with waiters");
    expect<bool>(stat(11) >= 1024).toBe(true);
    expect<i32>(status(S_READY)).toBe(4, "stats also refreshes STATUS");
    expect<i32>(status(S_TIMERS)).toBe(2);
    expect<f64>(nextDeadline()).toBe(400);

    // After a tick: the ready ones run, the cancelled one is dropped.
    expect<i32>(hostTick(450)).toBe(4);
    hostStats();
    expect<f64>(stat(1)).toBe(0, "tasks ready after the tick");
    expect<f64>(stat(2)).toBe(3, "tasks running after the tick");
    expect<f64>(stat(6)).toBe(1, "the sleeper's timer (500) is left");
    expect<f64>(stat(7)).toBe(4, "entries run");
    expect<f64>(stat(4)).toBe(1, "the two callbacks handed out to run are no longer pending");
    expect<i32>(hostTick(451)).toBe(0);
    hostStats();
    expect<f64>(stat(4)).toBe(1, "only the never-scheduled callback is left");
    expectCountsConsistent("after stats");
  });

  test("init starts a fresh loop: old handles are bad, indices restart at 1", () => {
    let t = hostAlloc(KIND_TASK);
    command(OP_SCHEDULE, t, lastGen);
    let c = hostAlloc(KIND_CALLBACK);
    expect<i32>(hostArm(c, lastGen, 5)).toBe(OK);
    hostTick(0);
    init(false, 0);
    pending = 0;
    expect<i32>(checkHandle(t, 1)).toBe(E_BAD_HANDLE);
    expect<i32>(checkHandle(c, 1)).toBe(E_BAD_HANDLE);
    expect<i32>(hostTick(100)).toBe(0, "no timer survives init");
    expect<u32>(hostAlloc(KIND_CALLBACK)).toBe(1);
    hostStats();
    for (let i = 0; i < 11; i++) {
      if (i == 4) expect<f64>(stat(i)).toBe(1, "the new callback");
      else expect<f64>(stat(i)).toBe(0, "stat " + i.toString() + " after init");
    }
  });
});
