// The ready ring (assembly/ring.ts): first in, first out across wrap-around
// and across growth while wrapped.
//
// The ring is module state and never shrinks, so tests after the first growth
// work from ringCapacity() rather than assuming 1024.

import { ringCapacity, ringInit, ringLength, ringPeek, ringPush, ringShift } from "../../assembly/ring";
import { XorShift } from "./helpers";

/** Pushes `n` values counting up from `from`. */
function pushRun(from: u32, n: u32): void {
  for (let i: u32 = 0; i < n; i++) ringPush(from + i);
}

/** Shifts `n` values and expects them to count up from `from`. */
function expectRun(from: u32, n: u32, what: string): void {
  for (let i: u32 = 0; i < n; i++) {
    let got = ringShift();
    if (got != from + i) {
      expect<u32>(got).toBe(from + i, what + ": entry " + i.toString());
      return;
    }
  }
}

/** Expects ringPeek(i) to count up from `from` for the whole ring, without removing anything. */
function expectPeek(from: u32, what: string): void {
  let n = ringLength();
  for (let i: u32 = 0; i < n; i++) {
    let got = ringPeek(i);
    if (got != from + i) {
      expect<u32>(got).toBe(from + i, what + ": peek " + i.toString());
      return;
    }
  }
  expect<u32>(ringLength()).toBe(n, what + ": peek removes nothing");
}

describe("ready ring", () => {
  beforeEach(() => {
    ringInit();
  });

  test("starts empty with room for 1024 entries", () => {
    expect<u32>(ringLength()).toBe(0);
    expect<u32>(ringCapacity()).toBe(1024);
  });

  test("hands entries back in push order", () => {
    pushRun(100, 10);
    expect<u32>(ringLength()).toBe(10);
    expectPeek(100, "before shifting");
    expectRun(100, 10, "shift");
    expect<u32>(ringLength()).toBe(0);
  });

  test("keeps FIFO order when the head wraps past the end of the buffer", () => {
    // Move the head to 1000, then fill across the end: entries 0..23 sit at
    // positions 1000..1023 and the rest wrap to 0..
    let cap = ringCapacity();
    pushRun(0, cap - 24);
    expectRun(0, cap - 24, "first run");
    pushRun(5000, 1000);
    expect<u32>(ringCapacity()).toBe(cap, "no growth: never more than 1000 queued");
    expectPeek(5000, "wrapped");
    expectRun(5000, 1000, "wrapped run");
    expect<u32>(ringLength()).toBe(0);
  });

  test("interleaved push and shift wraps the head many times without growing", () => {
    let cap = ringCapacity();
    let next: u32 = 0;
    let expected: u32 = 0;
    pushRun(next, 300); // a standing backlog of 300
    next += 300;
    let travelled: u32 = 0;
    for (let round: u32 = 0; round < 200; round++) {
      let r = 1 + (round * 37) % 700; // never more than 1000 queued
      pushRun(next, r);
      next += r;
      expectRun(expected, r, "round " + round.toString());
      expected += r;
      travelled += r;
    }
    expect<bool>(travelled > 50 * cap).toBe(true, "the head went round the buffer dozens of times");
    expect<u32>(ringLength()).toBe(300);
    expect<u32>(ringCapacity()).toBe(cap);
    expectPeek(expected, "after 200 rounds");
    expectRun(expected, 300, "the backlog");
  });

  test("grows while wrapped without losing order (1024 → 2048)", () => {
    expect<u32>(ringCapacity()).toBe(1024, "first growth of this module's ring");
    pushRun(0, 700);
    expectRun(0, 700, "move the head to 700");
    pushRun(1, 1024); // fills the buffer exactly, wrapping at position 1024
    expect<u32>(ringCapacity()).toBe(1024, "full but not grown");
    expectPeek(1, "full and wrapped");
    ringPush(1025); // must grow: the run before the wrap (head at 700 of 1024) moves to the new end
    expect<u32>(ringCapacity()).toBe(2048);
    expect<u32>(ringLength()).toBe(1025);
    expectPeek(1, "after growth");
    expectRun(1, 1025, "after growth");
  });

  test("grows repeatedly (2048 → 4096 → 8192 → 16384), each time with the head wrapped", () => {
    let next: u32 = 0;
    let expected: u32 = 0;
    expect<u32>(ringCapacity()).toBe(2048, "grown once by the test before");
    for (let g = 0; g < 3; g++) {
      let cap = ringCapacity();
      // Move the head on by a third of the buffer (entries left from the
      // previous round stay queued in front).
      let shift = cap / 3;
      pushRun(next, shift);
      next += shift;
      expectRun(expected, shift, "advance head, capacity " + cap.toString());
      expected += shift;
      // Fill exactly (the head is mid-buffer, so this wraps), then one more.
      let room = cap - ringLength();
      pushRun(next, room);
      next += room;
      expect<u32>(ringCapacity()).toBe(cap, "full");
      ringPush(next++);
      expect<u32>(ringCapacity()).toBe(cap << 1, "grown");
      expectPeek(expected, "grown from " + cap.toString());
      // Take half out so the next round starts with live entries too.
      let half = ringLength() / 2;
      expectRun(expected, half, "half after growth from " + cap.toString());
      expected += half;
    }
    expect<u32>(ringCapacity()).toBe(16384);
    expectRun(expected, next - expected, "the rest");
    expect<u32>(ringLength()).toBe(0);
  });

  test("matches a reference queue under 200,000 random pushes and shifts", () => {
    let startCap = ringCapacity();
    let rng = new XorShift(0x1234567);
    let model = new Array<u32>(); // model[modelHead..] are the live entries
    let modelHead = 0;
    let value: u32 = 1;
    for (let i = 0; i < 200000; i++) {
      // Phases that favour pushing, then shifting, so the ring grows and drains.
      let pushBias: u32 = ((i / 50000) & 1) == 0 ? 70 : 30;
      if (rng.below(100) < pushBias) {
        ringPush(value);
        model.push(value);
        value++;
      } else if (ringLength() > 0) {
        let got = ringShift();
        let want = model[modelHead++];
        if (got != want) {
          expect<u32>(got).toBe(want, "shift at step " + i.toString());
          return;
        }
      }
      if (ringLength() != <u32>(model.length - modelHead)) {
        expect<u32>(ringLength()).toBe(model.length - modelHead, "length at step " + i.toString());
        return;
      }
      if (ringLength() > 0 && (i % 1000) == 0) {
        let k = rng.below(ringLength());
        expect<u32>(ringPeek(k)).toBe(model[modelHead + <i32>k], "peek at step " + i.toString());
      }
    }
    expect<bool>(ringCapacity() > startCap).toBe(true, "the run made the ring grow");
  });

  test("grows from a full buffer whose head is at 0 (not wrapped)", () => {
    let cap = ringCapacity();
    pushRun(0, cap);
    ringPush(cap);
    expect<u32>(ringCapacity()).toBe(cap << 1);
    expectRun(0, cap + 1, "after growth");
  });

  test("grows from a full buffer whose head is at the last position", () => {
    let cap = ringCapacity();
    pushRun(0, cap - 1);
    expectRun(0, cap - 1, "head to the last position");
    pushRun(10, cap + 1);
    expect<u32>(ringCapacity()).toBe(cap << 1);
    expectRun(10, cap + 1, "after growth");
  });

  test("ringInit empties the ring and keeps the grown buffer", () => {
    let cap = ringCapacity();
    pushRun(0, cap + 1);
    expect<u32>(ringCapacity()).toBe(cap << 1);
    ringInit();
    expect<u32>(ringLength()).toBe(0);
    expect<u32>(ringCapacity()).toBe(cap << 1);
    pushRun(7, 5);
    expectRun(7, 5, "after init");
  });
});
