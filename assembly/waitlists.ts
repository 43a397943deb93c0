// Wait lists: FIFO lines of tasks waiting for a lock, a permit, an item, an
// event. Each list is a header here; the waiters are linked through their
// own slot records (slots.ts), so joining, leaving from anywhere in the
// line, and waking cost O(1) and allocate nothing.
//
// Ground rules
// - A task is in at most one list, and only while WAITING.
// - A list exists only while it has waiters: it is allocated for its first
//   waiter and freed (its generation bumped) when the last one leaves, so
//   the host's handle to an empty list is stale by design. The host mirrors
//   the count and knows when that happens.
// - Waking takes waiters from the head; removal (a cancelled waiter) unlinks
//   from anywhere. Both make the task READY.
// - The table grows by doubling in the arena (arena.ts), which may move it:
//   list indices survive growth, addresses do not.
//
// List record, LIST_SIZE bytes:
//
//   0              4              8              12             16
//   +--------------+--------------+--------------+--------------+
//   | head slot    | tail slot    | count        | generation   |
//   +--------------+--------------+--------------+--------------+
//   (a free record keeps the next free list index in `head`)

import { arenaAlloc, arenaResize } from "./arena";
import { E_BAD_HANDLE, E_ILLEGAL_TRANSITION, E_STALE_HANDLE, E_TABLE_FULL, E_WRONG_KIND, OK } from "./errors";
import { ringPush } from "./ring";
import {
  KIND_TASK, READY, RUNNING, WAITING,
  checkHandle, setSlotState, setSlotWaitLinks, setSlotWaitNext, setSlotWaitPrev,
  slotKind, slotState, slotWaitList, slotWaitNext, slotWaitPrev,
} from "./slots";

// @ts-ignore: decorator
@inline const LIST_SIZE: usize = 16;
/** First table size: 256 lists = 4 KiB. */
// @ts-ignore: decorator
@inline const INITIAL_CAPACITY: u32 = 256;
/** List indices share the 24-bit limit of slot indices. */
// @ts-ignore: decorator
@inline const MAX_LISTS: u32 = (1 << 24) - 1;

let lists: usize = 0;
let capacity: u32 = 0;
let used: u32 = 1; // index 0 means "no list"
let freeHead: u32 = 0;
let live: u32 = 0;

// @ts-ignore: decorator
@inline function rec(index: u32): usize {
  return lists + <usize>index * LIST_SIZE;
}

/** Empties the table (a fresh loop). */
export function waitListsInit(): void {
  if (lists == 0) {
    lists = arenaAlloc(<usize>INITIAL_CAPACITY * LIST_SIZE);
    capacity = INITIAL_CAPACITY;
  }
  memory.fill(lists, 0, <usize>capacity * LIST_SIZE);
  used = 1;
  freeHead = 0;
  live = 0;
}

/** Lists with waiters (for stats). */
export function waitListsLive(): u32 {
  return live;
}

/** Lists the table holds before it must grow, index 0 included (tests). */
export function waitListsCapacity(): u32 {
  return capacity;
}

/** Generation of list `index` (read by the host after listAlloc). */
export function listGen(index: u32): u32 {
  return load<u32>(rec(index), 12);
}

/** Waiters in list `index` (tests). */
export function listCount(index: u32): u32 {
  return load<u32>(rec(index), 8);
}

/** The i-th waiter from the head (tests, introspection); 0 past the end. */
export function listAt(index: u32, i: u32): u32 {
  let slot = load<u32>(rec(index), 0);
  while (i > 0 && slot != 0) {
    slot = slotWaitNext(slot);
    i--;
  }
  return slot;
}

/** Takes an empty list; returns its index (generation via listGen) or E_TABLE_FULL. */
export function listAlloc(): i32 {
  let index = freeHead;
  if (index != 0) {
    freeHead = load<u32>(rec(index), 0);
  } else {
    if (used > MAX_LISTS) return E_TABLE_FULL;
    if (used == capacity) grow();
    index = used++;
    store<u32>(rec(index), 1, 12); // generation 1: 0 is never valid
  }
  let r = rec(index);
  store<u32>(r, 0, 0);
  store<u32>(r, 0, 4);
  store<u32>(r, 0, 8);
  live++;
  return <i32>index;
}

/** OK when (index, gen) names a live list. */
export function checkList(index: u32, gen: u32): i32 {
  if (index == 0 || index >= used) return E_BAD_HANDLE;
  let gen0 = load<u32>(rec(index), 12);
  // A free (or retired) list keeps the next free index in `head` and has no waiters: its handle is stale.
  if (gen0 != gen || gen == 0) return E_STALE_HANDLE;
  return OK;
}

/** RUNNING → WAITING at the tail of list (index, gen). */
export function waitIn(slot: u32, gen: u32, index: u32, listGeneration: u32): i32 {
  let err = checkHandle(slot, gen);
  if (err != OK) return err;
  err = checkList(index, listGeneration);
  if (err != OK) return err;
  if (slotKind(slot) != KIND_TASK) return E_WRONG_KIND;
  if (slotState(slot) != RUNNING) return E_ILLEGAL_TRANSITION;
  let r = rec(index);
  let tail = load<u32>(r, 4);
  setSlotWaitLinks(slot, tail, 0, index);
  if (tail != 0) setSlotWaitNext(tail, slot);
  else store<u32>(r, slot, 0);
  store<u32>(r, slot, 4);
  store<u32>(r, load<u32>(r, 8) + 1, 8);
  setSlotState(slot, WAITING);
  return OK;
}

/**
 * Wakes the waiter at the head of list (index, gen): WAITING → READY.
 * Returns its slot index, 0 when the list has none, or an error code.
 */
export function wakeFirst(index: u32, gen: u32): i32 {
  let err = checkList(index, gen);
  if (err != OK) return err;
  let slot = load<u32>(rec(index), 0);
  if (slot == 0) return 0;
  unlink(slot, index);
  return <i32>slot;
}

/** Takes a waiting task out of its list, wherever it stands: WAITING → READY. */
export function removeWaiter(slot: u32, gen: u32): i32 {
  let err = checkHandle(slot, gen);
  if (err != OK) return err;
  if (slotKind(slot) != KIND_TASK) return E_WRONG_KIND;
  let index = slotWaitList(slot);
  if (index == 0 || slotState(slot) != WAITING) return E_ILLEGAL_TRANSITION;
  unlink(slot, index);
  return OK;
}

/** Unlinks `slot` from list `index`, makes it READY, and frees the list when it empties. */
function unlink(slot: u32, index: u32): void {
  let r = rec(index);
  let prev = slotWaitPrev(slot);
  let next = slotWaitNext(slot);
  if (prev != 0) setSlotWaitNext(prev, next);
  else store<u32>(r, next, 0);
  if (next != 0) setSlotWaitPrev(next, prev);
  else store<u32>(r, prev, 4);
  setSlotWaitLinks(slot, 0, 0, 0);
  let count = load<u32>(r, 8) - 1;
  store<u32>(r, count, 8);
  setSlotState(slot, READY);
  ringPush(slot);
  if (count == 0) free(index);
}

function free(index: u32): void {
  let r = rec(index);
  let gen = load<u32>(r, 12) + 1;
  store<u32>(r, gen, 12);
  live--;
  if (gen == 0) return; // wrapped: retire rather than alias old handles
  store<u32>(r, freeHead, 0);
  freeHead = index;
}

function grow(): void {
  let next = capacity << 1;
  lists = arenaResize(lists, <usize>capacity * LIST_SIZE, <usize>next * LIST_SIZE);
  memory.fill(lists + <usize>capacity * LIST_SIZE, 0, <usize>(next - capacity) * LIST_SIZE);
  capacity = next;
}
