// The slot table: every task and every scheduled callback the loop knows of
// owns one slot, addressed by a handle (index, generation).
//
// Ground rules
// - Slot 0 is never used, so index 0 always means "no slot".
// - A slot's generation changes every time it is freed, so a handle kept past
//   its slot's life is rejected (E_STALE_HANDLE), never aliased. A slot whose
//   32-bit generation would wrap is retired instead of reused.
// - Only the functions here change `state`, and only along the table below;
//   anything else is E_ILLEGAL_TRANSITION and leaves the slot untouched.
// - The table grows by doubling in the arena (arena.ts), which may move it:
//   a slot's index survives growth, its address does not.
//
// Slot record, SLOT_SIZE bytes, little-endian:
//
//   0      1      2             4                  8                  12
//   +------+------+-------------+------------------+------------------+
//   |state | kind |  (unused)   |   generation     |  timer position  |
//   |  u8  |  u8  |             |       u32        |  u32, 0 = none   |
//   +------+------+-------------+------------------+------------------+
//   12                 16                              20                 24
//   +------------------+-------------------------------+------------------+
//   | wait-list prev   | wait-list next  |  next free  | wait list, 0=none|
//   |  u32 slot        |  u32 slot (live | free slot)  |  u32 list index  |
//   +------------------+-------------------------------+------------------+
//
// A free slot is in no wait list, so its `wait-list next` word holds the
// free list's link instead; slotAlloc clears it with the other links.
//
// A task waiting in a wait list (waitlists.ts) is linked through its own
// record: joining and leaving a line allocate nothing and cost O(1).
//
// States and legal transitions (T = task, C = callback):
//
//   FREE ──alloc──▶ CREATED
//   CREATED ──schedule──▶ READY                 T, C  (callSoon, task's first step)
//   CREATED ──start──▶ RUNNING                  T     (eager task)
//   CREATED ──arm timer──▶ WAITING              C     (callLater)
//   READY ──drain──▶ RUNNING                    T, C
//   READY ──cancel──▶ CANCELLED                 C     (skipped and freed at drain)
//   RUNNING ──schedule──▶ READY                 T     (yield / sleep(0))
//   RUNNING ──suspend / sleep──▶ WAITING        T
//   RUNNING ──finish──▶ DONE | CANCELLED ──▶ FREE   T
//   RUNNING ──finish, notify──▶ READY as C   T     (its done callbacks' turn)
//   RUNNING ──(next tick)──▶ FREE               C     (a callback runs once)
//   WAITING ──timer fires──▶ READY              T, C
//   WAITING ──schedule / wake──▶ READY          T     (both drop the timer)
//   READY | RUNNING ──wake──▶ unchanged         T     (no-op: the timer fired first)
//   WAITING ──cancel──▶ FREE                    C     (timer removed)
//   CREATED ──cancel──▶ FREE                    C     (never scheduled)
//   RUNNING ──wait in list──▶ WAITING           T     (joins a wait list's tail)
//   WAITING ──wake first / wake all / remove──▶ READY   T (leaves the list)

import { arenaAlloc, arenaResize } from "./arena";
import { E_BAD_HANDLE, E_STALE_HANDLE, E_TABLE_FULL, E_WRONG_KIND, OK } from "./errors";

// @ts-ignore: decorator
@inline export const FREE: u8 = 0;
// @ts-ignore: decorator
@inline export const CREATED: u8 = 1;
// @ts-ignore: decorator
@inline export const READY: u8 = 2;
// @ts-ignore: decorator
@inline export const RUNNING: u8 = 3;
// @ts-ignore: decorator
@inline export const WAITING: u8 = 4;
// @ts-ignore: decorator
@inline export const DONE: u8 = 5;
// @ts-ignore: decorator
@inline export const CANCELLED: u8 = 6;
/** Number of states, for per-state counters. */
// @ts-ignore: decorator
@inline export const STATE_COUNT: i32 = 7;

/** A coroutine driven by the host. */
// @ts-ignore: decorator
@inline export const KIND_TASK: u8 = 1;
/** A callback that runs once (callSoon, callLater). */
// @ts-ignore: decorator
@inline export const KIND_CALLBACK: u8 = 2;

/** Bytes per slot record (drawn above). */
// @ts-ignore: decorator
@inline const SLOT_SIZE: usize = 24;
/** Indices must fit the 24 bits a command word leaves for them (host/_core.ts). */
// @ts-ignore: decorator
@inline export const MAX_SLOTS: u32 = (1 << 24) - 1;
/** First table size; 1024 slots = 24 KiB, enough for most programs never to grow. */
// @ts-ignore: decorator
@inline const INITIAL_CAPACITY: u32 = 1024;

let table: usize = 0;
let capacity: u32 = 0; // slots allocated, including slot 0
let used: u32 = 1; // slots ever handed out, including slot 0 (high-water mark)
let freeHead: u32 = 0; // LIFO free list through `next free` (offset 16); 0 = empty

/** Live slots per kind and state as of the last tallyStates(): counts[kind * STATE_COUNT + state]. */
const counts = new StaticArray<u32>(3 * STATE_COUNT);

// @ts-ignore: decorator
@inline function rec(index: u32): usize {
  return table + <usize>index * SLOT_SIZE;
}

// @ts-ignore: decorator
@inline export function slotState(index: u32): u8 {
  return load<u8>(rec(index), 0);
}

// @ts-ignore: decorator
@inline export function slotKind(index: u32): u8 {
  return load<u8>(rec(index), 1);
}

// @ts-ignore: decorator
@inline export function slotGen(index: u32): u32 {
  return load<u32>(rec(index), 4);
}

/** Position + 1 of this slot's entry in the timer heap, 0 when it has none. */
// @ts-ignore: decorator
@inline export function slotTimer(index: u32): u32 {
  return load<u32>(rec(index), 8);
}

// @ts-ignore: decorator
@inline export function setSlotTimer(index: u32, position1: u32): void {
  store<u32>(rec(index), position1, 8);
}

/** Previous / next waiter and the list a waiting task is in (0 = none). */
// @ts-ignore: decorator
@inline export function slotWaitPrev(index: u32): u32 {
  return load<u32>(rec(index), 12);
}

// @ts-ignore: decorator
@inline export function slotWaitNext(index: u32): u32 {
  return load<u32>(rec(index), 16);
}

// @ts-ignore: decorator
@inline export function slotWaitList(index: u32): u32 {
  return load<u32>(rec(index), 20);
}

// @ts-ignore: decorator
@inline export function setSlotWaitLinks(index: u32, prev: u32, next: u32, list: u32): void {
  let r = rec(index);
  store<u32>(r, prev, 12);
  store<u32>(r, next, 16);
  store<u32>(r, list, 20);
}

// @ts-ignore: decorator
@inline export function setSlotWaitPrev(index: u32, prev: u32): void {
  store<u32>(rec(index), prev, 12);
}

// @ts-ignore: decorator
@inline export function setSlotWaitNext(index: u32, next: u32): void {
  store<u32>(rec(index), next, 16);
}

/** Moves a live slot to `next`; callers have checked the transition is legal. */
export function setSlotState(index: u32, next: u8): void {
  store<u8>(rec(index), next, 0);
}

/**
 * Counts the live slots by kind and state, scanning the table. Only stats
 * read the counts: kept up to date on every move, they cost W2 (a task
 * moves twice per switch) 5% on Node and 2-3% on Deno and Bun.
 */
export function tallyStates(): void {
  for (let i = 0; i < counts.length; i++) unchecked(counts[i] = 0);
  let end = rec(used);
  for (let r = rec(1); r < end; r += SLOT_SIZE) {
    let state = <i32>load<u8>(r, 0);
    if (state == <i32>FREE) continue;
    unchecked(counts[<i32>load<u8>(r, 1) * STATE_COUNT + state]++);
  }
}

/** Live slots of `kind` in `state` as of the last tallyStates(). */
export function tallied(kind: u8, state: u8): u32 {
  return unchecked(counts[<i32>kind * STATE_COUNT + <i32>state]);
}

/** Live slots of `kind` in `state` now (a scan of the table). */
export function countOf(kind: u8, state: u8): u32 {
  tallyStates();
  return tallied(kind, state);
}

/** Clears the table (a fresh loop); called once by `init`. */
export function slotsInit(): void {
  if (table == 0) {
    table = arenaAlloc(<usize>INITIAL_CAPACITY * SLOT_SIZE);
    capacity = INITIAL_CAPACITY;
  }
  memory.fill(table, 0, <usize>capacity * SLOT_SIZE);
  used = 1;
  freeHead = 0;
}

/**
 * Checks a handle: OK when `index` names a live slot of generation `gen`.
 * Freed slots fail as stale because freeing bumps the generation.
 */
export function checkHandle(index: u32, gen: u32): i32 {
  if (index == 0 || index >= used) return E_BAD_HANDLE;
  let r = rec(index);
  if (load<u32>(r, 4) != gen || load<u8>(r, 0) == FREE) return E_STALE_HANDLE;
  return OK;
}

/**
 * Takes a free slot for `kind` in state CREATED and returns its index, or
 * E_WRONG_KIND (not a task or callback) or E_TABLE_FULL. The generation is
 * read with slotGen(index).
 */
export function slotAlloc(kind: u8): i32 {
  // `counts` is indexed by kind, unchecked: any other kind would count past it.
  if (kind != KIND_TASK && kind != KIND_CALLBACK) return E_WRONG_KIND;
  let index = freeHead;
  if (index != 0) {
    freeHead = load<u32>(rec(index), 16);
  } else {
    if (used > MAX_SLOTS) return E_TABLE_FULL;
    if (used == capacity) grow();
    index = used++;
    store<u32>(rec(index), 1, 4); // generation 1: 0 is never a valid handle
  }
  let r = rec(index);
  store<u8>(r, CREATED, 0);
  store<u8>(r, kind, 1);
  store<u64>(r, 0, 8); // timer position, wait-list prev
  store<u64>(r, 0, 16); // wait-list next (the free link), wait list
  return <i32>index;
}

/**
 * A finished task's slot becomes a READY callback: the entry that runs the
 * task's done callbacks, so they need no slot of their own. Its generation
 * moves on as if freed, so the task's handles become stale (unless it would
 * wrap: then it stays, and the slot retires when the callback is freed).
 */
export function slotBecomeCallback(index: u32): void {
  let r = rec(index);
  store<u8>(r, READY, 0);
  store<u8>(r, KIND_CALLBACK, 1);
  let gen = load<u32>(r, 4) + 1;
  if (gen != 0) store<u32>(r, gen, 4);
}

/** Returns a slot to the free list; its old handles become stale. */
export function slotFree(index: u32): void {
  let r = rec(index);
  store<u8>(r, FREE, 0);
  store<u8>(r, 0, 1);
  let gen = load<u32>(r, 4) + 1;
  store<u32>(r, gen, 4);
  if (gen == 0) return; // generation wrapped: retire the slot rather than alias old handles
  store<u32>(r, freeHead, 16);
  freeHead = index;
}

/** Slots in the table, live or free (for stats and tests). */
export function slotCapacity(): u32 {
  return capacity;
}

function grow(): void {
  let next = capacity << 1;
  if (next > MAX_SLOTS + 1) next = MAX_SLOTS + 1;
  table = arenaResize(table, <usize>capacity * SLOT_SIZE, <usize>next * SLOT_SIZE);
  memory.fill(table + <usize>capacity * SLOT_SIZE, 0, <usize>(next - capacity) * SLOT_SIZE);
  capacity = next;
}
