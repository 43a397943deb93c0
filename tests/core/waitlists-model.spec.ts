// Wait lists (assembly/waitlists.ts) as the synchronisation primitives use
// them: only a RUNNING task joins a line, a task in a line leaves it only
// through the list (wakeFirst, removeWaiter), old handles of freed lists and
// slots never alias their reuse, countOf(task, WAITING) follows lines and
// sleepers alike, and a 50,000-step randomised run against plain arrays.
// (The list basics are in waitlists.spec.ts, every slot operation against a
// task in a list in transitions.spec.ts.)

import { init } from "../../assembly/index";
import { E_ILLEGAL_TRANSITION, E_STALE_HANDLE, E_WRONG_KIND, OK } from "../../assembly/errors";
import {
  CREATED, KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  countOf, slotAlloc, slotGen, slotState, slotTimer, slotWaitList,
} from "../../assembly/slots";
import { ringLength, ringPeek } from "../../assembly/ring";
import {
  OUTBOX, advance, drain, finish, schedule, sleepUntil, start, suspend, wake,
} from "../../assembly/scheduler";
import { timerCount } from "../../assembly/timers";
import {
  checkList, listAlloc, listAt, listCount, listGen, removeWaiter, waitIn, waitListsLive, wakeFirst,
} from "../../assembly/waitlists";
import { XorShift, codeName, expectCountsConsistent, stateName } from "./helpers";

function ok(code: i32, what: string): void {
  if (code != OK) expect<string>(codeName(code)).toBe("OK", what);
}

function expectCode(code: i32, want: i32, what: string): void {
  expect<string>(codeName(code)).toBe(codeName(want), what);
}

/** A fresh task, started (RUNNING). */
function runningTask(): u32 {
  let t = <u32>slotAlloc(KIND_TASK);
  ok(start(t, slotGen(t)), "start");
  return t;
}

/** The waiters of list `l` from head to tail, as the core links them. */
function lineOf(l: u32): u32[] {
  let out = new Array<u32>();
  let n = listCount(l);
  for (let i: u32 = 0; i < n; i++) out.push(listAt(l, i));
  return out;
}

function sameLine(got: u32[], want: u32[]): bool {
  if (got.length != want.length) return false;
  for (let i = 0; i < got.length; i++) if (got[i] != want[i]) return false;
  return true;
}

function lineText(line: u32[]): string {
  let s = "[";
  for (let i = 0; i < line.length; i++) s += (i > 0 ? " " : "") + line[i].toString();
  return s + "]";
}

describe("who may wait in a line", () => {
  beforeEach(() => {
    init(false, 0);
  });

  test("only a RUNNING task can join: CREATED, READY, WAITING, sleeping or already-queued ones are refused", () => {
    let l = <u32>listAlloc();
    let g = listGen(l);
    let head = runningTask();
    ok(waitIn(head, slotGen(head), l, g), "the line's first waiter");

    let created = <u32>slotAlloc(KIND_TASK);
    let ready = <u32>slotAlloc(KIND_TASK);
    ok(schedule(ready, slotGen(ready)), "ready");
    let suspended = runningTask();
    ok(suspend(suspended, slotGen(suspended)), "suspend");
    let sleeping = runningTask();
    ok(sleepUntil(sleeping, slotGen(sleeping), 50), "sleep");

    let subjects: u32[] = [created, ready, suspended, sleeping, head];
    let names: string[] = ["CREATED", "READY", "WAITING (suspended)", "WAITING (sleeping)", "already in the line"];
    let ring = ringLength();
    let timers = timerCount();
    for (let i = 0; i < subjects.length; i++) {
      let t = subjects[i];
      let before = slotState(t);
      expectCode(waitIn(t, slotGen(t), l, g), E_ILLEGAL_TRANSITION, names[i]);
      expect<string>(stateName(slotState(t))).toBe(stateName(before), names[i] + ": state unchanged");
    }
    expect<u32>(listCount(l)).toBe(1, "the line is unchanged");
    expect<u32>(listAt(l, 0)).toBe(head);
    expect<u32>(ringLength()).toBe(ring, "ring unchanged");
    expect<u32>(timerCount()).toBe(timers, "timers unchanged");
    expect<u32>(slotTimer(sleeping) != 0 ? 1 : 0).toBe(1, "the sleeper keeps its timer");
    expectCountsConsistent("after refused joins");
  });

  test("a finished task's handle is stale and a callback is the wrong kind", () => {
    let l = <u32>listAlloc();
    let g = listGen(l);
    let done = runningTask();
    let doneGen = slotGen(done);
    ok(finish(done, doneGen, false), "finish");
    expectCode(waitIn(done, doneGen, l, g), E_STALE_HANDLE, "finished task");
    let cb = <u32>slotAlloc(KIND_CALLBACK);
    ok(schedule(cb, slotGen(cb)), "callback ready");
    expectCode(drain(4096), 1, "callback drained to RUNNING");
    expect<u8>(slotState(cb)).toBe(RUNNING);
    expectCode(waitIn(cb, slotGen(cb), l, g), E_WRONG_KIND, "running callback");
    expect<u32>(listCount(l)).toBe(0);
  });

  test("a task in a line leaves it only through the list: schedule, wake, suspend, sleep, start and finish are refused", () => {
    let l = <u32>listAlloc();
    let g = listGen(l);
    let a = runningTask();
    let b = runningTask();
    let c = runningTask();
    ok(waitIn(a, slotGen(a), l, g), "a");
    ok(waitIn(b, slotGen(b), l, g), "b");
    ok(waitIn(c, slotGen(c), l, g), "c");
    let gb = slotGen(b);
    expectCode(schedule(b, gb), E_ILLEGAL_TRANSITION, "schedule");
    expectCode(wake(b, gb), E_ILLEGAL_TRANSITION, "wake");
    expectCode(suspend(b, gb), E_ILLEGAL_TRANSITION, "suspend");
    expectCode(sleepUntil(b, gb, 10), E_ILLEGAL_TRANSITION, "sleepUntil");
    expectCode(start(b, gb), E_ILLEGAL_TRANSITION, "start");
    expectCode(finish(b, gb, false), E_ILLEGAL_TRANSITION, "finish");
    expectCode(finish(b, gb, true), E_ILLEGAL_TRANSITION, "finish(cancelled)");
    expect<u8>(slotState(b)).toBe(WAITING);
    expect<u32>(slotWaitList(b)).toBe(l);
    expect<bool>(sameLine(lineOf(l), [a, b, c])).toBe(true, "line intact: " + lineText(lineOf(l)));
    expect<u32>(ringLength()).toBe(0, "nothing became ready");
    expect<u32>(timerCount()).toBe(0, "no timer was armed");
    // Through the list it works, and then the ordinary moves apply again.
    ok(removeWaiter(b, gb), "remove b");
    expect<u8>(slotState(b)).toBe(READY);
    expectCode(drain(4096), 1, "b drained");
    ok(sleepUntil(b, gb, 10), "b, RUNNING again, may sleep");
    expectCountsConsistent("end");
  });
});

describe("old handles never alias a reused list or slot", () => {
  beforeEach(() => {
    init(false, 0);
  });

  test("wakeFirst with a freed list's handle is E_STALE_HANDLE and leaves the list now reusing the index alone", () => {
    let l = <u32>listAlloc();
    let oldGen = listGen(l);
    let t = runningTask();
    ok(waitIn(t, slotGen(t), l, oldGen), "join");
    expect<i32>(wakeFirst(l, oldGen)).toBe(<i32>t, "the only waiter");
    expect<u32>(waitListsLive()).toBe(0, "freed");
    expectCode(wakeFirst(l, oldGen), E_STALE_HANDLE, "the old handle, list freed");

    let again = <u32>listAlloc();
    expect<u32>(again).toBe(l, "the index is reused");
    let newGen = listGen(again);
    expect<u32>(newGen).toBe(oldGen + 1);
    let x = runningTask();
    let y = runningTask();
    ok(waitIn(x, slotGen(x), again, newGen), "x");
    ok(waitIn(y, slotGen(y), again, newGen), "y");
    let ring = ringLength();
    expectCode(wakeFirst(l, oldGen), E_STALE_HANDLE, "the old handle, index reused");
    let z = runningTask();
    expectCode(waitIn(z, slotGen(z), l, oldGen), E_STALE_HANDLE, "joining through the old handle");
    expect<u8>(slotState(z)).toBe(RUNNING);
    expect<bool>(sameLine(lineOf(again), [x, y])).toBe(true, "the new line is untouched");
    expect<u32>(ringLength()).toBe(ring);
  });

  test("removeWaiter with a finished task's handle is E_STALE_HANDLE even when its slot now waits for someone else", () => {
    let l = <u32>listAlloc();
    let g = listGen(l);
    let first = runningTask();
    ok(waitIn(first, slotGen(first), l, g), "first");
    let gone = runningTask();
    let goneGen = slotGen(gone);
    ok(finish(gone, goneGen, false), "finish");
    let reused = <u32>slotAlloc(KIND_TASK);
    expect<u32>(reused).toBe(gone, "the slot is reused");
    ok(start(reused, slotGen(reused)), "start");
    ok(waitIn(reused, slotGen(reused), l, g), "the new owner waits");
    expectCode(removeWaiter(gone, goneGen), E_STALE_HANDLE, "stale task handle");
    expect<bool>(sameLine(lineOf(l), [first, reused])).toBe(true, "line intact: " + lineText(lineOf(l)));
    expect<u8>(slotState(reused)).toBe(WAITING);
  });
});

describe("counts", () => {
  beforeEach(() => {
    init(false, 0);
  });

  test("countOf(task, WAITING) counts waiters in lines and sleepers, and follows every wake and removal", () => {
    let l1 = <u32>listAlloc();
    let l2 = <u32>listAlloc();
    let tasks = new Array<u32>();
    for (let i = 0; i < 6; i++) {
      let t = runningTask();
      tasks.push(t);
      let l = i % 2 == 0 ? l1 : l2;
      ok(waitIn(t, slotGen(t), l, listGen(l)), "join");
    }
    let sleeper = runningTask();
    ok(sleepUntil(sleeper, slotGen(sleeper), 5), "sleep");
    expect<u32>(countOf(KIND_TASK, WAITING)).toBe(7);
    expect<u32>(countOf(KIND_TASK, RUNNING)).toBe(0);
    expect<u32>(waitListsLive()).toBe(2);

    expect<i32>(wakeFirst(l1, listGen(l1))).toBe(<i32>tasks[0]);
    ok(removeWaiter(tasks[3], slotGen(tasks[3])), "remove from l2's middle");
    expect<u32>(countOf(KIND_TASK, WAITING)).toBe(5);
    expect<u32>(countOf(KIND_TASK, READY)).toBe(2);
    expect<i32>(advance(5)).toBe(1, "the sleeper's timer");
    expect<u32>(countOf(KIND_TASK, WAITING)).toBe(4);
    expect<u32>(countOf(KIND_TASK, READY)).toBe(3);
    // The ring holds them in the order they became ready.
    expect<u32>(ringPeek(0)).toBe(tasks[0]);
    expect<u32>(ringPeek(1)).toBe(tasks[3]);
    expect<u32>(ringPeek(2)).toBe(sleeper);
    expectCountsConsistent("midway");

    while (wakeFirst(l1, listGen(l1)) > 0) {}
    expect<u32>(waitListsLive()).toBe(1, "l1 emptied and freed");
    expect<i32>(wakeFirst(l2, listGen(l2))).toBe(<i32>tasks[1]);
    expect<i32>(wakeFirst(l2, listGen(l2))).toBe(<i32>tasks[5]);
    expect<u32>(waitListsLive()).toBe(0);
    expect<u32>(countOf(KIND_TASK, WAITING)).toBe(0);
    expect<u32>(countOf(KIND_TASK, READY)).toBe(7);
    expect<i32>(drain(4096)).toBe(7);
    expect<u32>(countOf(KIND_TASK, RUNNING)).toBe(7);
    expect<u32>(countOf(KIND_TASK, CREATED)).toBe(0);
    expectCountsConsistent("end");
  });
});

// ---- randomised, against plain arrays ----

/** Model lines for PRIMITIVES primitives; each owns a core list only while it has waiters (as the host does). */
const PRIMITIVES = 12;
const STEPS = 50000;

let rng = new XorShift(0x5eed5);
let listIndex = new StaticArray<u32>(PRIMITIVES); // 0: no list now
let listGeneration = new StaticArray<u32>(PRIMITIVES);
let lines = new Array<Array<u32>>();
let running = new Array<u32>(); // tasks RUNNING, free to join a line, sleep or finish
let sleepers = new Array<u32>(); // tasks WAITING on a timer
let readyOrder = new Array<u32>(); // the ring, as the model expects it
let clock: f64 = 0;

function takeRunning(): u32 {
  if (running.length == 0 || rng.below(6) == 0) return runningTask();
  let k = <i32>rng.below(<u32>running.length);
  let t = running[k];
  running[k] = running[running.length - 1];
  running.pop();
  return t;
}

/** After a waiter left primitive `p`'s line: when it is empty the core freed the list; check and forget it. */
function afterLeave(p: i32, step: i32): bool {
  if (lines[p].length > 0) return true;
  let err = checkList(listIndex[p], listGeneration[p]);
  if (err != E_STALE_HANDLE) {
    expect<string>(codeName(err)).toBe("E_STALE_HANDLE", "emptied list freed, step " + step.toString());
    return false;
  }
  listIndex[p] = 0;
  return true;
}

function stepJoin(step: i32): bool {
  let p = <i32>rng.below(PRIMITIVES);
  let t = takeRunning();
  if (listIndex[p] == 0) {
    let l = listAlloc();
    if (l <= 0) {
      expect<string>(codeName(l)).toBe("a list index", "listAlloc, step " + step.toString());
      return false;
    }
    listIndex[p] = <u32>l;
    listGeneration[p] = listGen(<u32>l);
  }
  let err = waitIn(t, slotGen(t), listIndex[p], listGeneration[p]);
  if (err != OK) {
    expect<string>(codeName(err)).toBe("OK", "waitIn, step " + step.toString());
    return false;
  }
  lines[p].push(t);
  return true;
}

function stepWake(step: i32): bool {
  let p = <i32>rng.below(PRIMITIVES);
  if (listIndex[p] == 0) return true; // the host never wakes a list it does not hold
  let woke = wakeFirst(listIndex[p], listGeneration[p]);
  let want = <i32>lines[p][0];
  if (woke != want) {
    expect<i32>(woke).toBe(want, "wakeFirst of primitive " + p.toString() + ", step " + step.toString());
    return false;
  }
  lines[p].shift();
  readyOrder.push(<u32>want);
  return afterLeave(p, step);
}

function stepRemove(step: i32): bool {
  let p = <i32>rng.below(PRIMITIVES);
  if (listIndex[p] == 0) return true;
  let line = lines[p];
  let k = <i32>rng.below(<u32>line.length);
  let t = line[k];
  let err = removeWaiter(t, slotGen(t));
  if (err != OK) {
    expect<string>(codeName(err)).toBe("OK", "removeWaiter, step " + step.toString());
    return false;
  }
  line.splice(k, 1);
  readyOrder.push(t);
  return afterLeave(p, step);
}

function stepSleep(step: i32): bool {
  let t = takeRunning();
  let err = sleepUntil(t, slotGen(t), clock + 1);
  if (err != OK) {
    expect<string>(codeName(err)).toBe("OK", "sleepUntil, step " + step.toString());
    return false;
  }
  sleepers.push(t);
  return true;
}

/** Time passes by 1: the sleepers join the ring (armed at one deadline, in arming order), then the ring drains. */
function stepTick(step: i32): bool {
  clock += 1;
  let moved = advance(clock);
  if (moved != sleepers.length) {
    expect<i32>(moved).toBe(sleepers.length, "timers fired, step " + step.toString());
    return false;
  }
  for (let i = 0; i < sleepers.length; i++) readyOrder.push(sleepers[i]);
  sleepers = new Array<u32>();
  let n = drain(4096);
  if (n != readyOrder.length) {
    expect<i32>(n).toBe(readyOrder.length, "drained, step " + step.toString());
    return false;
  }
  for (let i = 0; i < n; i++) {
    let s = load<u32>(OUTBOX + (<usize>i << 2));
    if (s != readyOrder[i]) {
      expect<u32>(s).toBe(readyOrder[i], "ready order, step " + step.toString());
      return false;
    }
    // Some finish (their slots are reused with a new generation), the rest run on.
    if (rng.below(5) == 0) ok(finish(s, slotGen(s), rng.below(2) == 0), "finish");
    else running.push(s);
  }
  readyOrder = new Array<u32>();
  return true;
}

/** Every line, count and the live-list total against the model. */
function checkAll(step: i32): bool {
  let live: u32 = 0;
  let waiting: u32 = <u32>sleepers.length;
  for (let p = 0; p < PRIMITIVES; p++) {
    let want = lines[p];
    waiting += <u32>want.length;
    if (listIndex[p] == 0) continue;
    live++;
    let got = lineOf(listIndex[p]);
    if (!sameLine(got, want)) {
      expect<string>(lineText(got)).toBe(lineText(want), "line of primitive " + p.toString() + ", step " + step.toString());
      return false;
    }
  }
  if (waitListsLive() != live) {
    expect<u32>(waitListsLive()).toBe(live, "live lists, step " + step.toString());
    return false;
  }
  if (countOf(KIND_TASK, WAITING) != waiting) {
    expect<u32>(countOf(KIND_TASK, WAITING)).toBe(waiting, "countOf(task, WAITING), step " + step.toString());
    return false;
  }
  if (countOf(KIND_TASK, READY) != <u32>readyOrder.length) {
    expect<u32>(countOf(KIND_TASK, READY)).toBe(<u32>readyOrder.length, "countOf(task, READY), step " + step.toString());
    return false;
  }
  if (countOf(KIND_TASK, RUNNING) != <u32>running.length) {
    expect<u32>(countOf(KIND_TASK, RUNNING)).toBe(<u32>running.length, "countOf(task, RUNNING), step " + step.toString());
    return false;
  }
  return true;
}

describe("wait lists against plain arrays", () => {
  test("50,000 random joins, wakes, removals, sleeps and ticks across 12 primitives keep every line exact", () => {
    init(false, 0);
    for (let p = 0; p < PRIMITIVES; p++) lines.push(new Array<u32>());
    let joins = 0;
    let wakes = 0;
    let removals = 0;
    let longest = 0;
    for (let step = 0; step < STEPS; step++) {
      let r = rng.below(100);
      let fine = true;
      if (r < 40) {
        fine = stepJoin(step);
        joins++;
      } else if (r < 62) {
        fine = stepWake(step);
        wakes++;
      } else if (r < 84) {
        fine = stepRemove(step);
        removals++;
      } else if (r < 92) {
        fine = stepSleep(step);
      } else {
        fine = stepTick(step);
      }
      if (!fine) return;
      // Cheap checks every step, the full lines every 97 steps.
      if (countOf(KIND_TASK, WAITING) < <u32>sleepers.length) {
        expect<u32>(countOf(KIND_TASK, WAITING)).toBe(<u32>sleepers.length, "waiting count, step " + step.toString());
        return;
      }
      if (ringLength() != <u32>readyOrder.length) {
        expect<u32>(ringLength()).toBe(<u32>readyOrder.length, "ring length, step " + step.toString());
        return;
      }
      for (let p = 0; p < PRIMITIVES; p++) {
        let n = lines[p].length;
        if (n > longest) longest = n;
        let got: u32 = listIndex[p] == 0 ? 0 : listCount(listIndex[p]);
        if (got != <u32>n) {
          expect<u32>(got).toBe(<u32>n, "count of primitive " + p.toString() + ", step " + step.toString());
          return;
        }
      }
      if (step % 97 == 0 && !checkAll(step)) return;
    }
    if (!checkAll(STEPS)) return;
    expectCountsConsistent("after the run");
    // Wake everything left, in order, and every list is freed.
    for (let p = 0; p < PRIMITIVES; p++) {
      while (lines[p].length > 0) {
        let woke = wakeFirst(listIndex[p], listGeneration[p]);
        expect<i32>(woke).toBe(<i32>lines[p].shift(), "final wake of primitive " + p.toString());
      }
    }
    expect<u32>(waitListsLive()).toBe(0);
    expect<bool>(joins > 15000 && wakes > 8000 && removals > 8000).toBe(true, "a real mix of operations");
    expect<bool>(longest >= 20).toBe(true, "long lines formed (" + longest.toString() + ")");
  });
});
