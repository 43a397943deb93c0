// Wait lists (assembly/waitlists.ts): FIFO lines of waiting tasks linked
// through their own slot records. Waking takes from the head, removal
// unlinks from anywhere, and a list lives only while it has waiters.
// (Each slot operation against a task in a list is in transitions.spec.ts.)

import { init } from "../../assembly/index";
import { E_BAD_HANDLE, E_ILLEGAL_TRANSITION, E_STALE_HANDLE, OK } from "../../assembly/errors";
import {
  KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, slotAlloc, slotGen, slotState, slotWaitList, slotWaitNext, slotWaitPrev,
} from "../../assembly/slots";
import { ringLength, ringPeek } from "../../assembly/ring";
import { OUTBOX, drain, finish, start } from "../../assembly/scheduler";
import {
  checkList, listAlloc, listAt, listCount, listGen, removeWaiter, waitIn, waitListsLive, wakeFirst,
} from "../../assembly/waitlists";
import { XorShift, codeName, expectCountsConsistent } from "./helpers";

function ok(code: i32, what: string): void {
  if (code != OK) expect<string>(codeName(code)).toBe("OK", what);
}

/** A fresh running task. */
function runningTask(): u32 {
  let t = <u32>slotAlloc(KIND_TASK);
  ok(start(t, slotGen(t)), "start");
  return t;
}

/** A new list with `n` fresh tasks waiting in it, returned in line order after the list index. */
function line(n: i32): u32[] {
  let l = <u32>listAlloc();
  let out: u32[] = [l];
  for (let i = 0; i < n; i++) {
    let t = runningTask();
    ok(waitIn(t, slotGen(t), l, listGen(l)), "waitIn");
    out.push(t);
  }
  return out;
}

/** Expects list `l` to hold exactly `want`, in order, with consistent links both ways. */
function expectLine(l: u32, want: u32[], what: string): void {
  expect<u32>(listCount(l)).toBe(<u32>want.length, what + ": count");
  let prev: u32 = 0;
  for (let i = 0; i < want.length; i++) {
    let s = listAt(l, <u32>i);
    expect<u32>(s).toBe(want[i], what + ": position " + i.toString());
    expect<u32>(slotWaitList(s)).toBe(l, what + ": list of " + s.toString());
    expect<u32>(slotWaitPrev(s)).toBe(prev, what + ": prev of " + s.toString());
    expect<u8>(slotState(s)).toBe(WAITING, what + ": state of " + s.toString());
    prev = s;
  }
  if (want.length > 0) expect<u32>(slotWaitNext(prev)).toBe(0, what + ": the tail ends the line");
  expect<u32>(listAt(l, <u32>want.length)).toBe(0, what + ": nothing past the tail");
}

describe("wait lists", () => {
  beforeEach(() => {
    init(false, 0);
  });

  test("listAlloc hands out lists from index 1 with generation 1, empty and live", () => {
    let a = listAlloc();
    let b = listAlloc();
    expect<i32>(a).toBe(1);
    expect<i32>(b).toBe(2);
    expect<u32>(listGen(1)).toBe(1);
    expect<i32>(checkList(1, 1)).toBe(OK);
    expect<u32>(listCount(1)).toBe(0);
    expect<u32>(waitListsLive()).toBe(2);
    expect<i32>(wakeFirst(1, 1)).toBe(0, "waking an empty live list wakes nobody");
    expect<i32>(checkList(1, 1)).toBe(OK, "and leaves it live");
  });

  test("waiters wake first in, first out, and join the ready ring in that order", () => {
    let l = line(5);
    let list = l[0];
    let g = listGen(list);
    expectLine(list, l.slice(1), "five waiters");
    for (let i = 1; i <= 5; i++) {
      expect<i32>(wakeFirst(list, g)).toBe(<i32>l[i], "wake " + i.toString());
      expect<u8>(slotState(l[i])).toBe(READY);
      expect<u32>(slotWaitList(l[i])).toBe(0, "a woken task is out of the list");
      expect<u32>(ringPeek(<u32>(i - 1))).toBe(l[i]);
      if (i < 5) expectLine(list, l.slice(i + 1), "after waking " + i.toString());
    }
    expect<i32>(drain(4096)).toBe(5);
    for (let i = 0; i < 5; i++) expect<u32>(load<u32>(OUTBOX + (<usize>i << 2))).toBe(l[i + 1]);
  });

  test("a list is freed when its last waiter leaves: its handle goes stale and the index is reused", () => {
    let l = line(1);
    let list = l[0];
    expect<u32>(waitListsLive()).toBe(1);
    expect<i32>(wakeFirst(list, 1)).toBe(<i32>l[1]);
    expect<u32>(waitListsLive()).toBe(0);
    expect<i32>(checkList(list, 1)).toBe(E_STALE_HANDLE);
    expect<i32>(wakeFirst(list, 1)).toBe(E_STALE_HANDLE);
    let t = runningTask();
    expect<i32>(waitIn(t, slotGen(t), list, 1)).toBe(E_STALE_HANDLE, "joining a freed list is refused");
    expect<u8>(slotState(t)).toBe(RUNNING, "and changes nothing");
    expect<i32>(listAlloc()).toBe(<i32>list, "the freed list is reused");
    expect<u32>(listGen(list)).toBe(2, "with the next generation");
    expect<i32>(checkList(list, 1)).toBe(E_STALE_HANDLE);
    expect<i32>(checkList(list, 2)).toBe(OK);
  });

  test("freed lists are reused last-in first-out", () => {
    let a = line(1);
    let b = line(1);
    let c = line(1);
    ok(removeWaiter(a[1], slotGen(a[1])), "empty a");
    ok(removeWaiter(c[1], slotGen(c[1])), "empty c");
    expect<i32>(listAlloc()).toBe(<i32>c[0]);
    expect<i32>(listAlloc()).toBe(<i32>a[0]);
    expect<i32>(listAlloc()).toBe(<i32>(c[0] + 1));
    expect<i32>(checkList(b[0], 1)).toBe(OK);
  });

  test("removeWaiter takes a waiter from the head, the middle or the tail; the rest keep their order", () => {
    let l = line(6);
    let list = l[0];
    let rest = l.slice(1);
    // middle, head, tail, middle, then the last two
    let order: i32[] = [3, 0, 3, 1, 0, 0];
    for (let k = 0; k < order.length; k++) {
      let victim = rest[order[k]];
      ok(removeWaiter(victim, slotGen(victim)), "remove " + victim.toString());
      expect<u8>(slotState(victim)).toBe(READY);
      expect<u32>(slotWaitList(victim)).toBe(0);
      expect<u32>(slotWaitPrev(victim)).toBe(0, "links cleared");
      expect<u32>(slotWaitNext(victim)).toBe(0, "links cleared");
      rest.splice(order[k], 1);
      if (rest.length > 0) expectLine(list, rest, "after removing " + victim.toString());
    }
    expect<i32>(checkList(list, 1)).toBe(E_STALE_HANDLE, "emptied by removals: freed");
    expect<u32>(ringLength()).toBe(6);
    expectCountsConsistent("after removals");
  });

  test("removeWaiter refuses a task that is not in a list, and a second removal", () => {
    let l = line(2);
    let t = l[1];
    ok(removeWaiter(t, slotGen(t)), "first removal");
    expect<i32>(removeWaiter(t, slotGen(t))).toBe(E_ILLEGAL_TRANSITION, "already out (READY)");
    let r = runningTask();
    expect<i32>(removeWaiter(r, slotGen(r))).toBe(E_ILLEGAL_TRANSITION, "a running task");
    expect<i32>(removeWaiter(r, slotGen(r) + 1)).toBe(E_STALE_HANDLE);
    expect<i32>(removeWaiter(0, 1)).toBe(E_BAD_HANDLE);
    expectLine(l[0], [l[2]], "the other waiter is untouched");
  });

  test("bad and stale list handles are refused by waitIn and wakeFirst and change nothing", () => {
    let l = line(1);
    let t = runningTask();
    let g = slotGen(t);
    expect<i32>(waitIn(t, g, 0, 1)).toBe(E_BAD_HANDLE, "list 0");
    expect<i32>(waitIn(t, g, 99, 1)).toBe(E_BAD_HANDLE, "a list never handed out");
    expect<i32>(waitIn(t, g, l[0], 2)).toBe(E_STALE_HANDLE, "a wrong list generation");
    expect<i32>(waitIn(t, g + 1, l[0], 1)).toBe(E_STALE_HANDLE, "a wrong task generation");
    expect<i32>(wakeFirst(0, 1)).toBe(E_BAD_HANDLE);
    expect<i32>(wakeFirst(l[0], 0)).toBe(E_STALE_HANDLE);
    expect<u8>(slotState(t)).toBe(RUNNING);
    expect<u32>(slotWaitList(t)).toBe(0);
    expectLine(l[0], [l[1]], "unchanged");
    expect<u32>(ringLength()).toBe(0);
  });

  test("a woken waiter can run, wait again in another list and finish", () => {
    let a = line(1);
    let b = line(1);
    let t = a[1];
    let g = slotGen(t);
    expect<i32>(wakeFirst(a[0], 1)).toBe(<i32>t);
    expect<i32>(drain(4096)).toBe(1);
    ok(waitIn(t, g, b[0], 1), "wait in b");
    expectLine(b[0], [b[1], t], "behind b's first waiter");
    expect<i32>(wakeFirst(b[0], 1)).toBe(<i32>b[1]);
    expect<i32>(wakeFirst(b[0], 1)).toBe(<i32>t);
    expect<i32>(drain(4096)).toBe(2);
    ok(finish(t, g, false), "finish");
    expect<i32>(checkHandle(t, g)).toBe(E_STALE_HANDLE);
  });

  test("the list table grows past 256 lists and keeps every line intact", () => {
    let lines = new Array<u32[]>();
    for (let i = 0; i < 600; i++) lines.push(line(1 + (i % 3)));
    expect<u32>(waitListsLive()).toBe(600);
    for (let i = 0; i < lines.length; i++) {
      let l = lines[i];
      expect<i32>(checkList(l[0], 1)).toBe(OK);
      expect<u32>(listCount(l[0])).toBe(<u32>(l.length - 1));
      for (let k = 1; k < l.length; k++) {
        if (wakeFirst(l[0], 1) != <i32>l[k]) {
          expect<u32>(listAt(l[0], 0)).toBe(l[k], "list " + l[0].toString());
          return;
        }
      }
    }
    expect<u32>(waitListsLive()).toBe(0);
    expectCountsConsistent("after growth");
  });

  test("init empties every list", () => {
    let l = line(3);
    init(false, 0);
    expect<u32>(waitListsLive()).toBe(0);
    expect<i32>(checkList(l[0], 1)).toBe(E_BAD_HANDLE);
    expect<i32>(listAlloc()).toBe(1);
  });
});

// ---- against a reference model ----

/**
 * When model list `li` has no waiters left, the core must have freed it (its
 * handle is stale): checks that and drops it from the model. False on failure.
 */
function dropIfEmpty(listIdx: u32[], listG: u32[], waiters: Array<Array<u32>>, li: i32, step: i32): bool {
  if (waiters[li].length > 0) return true;
  let err = checkList(listIdx[li], listG[li]);
  if (err != E_STALE_HANDLE) {
    expect<string>(codeName(err)).toBe("E_STALE_HANDLE", "an emptied list is freed, step " + step.toString());
    return false;
  }
  let last = listIdx.length - 1;
  listIdx[li] = listIdx[last];
  listIdx.pop();
  listG[li] = listG[last];
  listG.pop();
  waiters[li] = waiters[last];
  waiters.pop();
  return true;
}

describe("wait lists against a reference model", () => {
  test("30,000 random waits, wakes and removals across many lists match FIFO lines exactly", () => {
    init(false, 0);
    let rng = new XorShift(0xa11ce);
    // The model: for each live list, its index, generation and waiters in order.
    let listIdx = new Array<u32>();
    let listG = new Array<u32>();
    let waiters = new Array<Array<u32>>();
    let expectedReady = new Array<u32>();
    let running = new Array<u32>();
    let maxLists = 0;
    let maxLine = 0;

    for (let step = 0; step < 30000; step++) {
      let r = rng.below(100);
      if (r < 45) {
        // A running task (new or reused) waits in a random live list or a new one.
        let t: u32;
        if (running.length > 0 && rng.below(3) != 0) {
          let k = <i32>rng.below(<u32>running.length);
          t = running[k];
          running[k] = running[running.length - 1];
          running.pop();
        } else {
          t = runningTask();
        }
        let li: i32;
        if (listIdx.length == 0 || rng.below(8) == 0) {
          let l = <u32>listAlloc();
          listIdx.push(l);
          listG.push(listGen(l));
          waiters.push(new Array<u32>());
          li = listIdx.length - 1;
        } else {
          li = <i32>rng.below(<u32>listIdx.length);
        }
        let err = waitIn(t, slotGen(t), listIdx[li], listG[li]);
        if (err != OK) {
          expect<string>(codeName(err)).toBe("OK", "waitIn at step " + step.toString());
          return;
        }
        waiters[li].push(t);
        if (waiters[li].length > maxLine) maxLine = waiters[li].length;
      } else if (r < 70 && listIdx.length > 0) {
        // Wake the first waiter of a random list.
        let li = <i32>rng.below(<u32>listIdx.length);
        let woke = wakeFirst(listIdx[li], listG[li]);
        let want = waiters[li].length > 0 ? <i32>waiters[li][0] : 0;
        if (woke != want) {
          expect<i32>(woke).toBe(want, "wakeFirst at step " + step.toString());
          return;
        }
        if (want != 0) {
          waiters[li].shift();
          expectedReady.push(<u32>want);
          if (!dropIfEmpty(listIdx, listG, waiters, li, step)) return;
        }
      } else if (r < 90 && listIdx.length > 0) {
        // Remove a random waiter from anywhere in a random list (a cancelled waiter).
        let li = <i32>rng.below(<u32>listIdx.length);
        if (waiters[li].length > 0) {
          let k = <i32>rng.below(<u32>waiters[li].length);
          let t = waiters[li][k];
          let err = removeWaiter(t, slotGen(t));
          if (err != OK) {
            expect<string>(codeName(err)).toBe("OK", "removeWaiter at step " + step.toString());
            return;
          }
          waiters[li].splice(k, 1);
          expectedReady.push(t);
          if (!dropIfEmpty(listIdx, listG, waiters, li, step)) return;
        }
      } else {
        // Run what is ready: it must be exactly what was woken, in order.
        let n = drain(4096);
        if (n != expectedReady.length) {
          expect<i32>(n).toBe(expectedReady.length, "drained at step " + step.toString());
          return;
        }
        for (let i = 0; i < n; i++) {
          let s = load<u32>(OUTBOX + (<usize>i << 2));
          if (s != expectedReady[i]) {
            expect<u32>(s).toBe(expectedReady[i], "ready order at step " + step.toString());
            return;
          }
          if (rng.below(4) == 0) ok(finish(s, slotGen(s), false), "finish");
          else running.push(s);
        }
        expectedReady = new Array<u32>();
      }
      if (listIdx.length > maxLists) maxLists = listIdx.length;
      if (step % 101 == 0) {
        for (let li = 0; li < listIdx.length; li++) {
          let w = waiters[li];
          let l = listIdx[li];
          if (checkList(l, listG[li]) != OK) {
            expect<string>(codeName(checkList(l, listG[li]))).toBe("OK", "a list with waiters is live");
            return;
          }
          if (listCount(l) != <u32>w.length) {
            expect<u32>(listCount(l)).toBe(<u32>w.length, "count of list " + l.toString() + " at step " + step.toString());
            return;
          }
          for (let k = 0; k < w.length; k++) {
            if (listAt(l, <u32>k) != w[k]) {
              expect<u32>(listAt(l, <u32>k)).toBe(w[k], "line of list " + l.toString() + " at step " + step.toString());
              return;
            }
          }
        }
        expect<u32>(waitListsLive()).toBe(<u32>listIdx.length, "live lists at step " + step.toString());
        expectCountsConsistent("step " + step.toString());
      }
    }
    expect<bool>(maxLists > 20).toBe(true, "many lists at once (" + maxLists.toString() + ")");
    expect<bool>(maxLine > 10).toBe(true, "long lines (" + maxLine.toString() + ")");
  });
});
