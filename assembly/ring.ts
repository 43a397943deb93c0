// The ready ring: slot indices waiting to run, first in first out.
//
// Ground rules
// - Order is exactly push order, across wrap-around and growth.
// - Capacity is a power of two, so positions wrap with a mask.
// - Growth doubles the buffer in the arena (arena.ts: in place, or moved
//   with its contents). The ring was full, so its entries ran from head to
//   the old end and wrapped to [0, head); the shorter of those two runs then
//   moves so that they meet again, and entry i stays at (head + i) & mask.
//
//   buffer: [ ... | head → e0 e1 e2 ... | ... ]   (wraps at capacity)
//   entry i lives at (head + i) & (capacity - 1)
//
//   growth when full, capacity 4 → 8 (entries a b c d; · a free position):
//     head = 1 < 4/2:   [d a b c]  →  [· a b c d · · ·]   d moves up; head stays
//                          ^head         ^head
//     head = 3 >= 4/2:  [b c d a]  →  [b c d · · · · a]   a moves to the end; head += 4
//                              ^head                 ^head

import { arenaAlloc, arenaResize } from "./arena";

/** First ring size: 1024 entries = 4 KiB. */
// @ts-ignore: decorator
@inline const INITIAL_CAPACITY: u32 = 1024;

let buffer: usize = 0;
let capacity: u32 = 0;
let head: u32 = 0;
let count: u32 = 0;

/** Empties the ring (a fresh loop). */
export function ringInit(): void {
  if (buffer == 0) {
    buffer = arenaAlloc(<usize>INITIAL_CAPACITY << 2);
    capacity = INITIAL_CAPACITY;
  }
  head = 0;
  count = 0;
}

/** Entries waiting. */
// @ts-ignore: decorator
@inline export function ringLength(): u32 {
  return count;
}

/** Entries the buffer holds before it must grow (for tests). */
export function ringCapacity(): u32 {
  return capacity;
}

/** Appends `index` at the tail, growing the buffer when full. */
export function ringPush(index: u32): void {
  if (count == capacity) grow();
  store<u32>(buffer + (<usize>((head + count) & (capacity - 1)) << 2), index);
  count++;
}

/** Removes and returns the head; the caller has checked ringLength() > 0. */
export function ringShift(): u32 {
  assert(count > 0, "ring underflow");
  let index = load<u32>(buffer + (<usize>head << 2));
  head = (head + 1) & (capacity - 1);
  count--;
  return index;
}

/** The i-th entry from the head without removing it (tests, introspection). */
export function ringPeek(i: u32): u32 {
  assert(i < count, "ring peek out of range");
  return load<u32>(buffer + (<usize>((head + i) & (capacity - 1)) << 2));
}

function grow(): void {
  let bytes = <usize>capacity << 2;
  buffer = arenaResize(buffer, bytes, bytes << 1);
  if (head < capacity >> 1) {
    // The wrapped run [0, head) moves up to follow the old end.
    memory.copy(buffer + bytes, buffer, <usize>head << 2);
  } else {
    // The run [head, capacity) moves to the new end.
    memory.copy(buffer + bytes + (<usize>head << 2), buffer + (<usize>head << 2), bytes - (<usize>head << 2));
    head += capacity;
  }
  capacity <<= 1;
}
