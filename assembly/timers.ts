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

/** Whether entry (da, sa) fires before entry (db, sb): earlier deadline, then earlier sequence. */
// @ts-ignore: decorator
@inline function before(da: f64, sa: u32, db: f64, sb: u32): bool {
  if (da != db) return da < db;
  return <i32>(sa - sb) < 0;
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
  let seq = nextSeq++;
  siftUp(size++, deadline, <u64>seq | (<u64>slot << 32));
}

/** Removes the timer at heap position `pos1 - 1` (as recorded in its slot). */
export function timerRemove(pos1: u32): void {
  let pos = pos1 - 1;
  assert(pos < size, "timer position out of range");
  setSlotTimer(load<u32>(at(pos), 12), 0);
  let last = --size;
  if (pos == last) return;
  // The last entry fills the hole; it may belong above or below it.
  let moved = at(last);
  let deadline = load<f64>(moved, 0);
  let tail = load<u64>(moved, 8);
  if (pos > 0) {
    let parent = at((pos - 1) >> 1);
    if (before(deadline, <u32>tail, load<f64>(parent, 0), load<u32>(parent, 8))) {
      siftUp(pos, deadline, tail);
      return;
    }
  }
  siftDown(pos, deadline, tail);
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

// The sifts carry the entry being placed in locals and move the others up
// or down into the hole with two 8-byte loads and stores each: memory.copy
// of 16 bytes is a call out of the module in V8 (and copyWithin in the
// fallback core), which made timerRemove a tenth of W3's profile. `tail` is
// the entry's second half, seq in the low and slot in the high 32 bits.

// @ts-ignore: decorator
@inline function moveEntry(pos: u32, from: usize): void {
  let to = at(pos);
  store<u64>(to, load<u64>(from, 0), 0);
  store<u64>(to, load<u64>(from, 8), 8);
  setSlotTimer(load<u32>(from, 12), pos + 1);
}

// @ts-ignore: decorator
@inline function placeEntry(pos: u32, deadline: f64, tail: u64): void {
  let e = at(pos);
  store<f64>(e, deadline, 0);
  store<u64>(e, tail, 8);
  setSlotTimer(<u32>(tail >> 32), pos + 1);
}

/** Places the entry (deadline, tail) from the hole at `pos` upwards. */
function siftUp(pos: u32, deadline: f64, tail: u64): void {
  let seq = <u32>tail;
  while (pos > 0) {
    let parent = (pos - 1) >> 1;
    let p = at(parent);
    if (!before(deadline, seq, load<f64>(p, 0), load<u32>(p, 8))) break;
    moveEntry(pos, p);
    pos = parent;
  }
  placeEntry(pos, deadline, tail);
}

/**
 * Places the entry (deadline, tail) from the hole at `pos` downwards,
 * bottom-up: the hole first sinks along the earlier children to a leaf, then
 * the entry rises from there. The entry that fills a popped root is the heap's
 * last, which belongs near the bottom anyway, so this spends one comparison
 * per level where the usual sift spends two.
 */
function siftDown(pos: u32, deadline: f64, tail: u64): void {
  let n = size;
  while (true) {
    let child = (pos << 1) + 1;
    if (child >= n) break;
    let c = at(child);
    if (child + 1 < n) {
      let right = c + ENTRY_SIZE;
      if (before(load<f64>(right, 0), load<u32>(right, 8), load<f64>(c, 0), load<u32>(c, 8))) {
        child++;
        c = right;
      }
    }
    moveEntry(pos, c);
    pos = child;
  }
  siftUp(pos, deadline, tail);
}
