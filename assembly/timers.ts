// The timer heap: a binary min-heap of (deadline, sequence) → slot.
//
// Ground rules
// - Entries order by deadline, then by insertion sequence, so timers with
//   equal deadlines fire in the order they were armed.
// - A slot has at most one timer; the slot records its entry's position
//   (+1) so cancel by handle is O(log n) with no tombstones left behind.
// - Sequence numbers are u32 and compared by wrapping difference, which is
//   exact while fewer than 2^31 timers are armed at once.
// - The heap grows by doubling in the arena (arena.ts), which may move it:
//   positions survive growth, addresses do not.
//
// Entry, ENTRY_SIZE bytes:
//
//   0                   8            12           16
//   +-------------------+------------+------------+
//   | deadline f64 (ms) | seq u32    | slot u32   |
//   +-------------------+------------+------------+

import { arenaAlloc, arenaResize } from "./arena";
import { setSlotTimer } from "./slots";

// @ts-ignore: decorator
@inline const ENTRY_SIZE: usize = 16;
/** First heap size: 256 entries = 4 KiB. */
// @ts-ignore: decorator
@inline const INITIAL_CAPACITY: u32 = 256;

let entries: usize = 0;
let capacity: u32 = 0;
let size: u32 = 0;
let nextSeq: u32 = 0;

// @ts-ignore: decorator
@inline function at(pos: u32): usize {
  return entries + <usize>pos * ENTRY_SIZE;
}

// @ts-ignore: decorator
@inline function before(a: usize, b: usize): bool {
  let da = load<f64>(a, 0);
  let db = load<f64>(b, 0);
  if (da != db) return da < db;
  return <i32>(load<u32>(a, 8) - load<u32>(b, 8)) < 0;
}

/** Empties the heap (a fresh loop). */
export function timersInit(): void {
  if (entries == 0) {
    entries = arenaAlloc(<usize>INITIAL_CAPACITY * ENTRY_SIZE);
    capacity = INITIAL_CAPACITY;
  }
  size = 0;
  nextSeq = 0;
}

/** Timers armed. */
// @ts-ignore: decorator
@inline export function timerCount(): u32 {
  return size;
}

/** Entries the heap holds before it must grow (tests). */
export function timerCapacity(): u32 {
  return capacity;
}

/** The earliest deadline, or -1 when no timer is armed. */
export function timerNextDeadline(): f64 {
  return size == 0 ? -1.0 : load<f64>(entries, 0);
}

/** The slot of the earliest timer; the caller has checked timerCount() > 0. */
export function timerPeekSlot(): u32 {
  return load<u32>(entries, 12);
}

/** Arms a timer for `slot` (which has none) at `deadline`. */
export function timerInsert(slot: u32, deadline: f64): void {
  if (size == capacity) grow();
  let pos = size++;
  let e = at(pos);
  store<f64>(e, deadline, 0);
  store<u32>(e, nextSeq++, 8);
  store<u32>(e, slot, 12);
  setSlotTimer(slot, pos + 1);
  siftUp(pos);
}

/** Removes the timer at heap position `pos1 - 1` (as recorded in its slot). */
export function timerRemove(pos1: u32): void {
  let pos = pos1 - 1;
  assert(pos < size, "timer position out of range");
  setSlotTimer(load<u32>(at(pos), 12), 0);
  let last = --size;
  if (pos == last) return;
  memory.copy(at(pos), at(last), ENTRY_SIZE);
  setSlotTimer(load<u32>(at(pos), 12), pos + 1);
  // The moved entry may belong above or below its new place.
  if (pos > 0 && before(at(pos), at((pos - 1) >> 1))) siftUp(pos);
  else siftDown(pos);
}

/** Removes the earliest timer and returns its slot; caller checked timerCount() > 0. */
export function timerPop(): u32 {
  let slot = load<u32>(entries, 12);
  timerRemove(1);
  return slot;
}

/** Deadline of the entry at position `pos` (tests check the heap property with it). */
export function timerDeadlineAt(pos: u32): f64 {
  return load<f64>(at(pos), 0);
}

/** Sequence of the entry at position `pos` (tests). */
export function timerSeqAt(pos: u32): u32 {
  return load<u32>(at(pos), 8);
}

/** Doubles the heap in the arena (arena.ts), which may move it. */
function grow(): void {
  entries = arenaResize(entries, <usize>capacity * ENTRY_SIZE, <usize>capacity * ENTRY_SIZE * 2);
  capacity <<= 1;
}

function siftUp(pos: u32): void {
  let tmp = memory.data(16);
  memory.copy(tmp, at(pos), ENTRY_SIZE);
  while (pos > 0) {
    let parent = (pos - 1) >> 1;
    if (!before(tmp, at(parent))) break;
    memory.copy(at(pos), at(parent), ENTRY_SIZE);
    setSlotTimer(load<u32>(at(pos), 12), pos + 1);
    pos = parent;
  }
  memory.copy(at(pos), tmp, ENTRY_SIZE);
  setSlotTimer(load<u32>(tmp, 12), pos + 1);
}

function siftDown(pos: u32): void {
  let tmp = memory.data(16);
  memory.copy(tmp, at(pos), ENTRY_SIZE);
  while (true) {
    let child = (pos << 1) + 1;
    if (child >= size) break;
    let right = child + 1;
    if (right < size && before(at(right), at(child))) child = right;
    if (!before(at(child), tmp)) break;
    memory.copy(at(pos), at(child), ENTRY_SIZE);
    setSlotTimer(load<u32>(at(pos), 12), pos + 1);
    pos = child;
  }
  memory.copy(at(pos), tmp, ENTRY_SIZE);
  setSlotTimer(load<u32>(tmp, 12), pos + 1);
}
