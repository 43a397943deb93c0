// The slot table (assembly/slots.ts) as a table: growth, reuse under load,
// init, and the per-state counters. The transition table itself is covered
// state by state in transitions.spec.ts.

import { init } from "../../assembly/index";
import { E_BAD_HANDLE, E_STALE_HANDLE, OK } from "../../assembly/errors";
import {
  CREATED, KIND_CALLBACK, KIND_TASK, RUNNING, WAITING,
  checkHandle, countOf, setSlotTimer, slotAlloc, slotCapacity, slotGen, slotKind, slotState, slotTimer,
} from "../../assembly/slots";
import { ringLength } from "../../assembly/ring";
import { timerCount, timerDeadlineAt } from "../../assembly/timers";
import {
  OUTBOX, advance, armTimer, cancelCallback, drain, finish, releaseRan, schedule, sleepUntil, start,
  suspend,
} from "../../assembly/scheduler";
import { XorShift, codeName, expectCountsConsistent, stateName } from "./helpers";

function ok(code: i32, what: string): void {
  if (code != OK) expect<string>(codeName(code)).toBe("OK", what);
}

/**
 * The address of slot `a`'s generation field. No export sets a generation,
 * so find the slot records in linear memory: mark two neighbouring slots'
 * timer fields (record offset 8) and look for the marks.
 */
function generationField(a: u32, b: u32): usize {
  const MARK_A: u32 = 0x5a17c0de;
  const MARK_B: u32 = 0x5a17c0df;
  setSlotTimer(a, MARK_A);
  setSlotTimer(b, MARK_B);
  let atA: usize = 0;
  let atB: usize = 0;
  let end = <usize>memory.size() << 16;
  for (let p: usize = 0; p < end; p += 4) {
    let v = load<u32>(p);
    if (v == MARK_A) atA = p;
    else if (v == MARK_B) atB = p;
  }
  setSlotTimer(a, 0);
  setSlotTimer(b, 0);
  expect<bool>(atA != 0 && atB > atA).toBe(true, "found both records");
  let slotSize = atB - atA;
  expect<usize>(slotSize).toBe(24, "slot records are 24 bytes (slots.ts draws them)");
  let genOfA = atA - 8 + 4; // record start + 4
  expect<u32>(load<u32>(genOfA)).toBe(1, "the generation field sits at record offset 4");
  expect<u32>(load<u32>(genOfA + slotSize)).toBe(1, "and so does the neighbour's");
  return genOfA;
}

describe("slot table", () => {
  beforeEach(() => {
    init(false, 0);
  });

  test("starts with 1024 slots and never hands out slot 0", () => {
    expect<u32>(slotCapacity()).toBe(1024);
    expect<i32>(checkHandle(0, 0)).toBe(E_BAD_HANDLE);
    expect<i32>(checkHandle(0, 1)).toBe(E_BAD_HANDLE);
    expect<i32>(slotAlloc(KIND_TASK)).toBe(1);
  });

  test("growing past 1024 slots keeps every earlier handle valid and its state intact", () => {
    // 1023 slots fill the first table (slot 0 is reserved). Give them a mix of
    // states, timers and ring entries, then grow the table three times.
    let n = 1023;
    for (let i = 0; i < n; i++) {
      let kind = i % 2 == 0 ? KIND_TASK : KIND_CALLBACK;
      let index = <u32>slotAlloc(kind);
      expect<u32>(index).toBe(<u32>(i + 1));
      let k = i % 6;
      if (k == 1) ok(schedule(index, 1), "schedule");
      else if (k == 2 && kind == KIND_TASK) ok(start(index, 1), "start");
      else if (k == 3 && kind == KIND_CALLBACK) ok(armTimer(index, 1, <f64>(1000 + i)), "arm");
      else if (k == 4 && kind == KIND_TASK) {
        ok(start(index, 1), "start");
        ok(sleepUntil(index, 1, <f64>(1000 + i)), "sleep");
      }
    }
    expect<u32>(slotCapacity()).toBe(1024, "exactly full, not grown yet");
    let ready = ringLength();
    let timers = timerCount();
    let states = new Array<u8>();
    for (let i: u32 = 1; i <= <u32>n; i++) states.push(slotState(i));

    // 1024 → 2048 → 4096 → 8192
    for (let i = 0; i < 5000; i++) {
      let index = slotAlloc(KIND_CALLBACK);
      if (index != n + 1 + i) {
        expect<i32>(index).toBe(n + 1 + i, "fresh slots count up through the growth");
        return;
      }
    }
    expect<u32>(slotCapacity()).toBe(8192);

    for (let i: u32 = 1; i <= <u32>n; i++) {
      if (checkHandle(i, 1) != OK) {
        expect<string>(codeName(checkHandle(i, 1))).toBe("OK", "handle " + i.toString() + " after growth");
        return;
      }
      if (slotState(i) != states[i - 1]) {
        expect<string>(stateName(slotState(i))).toBe(stateName(states[i - 1]), "state of " + i.toString());
        return;
      }
      let kind = (i - 1) % 2 == 0 ? KIND_TASK : KIND_CALLBACK;
      expect<u8>(slotKind(i)).toBe(kind);
      if (slotState(i) == WAITING) {
        let pos1 = slotTimer(i);
        expect<f64>(timerDeadlineAt(pos1 - 1)).toBe(<f64>(1000 + i - 1), "timer of " + i.toString());
      }
    }
    expect<u32>(ringLength()).toBe(ready);
    expect<u32>(timerCount()).toBe(timers);
    expectCountsConsistent("after growth");

    // The grown table works: the old entries still run, in order.
    let drained = drain(4096);
    expect<i32>(drained).toBe(<i32>ready);
    expect<u32>(load<u32>(OUTBOX)).toBe(2, "the first scheduled slot");
    expect<i32>(advance(1e9)).toBe(<i32>timers);
  });

  test("slots freed after growth are reused LIFO, including ones from the first table", () => {
    for (let i = 0; i < 3000; i++) slotAlloc(KIND_CALLBACK);
    ok(cancelCallback(5, 1), "free 5");
    ok(cancelCallback(2500, 1), "free 2500");
    ok(cancelCallback(1024, 1), "free 1024");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(1024);
    expect<i32>(slotAlloc(KIND_TASK)).toBe(2500);
    expect<i32>(slotAlloc(KIND_TASK)).toBe(5);
    expect<u32>(slotGen(5)).toBe(2);
    expect<i32>(checkHandle(5, 1)).toBe(E_STALE_HANDLE);
    expect<i32>(slotAlloc(KIND_TASK)).toBe(3001);
  });

  test("a slot whose generation would wrap to 0 is retired, not reused", () => {
    let a = <u32>slotAlloc(KIND_CALLBACK);
    let b = <u32>slotAlloc(KIND_CALLBACK);
    let genOfA = generationField(a, b);

    // Give `a` the last generation, then free it.
    store<u32>(genOfA, 0xffffffff);
    expect<u32>(slotGen(a)).toBe(0xffffffff);
    expect<i32>(checkHandle(a, 0xffffffff)).toBe(OK);
    ok(cancelCallback(a, 0xffffffff), "free at the last generation");
    expect<u32>(slotGen(a)).toBe(0, "the generation wrapped");
    expect<i32>(checkHandle(a, 0xffffffff)).toBe(E_STALE_HANDLE, "the last handle is stale");
    expect<i32>(checkHandle(a, 0)).toBe(E_STALE_HANDLE, "generation 0 never names a live slot");
    // The slot is not on the free list: new slots come from elsewhere.
    ok(cancelCallback(b, 1), "free b");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(<i32>b, "b is reused");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(<i32>(b + 1), "then a fresh slot, never the retired one");
    for (let i = 0; i < 100; i++) expect<bool>(slotAlloc(KIND_CALLBACK) != <i32>a).toBe(true);
    expectCountsConsistent("after retiring");
  });

  test("a finished task at the last generation becomes its callbacks' entry without wrapping, then retires", () => {
    init(false, 0);
    let a = <u32>slotAlloc(KIND_TASK);
    let b = <u32>slotAlloc(KIND_TASK);
    let genOfA = generationField(a, b);
    store<u32>(genOfA, 0xffffffff);
    ok(start(a, 0xffffffff), "start at the last generation");
    ok(finish(a, 0xffffffff, false, true), "finish, notify");
    expect<u8>(slotKind(a)).toBe(KIND_CALLBACK, "the slot is its callbacks' entry");
    expect<u32>(slotGen(a)).toBe(0xffffffff, "the generation does not wrap to 0");
    expect<i32>(drain(10)).toBe(1, "handed out once");
    releaseRan();
    expect<i32>(checkHandle(a, 0xffffffff)).toBe(E_STALE_HANDLE, "freed after it ran: the last handle is stale");
    ok(start(b, 1), "start b");
    ok(finish(b, 1, false), "free b");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(<i32>b, "b is reused");
    for (let i = 0; i < 100; i++) expect<bool>(slotAlloc(KIND_CALLBACK) != <i32>a).toBe(true, "a is retired");
    expectCountsConsistent("after retiring a finished task's entry");
  });

  test("init empties the table but keeps its grown size", () => {
    let cap = slotCapacity();
    for (let i = 0; i < 10; i++) slotAlloc(KIND_TASK);
    init(false, 0);
    expect<u32>(slotCapacity()).toBe(cap);
    expect<i32>(checkHandle(1, 1)).toBe(E_BAD_HANDLE, "nothing is allocated after init");
    for (let s: u8 = 0; s < 7; s++) {
      expect<u32>(countOf(KIND_TASK, s)).toBe(0);
      expect<u32>(countOf(KIND_CALLBACK, s)).toBe(0);
    }
    expect<i32>(slotAlloc(KIND_CALLBACK)).toBe(1);
    expect<u32>(slotGen(1)).toBe(1, "generations restart with the table");
  });

  test("countOf tracks every kind and state through a random workload", () => {
    let rng = new XorShift(0xc0ffee);
    let live = new Array<u32>(); // indices; operations use the slot's current generation
    let now: f64 = 0;
    for (let step = 0; step < 20000; step++) {
      let r = rng.below(10);
      if (r < 3 || live.length == 0) {
        live.push(<u32>slotAlloc(rng.below(2) == 0 ? KIND_TASK : KIND_CALLBACK));
      } else if (r < 8) {
        // Some operation on a random live slot; refusals are fine, they must change nothing.
        let i = <i32>rng.below(<u32>live.length);
        let index = live[i];
        let gen = slotGen(index);
        let op = rng.below(8);
        if (op == 0) schedule(index, gen);
        else if (op == 1) start(index, gen);
        else if (op == 2) sleepUntil(index, gen, now + <f64>rng.below(50));
        else if (op == 3) armTimer(index, gen, now + <f64>rng.below(50));
        else if (op == 4) cancelCallback(index, gen);
        else if (op == 5 || op == 6) finish(index, gen, op == 6);
        else suspend(index, gen);
        if (checkHandle(index, gen) != OK) {
          live[i] = live[live.length - 1];
          live.pop();
        }
      } else {
        now += <f64>rng.below(20);
        advance(now);
        releaseRan();
        let n = drain(1 + <i32>rng.below(64));
        // Callbacks handed out are freed by the next releaseRan: forget them now.
        for (let k = 0; k < n; k++) {
          let index = load<u32>(OUTBOX + (<usize>k << 2));
          if (slotKind(index) == KIND_CALLBACK) {
            let j = live.indexOf(index);
            if (j >= 0) {
              live[j] = live[live.length - 1];
              live.pop();
            }
          }
        }
      }
      if (step % 250 == 0) expectCountsConsistent("step " + step.toString());
    }
    expectCountsConsistent("end");
    // The workload ends with slots spread over the states (so the tally above meant something).
    expect<bool>(countOf(KIND_TASK, CREATED) > 0).toBe(true, "tasks CREATED");
    expect<bool>(countOf(KIND_TASK, RUNNING) > 0).toBe(true, "tasks RUNNING");
    expect<bool>(countOf(KIND_TASK, WAITING) > 0).toBe(true, "tasks WAITING");
    expect<bool>(countOf(KIND_CALLBACK, CREATED) > 0).toBe(true, "callbacks CREATED");
  });
});
