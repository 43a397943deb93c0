// Shared helpers for the core specs (not a spec itself: as-pect only runs *.spec.ts).

import {
  CANCELLED, CREATED, DONE, FREE, KIND_CALLBACK, KIND_TASK, READY, RUNNING, WAITING,
  countOf, slotCapacity, slotKind, slotState,
} from "../../assembly/slots";
import {
  E_BAD_COMMAND, E_BAD_DEADLINE, E_BAD_HANDLE, E_ILLEGAL_TRANSITION, E_STALE_HANDLE,
  E_TABLE_FULL, E_WRONG_KIND, OK,
} from "../../assembly/errors";

export function stateName(state: i32): string {
  switch (state) {
    case FREE: return "FREE";
    case CREATED: return "CREATED";
    case READY: return "READY";
    case RUNNING: return "RUNNING";
    case WAITING: return "WAITING";
    case DONE: return "DONE";
    case CANCELLED: return "CANCELLED";
  }
  return "state " + state.toString();
}

export function kindName(kind: u8): string {
  return kind == KIND_TASK ? "task" : kind == KIND_CALLBACK ? "callback" : "kind " + kind.toString();
}

export function codeName(code: i32): string {
  switch (code) {
    case OK: return "OK";
    case E_BAD_HANDLE: return "E_BAD_HANDLE";
    case E_STALE_HANDLE: return "E_STALE_HANDLE";
    case E_ILLEGAL_TRANSITION: return "E_ILLEGAL_TRANSITION";
    case E_WRONG_KIND: return "E_WRONG_KIND";
    case E_TABLE_FULL: return "E_TABLE_FULL";
    case E_BAD_COMMAND: return "E_BAD_COMMAND";
    case E_BAD_DEADLINE: return "E_BAD_DEADLINE";
  }
  return "code " + code.toString();
}

/**
 * Recounts every slot in the table by kind and state and compares the tally
 * with countOf(). FREE is never counted (countOf(kind, FREE) stays 0).
 */
export function expectCountsConsistent(context: string = ""): void {
  let tally = new StaticArray<u32>(3 * 7);
  let cap = slotCapacity();
  for (let i: u32 = 1; i < cap; i++) {
    let s = slotState(i);
    if (s == FREE) continue;
    let k = slotKind(i);
    if (k != KIND_TASK && k != KIND_CALLBACK) {
      expect<u8>(k).toBe(KIND_TASK, context + ": live slot " + i.toString() + " has no valid kind");
      return;
    }
    tally[<i32>k * 7 + <i32>s]++;
  }
  for (let k: u8 = KIND_TASK; k <= KIND_CALLBACK; k++) {
    for (let s: u8 = 0; s < 7; s++) {
      let want = tally[<i32>k * 7 + <i32>s];
      let got = countOf(k, s);
      if (got != want) {
        expect<u32>(got).toBe(want, context + ": countOf(" + kindName(k) + ", " + stateName(s) + ")");
      }
    }
  }
}

/** A tiny xorshift32, independent of the core's own generator (assembly/prng.ts). */
export class XorShift {
  constructor(public state: u32) {}
  next(): u32 {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x;
    return x;
  }
  /** An integer in [0, n). */
  below(n: u32): u32 {
    return this.next() % n;
  }
}
