// The timer heap (assembly/timers.ts), driven the way the loop drives it:
// armTimer / sleepUntil insert, cancelCallback / schedule remove by handle,
// advance(now) moves what is due to the ready ring.

import { init } from "../../assembly/index";
import { E_STALE_HANDLE, OK } from "../../assembly/errors";
import {
  KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, slotAlloc, slotGen, slotKind, slotState, slotTimer,
} from "../../assembly/slots";
import { ringLength, ringPeek } from "../../assembly/ring";
import {
  timerCount, timerDeadlineAt, timerNextDeadline, timerSeqAt,
} from "../../assembly/timers";
import {
  OUTBOX, advance, armTimer, cancelCallback, drain, finish, nextTimerSlot, releaseRan,
  schedule, sleepUntil, start, wake,
} from "../../assembly/scheduler";
import { XorShift, codeName, expectCountsConsistent } from "./helpers";

function ok(code: i32, what: string): void {
  if (code != OK) expect<string>(codeName(code)).toBe("OK", what);
}

/** A fresh callback armed at `deadline`; returns its index (generation 1 or reused). */
function callLater(deadline: f64): u32 {
  let c = <u32>slotAlloc(KIND_CALLBACK);
  ok(armTimer(c, slotGen(c), deadline), "armTimer");
  return c;
}

/** A fresh running task put to sleep until `deadline`. */
function sleeper(deadline: f64): u32 {
  let t = <u32>slotAlloc(KIND_TASK);
  ok(start(t, slotGen(t)), "start");
  ok(sleepUntil(t, slotGen(t), deadline), "sleepUntil");
  return t;
}

/** Drains the whole ring and expects exactly `want`, in order. */
function expectDrained(want: u32[], what: string): void {
  let n = drain(4096);
  expect<i32>(n).toBe(want.length, what + ": how many ran");
  for (let i = 0; i < min(n, want.length); i++) {
    expect<u32>(load<u32>(OUTBOX + (<usize>i << 2))).toBe(want[i], what + ": position " + i.toString());
  }
}

/**
 * Checks the heap property over every entry: no child comes before its parent
 * in (deadline, sequence) order.
 */
function expectHeapOrdered(what: string): void {
  let n = timerCount();
  for (let pos: u32 = 1; pos < n; pos++) {
    let parent = (pos - 1) >> 1;
    let dp = timerDeadlineAt(parent);
    let dc = timerDeadlineAt(pos);
    let okOrder = dp < dc || (dp == dc && <i32>(timerSeqAt(parent) - timerSeqAt(pos)) < 0);
    if (!okOrder) {
      expect<bool>(okOrder).toBe(true, what + ": heap order broken between " + parent.toString() + " and " + pos.toString());
      return;
    }
  }
}

describe("timer heap", () => {
  beforeEach(() => {
    init(false, 0);
  });

  test("the next deadline is -1 when no timer is armed", () => {
    expect<f64>(timerNextDeadline()).toBe(-1.0);
    expect<u32>(timerCount()).toBe(0);
    expect<u32>(nextTimerSlot()).toBe(0);
    let c = callLater(10);
    expect<f64>(timerNextDeadline()).toBe(10.0);
    expect<u32>(nextTimerSlot()).toBe(c);
    advance(10);
    expect<f64>(timerNextDeadline()).toBe(-1.0, "after the last timer fired");
    let d = callLater(20);
    ok(cancelCallback(d, slotGen(d)), "cancel");
    expect<f64>(timerNextDeadline()).toBe(-1.0, "after the last timer was cancelled");
  });

  test("the next deadline is the earliest one, whatever the arming order", () => {
    callLater(50);
    expect<f64>(timerNextDeadline()).toBe(50);
    callLater(70);
    expect<f64>(timerNextDeadline()).toBe(50);
    let t = sleeper(20);
    expect<f64>(timerNextDeadline()).toBe(20);
    expect<u32>(nextTimerSlot()).toBe(t);
    callLater(20.5);
    expect<f64>(timerNextDeadline()).toBe(20);
  });

  test("equal deadlines fire in the order they were armed", () => {
    let order = new Array<u32>();
    let later = 0;
    // Interleave tasks and callbacks, and arm later deadlines in between so
    // the heap has to move the equal ones around.
    for (let i = 0; i < 40; i++) {
      if (i % 3 == 0) {
        callLater(200 + <f64>i);
        later++;
      }
      order.push(i % 2 == 0 ? callLater(100) : sleeper(100));
    }
    expect<i32>(advance(100)).toBe(40);
    expectDrained(order, "equal deadlines");
    expect<u32>(timerCount()).toBe(<u32>later, "the later timers are still armed");
  });

  test("equal deadlines armed after earlier ones fired still keep arming order", () => {
    let a = callLater(10);
    let b = callLater(10);
    expect<i32>(advance(10)).toBe(2);
    let c = callLater(10);
    let d = sleeper(10);
    let e = callLater(10);
    expect<i32>(advance(10)).toBe(3);
    expectDrained([a, b, c, d, e], "two batches");
  });

  test("advance moves exactly the due timers, in deadline order, and returns how many", () => {
    let t30 = callLater(30);
    let t10a = callLater(10);
    let t20 = sleeper(20);
    let t10b = sleeper(10);
    let t40 = callLater(40);
    let t10c = callLater(10);
    expect<i32>(advance(5)).toBe(0, "nothing due at 5");
    expect<u32>(ringLength()).toBe(0);
    expect<i32>(advance(9.999)).toBe(0, "nothing due just before 10");
    expect<i32>(advance(10)).toBe(3, "a deadline equal to now is due");
    expect<u32>(ringLength()).toBe(3);
    expect<u32>(ringPeek(0)).toBe(t10a);
    expect<u32>(ringPeek(1)).toBe(t10b);
    expect<u32>(ringPeek(2)).toBe(t10c);
    expect<u8>(slotState(t10a)).toBe(READY);
    expect<u32>(slotTimer(t10a)).toBe(0, "a fired timer is no longer recorded in the slot");
    expect<u8>(slotState(t20)).toBe(WAITING);
    expect<f64>(timerNextDeadline()).toBe(20);
    expect<i32>(advance(25)).toBe(1);
    expect<u32>(ringPeek(3)).toBe(t20);
    expect<i32>(advance(1000)).toBe(2);
    expect<u32>(ringPeek(4)).toBe(t30);
    expect<u32>(ringPeek(5)).toBe(t40);
    expect<i32>(advance(1000)).toBe(0, "nothing fires twice");
    expect<u32>(timerCount()).toBe(0);
    expectDrained([t10a, t10b, t10c, t20, t30, t40], "all");
  });

  test("advance with time going backwards fires nothing new", () => {
    callLater(50);
    expect<i32>(advance(60)).toBe(1);
    let c = callLater(55);
    expect<i32>(advance(40)).toBe(0);
    expect<u8>(slotState(c)).toBe(WAITING);
  });

  test("deadlines in the past fire at the next advance; infinite ones only at advance(Infinity)", () => {
    let inf = callLater(Infinity);
    let past = callLater(-100);
    let neg = sleeper(-Infinity);
    expect<f64>(timerNextDeadline()).toBe(-Infinity);
    expect<i32>(advance(0)).toBe(2);
    expectDrained([neg, past], "past deadlines");
    expect<i32>(advance(1e300)).toBe(0);
    expect<i32>(advance(Infinity)).toBe(1);
    expectDrained([inf], "infinite deadline");
  });

  test("cancelCallback removes a timed callback from anywhere in the heap", () => {
    let slots = new Array<u32>();
    for (let i = 0; i < 31; i++) slots.push(callLater(<f64>((i * 17) % 31)));
    // Cancel the root, a leaf, the last entry and some in the middle.
    let root = nextTimerSlot();
    let victims: u32[] = [root, slots[30], slots[7], slots[12], slots[1], slots[29]];
    for (let i = 0; i < victims.length; i++) {
      let v = victims[i];
      let g = slotGen(v);
      ok(cancelCallback(v, g), "cancel " + v.toString());
      expect<i32>(checkHandle(v, g)).toBe(E_STALE_HANDLE, "a cancelled timed callback is freed");
      expect<u32>(slotTimer(v)).toBe(0);
      expectHeapOrdered("after cancelling " + v.toString());
    }
    expect<u32>(timerCount()).toBe(25);
    // The rest fire in deadline order, and none of the cancelled ones.
    let want = new Array<u32>();
    for (let d = 0; d < 31; d++) {
      for (let i = 0; i < 31; i++) {
        if ((i * 17) % 31 != d) continue;
        if (victims.includes(slots[i])) continue;
        want.push(slots[i]);
      }
    }
    expect<i32>(advance(1000)).toBe(25);
    expectDrained(want, "survivors");
  });

  test("every armed slot's recorded position points at its own entry", () => {
    let rng = new XorShift(99);
    let slots = new Array<u32>();
    let deadlines = new Array<f64>();
    for (let i = 0; i < 300; i++) {
      let d = <f64>rng.below(40);
      deadlines.push(d);
      slots.push(i % 2 == 0 ? callLater(d) : sleeper(d));
    }
    for (let i = 0; i < slots.length; i++) {
      let pos1 = slotTimer(slots[i]);
      expect<bool>(pos1 != 0).toBe(true);
      expect<f64>(timerDeadlineAt(pos1 - 1)).toBe(deadlines[i], "slot " + slots[i].toString());
      expect<u32>(timerSeqAt(pos1 - 1)).toBe(<u32>i, "sequence numbers count arming order");
    }
    expectHeapOrdered("300 entries");
  });

  test("schedule() on a sleeping task drops its timer and the task runs once", () => {
    let other = callLater(50);
    let t = sleeper(50);
    let later = callLater(60);
    let g = slotGen(t);
    ok(schedule(t, g), "wake early");
    expect<u8>(slotState(t)).toBe(READY);
    expect<u32>(slotTimer(t)).toBe(0);
    expect<u32>(timerCount()).toBe(2);
    expectHeapOrdered("after dropping the task's timer");
    expect<i32>(advance(100)).toBe(2, "only the callbacks' timers are left");
    expectDrained([t, other, later], "the woken task first, then the timers");
  });

  test("wake() on a sleeping task drops its timer; after the timer fired it is a no-op", () => {
    let t = sleeper(50);
    let u = sleeper(50);
    let c = callLater(50);
    expect<i32>(wake(t, slotGen(t))).toBe(1, "wake early: the sleep is cut short");
    expect<u8>(slotState(t)).toBe(READY);
    expect<u32>(slotTimer(t)).toBe(0);
    expect<u32>(timerCount()).toBe(2);
    expectHeapOrdered("after wake");
    expect<i32>(advance(50)).toBe(2);
    // u's timer has fired: waking it now changes nothing and does not queue it twice.
    expect<i32>(wake(u, slotGen(u))).toBe(0, "wake after the timer fired");
    expect<u32>(ringLength()).toBe(3);
    expectDrained([t, u, c], "each once");
  });

  test("a task that sleeps again after waking early gets a fresh timer", () => {
    let t = sleeper(50);
    let g = slotGen(t);
    ok(schedule(t, g), "wake early");
    expectDrained([t], "woken");
    ok(sleepUntil(t, g, 30), "sleep again");
    expect<u32>(timerCount()).toBe(1);
    expect<i32>(advance(40)).toBe(1);
    expect<i32>(advance(100)).toBe(0, "the dropped timer never fires");
    expectDrained([t], "second sleep");
  });

  test("the heap grows past 256 entries and still fires in (deadline, arming) order", () => {
    let rng = new XorShift(7);
    let n = 2000;
    let slots = new Array<u32>();
    let deadlines = new Array<f64>();
    for (let i = 0; i < n; i++) {
      let d = <f64>rng.below(100); // about 20 timers per deadline
      deadlines.push(d);
      slots.push(i % 5 == 0 ? sleeper(d) : callLater(d));
    }
    expect<u32>(timerCount()).toBe(<u32>n);
    expectHeapOrdered("2000 entries");
    let want = new Array<u32>();
    for (let d = 0; d < 100; d++) {
      for (let i = 0; i < n; i++) if (deadlines[i] == <f64>d) want.push(slots[i]);
    }
    expect<i32>(advance(1000)).toBe(n);
    for (let i = 0; i < n; i++) {
      if (ringPeek(<u32>i) != want[i]) {
        expect<u32>(ringPeek(<u32>i)).toBe(want[i], "position " + i.toString());
        return;
      }
    }
  });
});

// ---- the randomised test against a reference model ----

class Timed {
  constructor(
    public deadline: f64,
    public seq: u32,
    public slot: u32,
    public gen: u32,
    public isTask: bool,
  ) {}
}

const OPERATIONS = 100000;
const SEED: u32 = 0x5eed1234;

/** The reference: armed timers in (deadline, seq) order, kept sorted by linear insertion. */
let model = new Array<Timed>();
/** Slots expected in the ready ring, in order. */
let expectedReady = new Array<u32>();
let readyHead = 0;
/** Running tasks available to sleep, as (index, generation) pairs. */
let runningIdx = new Array<u32>();
let runningGen = new Array<u32>();
/** Recently freed handles: each must stay stale forever. */
let freedIdx = new Array<u32>();
let freedGen = new Array<u32>();
let now: f64 = 0;
let seq: u32 = 0;
/** Timers that fired in the same advance as an earlier one with the same deadline. */
let tiesFired = 0;
let failed = false;

function fail(what: string, got: f64, want: f64): void {
  if (failed) return;
  failed = true;
  expect<f64>(got).toBe(want, what);
}

function modelInsert(e: Timed): void {
  // After every entry with a deadline <= e's: e has the largest sequence yet.
  let i = model.length;
  while (i > 0 && model[i - 1].deadline > e.deadline) i--;
  model.push(e);
  for (let j = model.length - 1; j > i; j--) model[j] = model[j - 1];
  model[i] = e;
}

function modelRemoveAt(i: i32): void {
  for (let j = i; j < model.length - 1; j++) model[j] = model[j + 1];
  model.pop();
}

function rememberFreed(index: u32, gen: u32): void {
  if (freedIdx.length >= 256) {
    let k = <i32>(seq % 256);
    freedIdx[k] = index;
    freedGen[k] = gen;
  } else {
    freedIdx.push(index);
    freedGen.push(gen);
  }
}

function pickDeadline(rng: XorShift): f64 {
  let r = rng.below(100);
  if (r < 60) return Math.floor(now) + <f64>rng.below(64); // integers: many duplicates
  if (r < 75) return Math.floor(now / 50) * 50 + 50; // one "hot" deadline shared by many
  if (r < 90) return now + <f64>rng.below(4000) / 7.0; // fractional, mostly distinct
  if (r < 97) return now - <f64>rng.below(10); // already due
  return now; // due exactly now
}

function insert(rng: XorShift, step: i32): void {
  let deadline = pickDeadline(rng);
  let useTask = (rng.next() & 1) != 0;
  if (useTask) {
    let index: u32, gen: u32;
    if (runningIdx.length > 0 && (rng.next() & 3) != 0) {
      index = runningIdx.pop();
      gen = runningGen.pop();
    } else {
      index = <u32>slotAlloc(KIND_TASK);
      gen = slotGen(index);
      let err = start(index, gen);
      if (err != OK) fail("start at step " + step.toString(), err, OK);
    }
    let err = sleepUntil(index, gen, deadline);
    if (err != OK) fail("sleepUntil at step " + step.toString(), err, OK);
    modelInsert(new Timed(deadline, seq++, index, gen, true));
  } else {
    let index = <u32>slotAlloc(KIND_CALLBACK);
    let gen = slotGen(index);
    let err = armTimer(index, gen, deadline);
    if (err != OK) fail("armTimer at step " + step.toString(), err, OK);
    modelInsert(new Timed(deadline, seq++, index, gen, false));
  }
}

function cancelOne(rng: XorShift, step: i32): void {
  if (model.length == 0) return;
  let i = <i32>rng.below(<u32>model.length);
  let e = model[i];
  if (e.isTask) {
    // A sleeping task woken early (schedule or wake): its timer is dropped and it joins the ring now.
    let err = (rng.next() & 1) != 0 ? schedule(e.slot, e.gen) : wake(e.slot, e.gen) - 1; // wake answers 1
    if (err != OK) fail("schedule/wake at step " + step.toString(), err, OK);
    expectedReady.push(e.slot);
  } else {
    let err = cancelCallback(e.slot, e.gen);
    if (err != OK) fail("cancelCallback at step " + step.toString(), err, OK);
    rememberFreed(e.slot, e.gen);
  }
  modelRemoveAt(i);
}

/** Moves time to `t`: the model's due entries join the expected ring, and advance() must agree. */
function advanceTo(t: f64, step: i32): void {
  now = t;
  let due = 0;
  while (model.length > due && model[due].deadline <= now) due++;
  for (let i = 0; i < due; i++) {
    expectedReady.push(model[i].slot);
    if (i > 0 && model[i].deadline == model[i - 1].deadline) tiesFired++;
  }
  for (let i = 0; i < due; i++) modelRemoveAt(0); // simple, not fast
  let moved = advance(now);
  if (moved != due) fail("advance(" + now.toString() + ") count at step " + step.toString(), moved, due);
}

/**
 * Drains the ring in batches of random size and expects exactly the slots of
 * expectedReady, in order. Drained tasks either finish or wait to sleep again;
 * drained callbacks are freed by the next releaseRan().
 */
function drainAndCheck(rng: XorShift, step: i32): void {
  while (ringLength() > 0 && !failed) {
    let n = drain(1 + <i32>rng.below(300));
    for (let i = 0; i < n; i++) {
      let index = load<u32>(OUTBOX + (<usize>i << 2));
      if (readyHead >= expectedReady.length) {
        fail("drained more than expected at step " + step.toString(), index, -1);
        return;
      }
      let want = expectedReady[readyHead++];
      if (index != want) {
        fail("ready order at step " + step.toString() + ", entry " + i.toString(), index, want);
        return;
      }
      if (slotState(index) != RUNNING) fail("a drained slot is RUNNING", slotState(index), RUNNING);
      let gen = slotGen(index);
      if (slotKind(index) == KIND_TASK) {
        let fate = rng.below(4);
        if (fate == 0 || runningIdx.length > 400) {
          let err = finish(index, gen, (rng.next() & 1) != 0);
          if (err != OK) fail("finish at step " + step.toString(), err, OK);
          rememberFreed(index, gen);
        } else {
          runningIdx.push(index);
          runningGen.push(gen);
        }
      } else {
        rememberFreed(index, gen); // the callback ran: releaseRan frees it
      }
    }
    releaseRan();
  }
  if (readyHead != expectedReady.length) {
    fail("ready entries left undrained at step " + step.toString(), readyHead, expectedReady.length);
  }
  expectedReady = new Array<u32>();
  readyHead = 0;
}

function checkAgainstModel(step: i32, full: bool): void {
  if (timerCount() != <u32>model.length) fail("timerCount at step " + step.toString(), timerCount(), model.length);
  let next = model.length > 0 ? model[0].deadline : -1.0;
  if (timerNextDeadline() != next) fail("timerNextDeadline at step " + step.toString(), timerNextDeadline(), next);
  if (model.length > 0 && nextTimerSlot() != model[0].slot) {
    fail("nextTimerSlot at step " + step.toString(), nextTimerSlot(), model[0].slot);
  }
  if (!full || failed) return;
  let what = " at step " + step.toString();
  expectHeapOrdered("heap" + what);
  // Every armed slot points at its own entry, and the entry holds the model's deadline and sequence.
  for (let i = 0; i < model.length; i++) {
    let e = model[i];
    let pos1 = slotTimer(e.slot);
    if (pos1 == 0 || pos1 > timerCount()) {
      fail("slot " + e.slot.toString() + " timer position" + what, pos1, -1);
      return;
    }
    if (timerDeadlineAt(pos1 - 1) != e.deadline) fail("entry deadline" + what, timerDeadlineAt(pos1 - 1), e.deadline);
    if (timerSeqAt(pos1 - 1) != e.seq) fail("entry sequence" + what, timerSeqAt(pos1 - 1), e.seq);
    if (slotState(e.slot) != WAITING) fail("armed slot is WAITING" + what, slotState(e.slot), WAITING);
  }
  for (let i = 0; i < freedIdx.length; i++) {
    let err = checkHandle(freedIdx[i], freedGen[i]);
    if (err != E_STALE_HANDLE) fail("freed handle stays stale" + what, err, E_STALE_HANDLE);
  }
  expectCountsConsistent("counts" + what);
}

describe("timer heap against a reference model", () => {
  test("100,000 random inserts, cancels and advances (seed 0x5eed1234) match the model exactly", () => {
    init(false, 0);
    let rng = new XorShift(SEED);
    let maxLive = 0;
    let advances = 0;
    let fired = 0;
    for (let step = 0; step < OPERATIONS && !failed; step++) {
      // Alternate phases that fill the heap and phases that empty it.
      let filling = ((step / 10000) & 1) == 0;
      let r = rng.below(100);
      let insertBelow: u32 = filling ? 65 : 30;
      let cancelBelow: u32 = filling ? 70 : 50;
      if (r < insertBelow) {
        insert(rng, step);
      } else if (r < cancelBelow) {
        cancelOne(rng, step);
      } else {
        let before = model.length;
        // While filling, time mostly stands still so timers pile up.
        let standStill = filling ? (rng.next() & 15) != 0 : rng.below(4) == 0;
        advanceTo(standStill ? now : now + <f64>rng.below(24), step);
        drainAndCheck(rng, step);
        fired += before - model.length;
        advances++;
      }
      if (model.length > maxLive) maxLive = model.length;
      checkAgainstModel(step, step % 97 == 0);
    }
    checkAgainstModel(OPERATIONS, true);
    expect<bool>(failed).toBe(false);
    // The run covered what it is meant to cover.
    expect<bool>(maxLive > 256).toBe(true, "the heap grew past its first 256 entries (max live " + maxLive.toString() + ")");
    expect<bool>(fired > 10000).toBe(true, "many timers fired (" + fired.toString() + ")");
    expect<bool>(advances > 10000).toBe(true, "many advances");
    expect<bool>(tiesFired > 5000).toBe(true, "many timers fired alongside an equal deadline (" + tiesFired.toString() + ")");
  });
});

