// The arena (assembly/arena.ts), where the growable tables live: a block at
// the top grows in place; any other block moves, into the lowest hole that
// holds it or else to the top; holes merge with their neighbours and a hole
// that reaches the top lowers it; memory grows by exactly the pages needed.
// Then the core's four tables growing in turn, moving through each other's
// holes, keep their contents: FIFO order, heap order, lines.
//
// The arena is module state shared by this file's tests. Every test on bare
// blocks frees what it takes, which leaves the arena empty (top back at its
// base, no holes) for the next; the last group makes the core's own tables,
// which stay. Under the tests' runtime the arena starts at the first page
// boundary above the runtime's memory (heap.include.ts reserves the tests'
// own room first), so memory.size() is the arena's to grow.

import {
  MAX_BLOCKS, arenaAlloc, arenaBase, arenaFree, arenaHoleSize, arenaHoleStart, arenaHoles, arenaResize, arenaTop,
} from "../../assembly/arena";
import { init } from "../../assembly/index";
import { OK } from "../../assembly/errors";
import { KIND_CALLBACK, KIND_TASK, checkHandle, slotAlloc, slotCapacity } from "../../assembly/slots";
import { ringCapacity, ringLength } from "../../assembly/ring";
import { timerCapacity, timerCount } from "../../assembly/timers";
import { OUTBOX, advance, drain, schedule, sleepUntil, start } from "../../assembly/scheduler";
import { listAlloc, listAt, listCount, listGen, waitIn, waitListsCapacity } from "../../assembly/waitlists";
import { XorShift, codeName } from "./helpers";

// @ts-ignore: decorator
@inline const PAGE: usize = 65536;

function memoryEnd(): usize {
  return <usize>memory.size() << 16;
}

function roundUp(bytes: usize): usize {
  return (bytes + 15) & ~15;
}

/** The 8 bytes paint() writes at word `w` (offset w * 8) of a block painted with `seed`. */
function paintWord(seed: u32, w: usize): u64 {
  return (<u64>seed * 0x9e3779b97f4a7c15) ^ (<u64>w * 0xc2b2ae3d27d4eb4f) ^ (<u64>w << 32);
}

/** The byte paint() writes at offset `i`: each block position gets its own value. */
function paintByte(seed: u32, i: usize): u8 {
  return <u8>(paintWord(seed, i >> 3) >> ((<u64>i & 7) << 3));
}

/** Fills [ptr + from, ptr + to) with the pattern of `seed` (ptr is 16-byte aligned). */
function paint(ptr: usize, from: usize, to: usize, seed: u32): void {
  let i = from;
  while (i < to && (i & 7) != 0) {
    store<u8>(ptr + i, paintByte(seed, i));
    i++;
  }
  for (; i + 8 <= to; i += 8) store<u64>(ptr + i, paintWord(seed, i >> 3));
  for (; i < to; i++) store<u8>(ptr + i, paintByte(seed, i));
}

/** Expects [ptr, ptr + bytes) to hold the pattern of `seed`; reports the first wrong byte. */
function expectPainted(ptr: usize, bytes: usize, seed: u32, what: string): bool {
  let i: usize = 0;
  for (; i + 8 <= bytes; i += 8) if (load<u64>(ptr + i) != paintWord(seed, i >> 3)) break;
  for (; i < bytes; i++) {
    if (load<u8>(ptr + i) != paintByte(seed, i)) {
      let where = what + ": byte " + i.toString() + " of " + bytes.toString();
      expect<u8>(load<u8>(ptr + i)).toBe(paintByte(seed, i), where);
      return false;
    }
  }
  return true;
}

/** Expects the arena to hold no block: no holes, the top at the base. */
function expectEmpty(what: string): void {
  expect<i32>(arenaHoles()).toBe(0, what + ": no holes");
  expect<usize>(arenaTop()).toBe(arenaBase(), what + ": top back at the base");
}

function expectHole(i: i32, start: usize, size: usize, what: string): void {
  expect<usize>(arenaHoleStart(i)).toBe(start, what + ": hole " + i.toString() + " start");
  expect<usize>(arenaHoleSize(i)).toBe(size, what + ": hole " + i.toString() + " size");
}

describe("arena blocks", () => {
  test("the first block starts at the first page boundary above the runtime's memory", () => {
    expect<usize>(arenaBase()).toBe(0, "nothing taken yet");
    let end = memoryEnd();
    let a = arenaAlloc(100);
    expect<usize>(a).toBe(end);
    expect<usize>(arenaBase()).toBe(end);
    expect<usize>(arenaTop()).toBe(a + 112, "100 bytes take 112: sizes round up to 16");
    expect<usize>(memoryEnd()).toBe(end + PAGE, "one page for 112 bytes");
    arenaFree(a, 100);
    expectEmpty("after freeing it");
  });

  test("a block at the top grows in place, and memory grows by exactly the pages the new top needs", () => {
    let a = arenaAlloc(64);
    paint(a, 0, 64, 1);
    let end = memoryEnd();
    let room = end - a; // bytes up to the end of memory as it is

    // Up to the end of memory: no growth.
    expect<usize>(arenaResize(a, 64, room)).toBe(a, "grown in place");
    expect<usize>(memoryEnd()).toBe(end, "the block fits below the end: no page added");
    expect<usize>(arenaTop()).toBe(end);
    paint(a, 64, room, 1);

    // 16 bytes past the end: one page.
    expect<usize>(arenaResize(a, room, room + 16)).toBe(a);
    expect<usize>(memoryEnd()).toBe(end + PAGE, "16 bytes over: one page");
    paint(a, room, room + 16, 1);

    // Five pages and a byte more: six pages, not a doubling.
    let end1 = memoryEnd();
    let bytes = end1 - a + 5 * PAGE + 1;
    expect<usize>(arenaResize(a, room + 16, bytes)).toBe(a);
    expect<usize>(memoryEnd()).toBe(end1 + 6 * PAGE, "5 pages + 1 byte over: six pages");
    expect<usize>(arenaTop()).toBe(a + roundUp(bytes));
    expect<bool>(memoryEnd() - arenaTop() < PAGE).toBe(true, "less than a page left above the top");
    expectPainted(a, room + 16, 1, "grown in place");

    arenaFree(a, bytes);
    expectEmpty("after freeing it");
  });

  test("a block below the top moves to the top when no hole holds it, and leaves a hole", () => {
    let a = arenaAlloc(256);
    let b = arenaAlloc(256);
    paint(a, 0, 256, 2);
    paint(b, 0, 256, 3);
    let top = arenaTop();
    let moved = arenaResize(a, 256, 512);
    expect<usize>(moved).toBe(top, "moved to the old top");
    expect<usize>(arenaTop()).toBe(top + 512);
    expect<i32>(arenaHoles()).toBe(1);
    expectHole(0, a, 256, "a's old place");
    expectPainted(moved, 256, 2, "the moved block");
    expectPainted(b, 256, 3, "the block it moved past");

    arenaFree(b, 256);
    expect<i32>(arenaHoles()).toBe(1, "b's place merges with the hole below");
    expectHole(0, a, 512, "a's and b's places");
    arenaFree(moved, 512);
    expectEmpty("after freeing both");
  });

  test("a moving block takes the lowest hole that holds it (first fit); the rest stays a hole", () => {
    // Holes A (128), B (512), C (256), kept apart by 16-byte blocks x, y, z; d on top.
    let A = arenaAlloc(128);
    let x = arenaAlloc(16);
    let B = arenaAlloc(512);
    let y = arenaAlloc(16);
    let C = arenaAlloc(256);
    let z = arenaAlloc(16);
    let d = arenaAlloc(64);
    paint(x, 0, 16, 10);
    paint(y, 0, 16, 11);
    paint(z, 0, 16, 12);
    paint(d, 0, 64, 13);
    arenaFree(A, 128);
    arenaFree(B, 512);
    arenaFree(C, 256);
    expect<i32>(arenaHoles()).toBe(3);
    let end = memoryEnd();
    let top = arenaTop();

    // x → 208 bytes: A (128) is too small, B (512) holds it.
    let x2 = arenaResize(x, 16, 208);
    expect<usize>(x2).toBe(B, "x moved to the start of B, the first hole that holds it");
    expectPainted(x2, 16, 10, "x after its move into a hole");
    expect<i32>(arenaHoles()).toBe(3);
    expectHole(0, A, 144, "A merged with x's old place");
    expectHole(1, B + 208, 304, "the rest of B");
    expectHole(2, C, 256, "C untouched");

    // y → 240 bytes: the rest of B (304) holds it; y's old place then joins
    // what is left of B below it and C above it.
    let y2 = arenaResize(y, 16, 240);
    expect<usize>(y2).toBe(B + 208);
    expectPainted(y2, 16, 11, "y after its move into a hole");
    expect<i32>(arenaHoles()).toBe(2, "one hole from three pieces");
    expectHole(0, A, 144, "A and x's place");
    expectHole(1, B + 448, 64 + 16 + 256, "the end of B, y's place and C");

    // z → 144 bytes: exactly the size of the first hole, which disappears.
    let z2 = arenaResize(z, 16, 144);
    expect<usize>(z2).toBe(A, "an exact fit");
    expectPainted(z2, 16, 12, "z after its move into an exact hole");
    expect<i32>(arenaHoles()).toBe(1);
    expectHole(0, B + 448, 64 + 16 + 256 + 16, "z's old place joined the hole below it");

    expect<usize>(arenaTop()).toBe(top, "no move went to the top");
    expect<usize>(memoryEnd()).toBe(end, "moves into holes grow no memory");
    expectPainted(d, 64, 13, "the top block nobody moved");

    arenaFree(x2, 208);
    arenaFree(z2, 144);
    arenaFree(y2, 240);
    arenaFree(d, 64);
    expectEmpty("after freeing everything");
  });

  test("a freed block merges with the hole below, above, or both", () => {
    let a = arenaAlloc(64);
    let b = arenaAlloc(80);
    let c = arenaAlloc(96);
    let d = arenaAlloc(112);
    let e = arenaAlloc(128);
    arenaFree(b, 80);
    arenaFree(d, 112);
    expect<i32>(arenaHoles()).toBe(2);
    arenaFree(c, 96);
    expect<i32>(arenaHoles()).toBe(1, "c joined b below and d above");
    expectHole(0, b, 80 + 96 + 112, "b, c and d");
    arenaFree(a, 64);
    expect<i32>(arenaHoles()).toBe(1, "a joined the hole above it");
    expectHole(0, a, 64 + 80 + 96 + 112, "a to d");
    arenaFree(e, 128);
    expectEmpty("e was on top: the whole hole below it went with it");
  });

  test("a hole that reaches the top lowers the top, and the next block goes there", () => {
    let a = arenaAlloc(32);
    let b = arenaAlloc(48);
    let c = arenaAlloc(64);
    arenaFree(b, 48);
    expect<usize>(arenaTop()).toBe(c + 64);
    arenaFree(c, 64);
    expect<i32>(arenaHoles()).toBe(0, "b's hole went with c");
    expect<usize>(arenaTop()).toBe(a + 32, "the top is just past a");
    let d = arenaAlloc(16);
    expect<usize>(d).toBe(a + 32);
    arenaFree(a, 32);
    expect<i32>(arenaHoles()).toBe(1);
    arenaFree(d, 16);
    expectEmpty("after freeing everything");
  });

  test("sizes round up to 16 bytes, so every block is 16-byte aligned", () => {
    let base = arenaTop();
    let a = arenaAlloc(1);
    let b = arenaAlloc(17);
    let c = arenaAlloc(33);
    expect<usize>(a).toBe(base);
    expect<usize>(b).toBe(base + 16);
    expect<usize>(c).toBe(base + 48);
    expect<usize>(arenaTop()).toBe(base + 96);
    expect<usize>(arenaResize(c, 33, 40)).toBe(c, "40 bytes still fit the 48 c took");
    expect<usize>(arenaTop()).toBe(base + 96);
    expect<usize>(arenaResize(a, 1, 8)).toBe(a, "8 bytes still fit the 16 a took: below the top, no move either");
    expect<i32>(arenaHoles()).toBe(0);
    let a2 = arenaResize(a, 8, 24);
    expect<usize>(a2).toBe(base + 96, "24 bytes do not: a moves to the top");
    arenaFree(b, 17);
    arenaFree(c, 40);
    arenaFree(a2, 24);
    expectEmpty("after freeing everything");
  });

  test("more than MAX_BLOCKS live blocks fail loudly", () => {
    let blocks = new Array<usize>();
    for (let i = 0; i < MAX_BLOCKS; i++) blocks.push(arenaAlloc(16));
    expect(() => {
      arenaAlloc(16);
    }).toThrow("a block past MAX_BLOCKS");
    for (let i = 0; i < blocks.length; i++) arenaFree(blocks[i], 16);
    expectEmpty("after freeing the blocks");
  });
});

// ---- random allocs, resizes and frees against a model ----

class Block {
  constructor(public ptr: usize, public bytes: usize, public seed: u32) {}
}

/**
 * Checks the arena's whole layout against the live blocks: holes in address
 * order, none touching another or the top, none overlapping a block, fewer
 * holes than blocks, and base..top made of exactly the blocks and the holes.
 */
function checkLayout(live: Array<Block>, what: string): bool {
  let holes = arenaHoles();
  if (holes > live.length) {
    expect<i32>(holes).toBe(live.length, what + ": more holes than live blocks");
    return false;
  }
  let used: usize = 0;
  let highest = arenaBase();
  for (let i = 0; i < live.length; i++) {
    let b = live[i];
    used += roundUp(b.bytes);
    if (b.ptr + roundUp(b.bytes) > highest) highest = b.ptr + roundUp(b.bytes);
    if ((b.ptr & 15) != 0) {
      expect<usize>(b.ptr & 15).toBe(0, what + ": block alignment");
      return false;
    }
  }
  if (arenaTop() != highest) {
    expect<usize>(arenaTop()).toBe(highest, what + ": the top is the end of the highest block");
    return false;
  }
  let free: usize = 0;
  for (let h = 0; h < holes; h++) {
    let s = arenaHoleStart(h);
    let e = s + arenaHoleSize(h);
    free += e - s;
    if (e >= arenaTop() || (h > 0 && s <= arenaHoleStart(h - 1) + arenaHoleSize(h - 1))) {
      expect<bool>(false).toBe(true, what + ": hole " + h.toString() + " touches the top or the hole before it");
      return false;
    }
    for (let i = 0; i < live.length; i++) {
      let b = live[i];
      if (b.ptr < e && s < b.ptr + roundUp(b.bytes)) {
        expect<bool>(false).toBe(true, what + ": hole " + h.toString() + " overlaps a live block");
        return false;
      }
    }
  }
  if (used + free != arenaTop() - arenaBase()) {
    expect<usize>(used + free).toBe(arenaTop() - arenaBase(), what + ": blocks and holes fill base..top");
    return false;
  }
  return true;
}

describe("arena against a model", () => {
  test("20,000 random allocs, resizes and frees keep every block's bytes and a tidy layout", () => {
    let rng = new XorShift(0xa7e4a);
    let live = new Array<Block>();
    let seed: u32 = 100;
    let moves = 0;
    let holeFits = 0;
    let inPlace = 0;
    let grewMemory = 0;
    let maxHoles = 0;
    for (let step = 0; step < 20000; step++) {
      let what = "step " + step.toString();
      let r = rng.below(10);
      let endBefore = memoryEnd();
      let topBefore = arenaTop();
      if (live.length == 0 || (r < 3 && live.length < MAX_BLOCKS)) {
        // Mostly small blocks, now and then one of several pages.
        let bytes: usize = 1 + <usize>(rng.below(8) == 0 ? rng.below(100000) : rng.below(3000));
        let b = new Block(arenaAlloc(bytes), bytes, seed++);
        paint(b.ptr, 0, bytes, b.seed);
        live.push(b);
      } else if (r < 8) {
        let i = <i32>rng.below(<u32>live.length);
        let b = live[i];
        let bytes = b.bytes + <usize>rng.below(<u32>min<usize>(b.bytes, 20000) + 64);
        let wasTop = b.ptr + roundUp(b.bytes) == arenaTop();
        let ptr = arenaResize(b.ptr, b.bytes, bytes);
        if (!expectPainted(ptr, b.bytes, b.seed, what + ": contents after resize")) return;
        if (wasTop) {
          if (ptr != b.ptr) {
            expect<usize>(ptr).toBe(b.ptr, what + ": the top block grows in place");
            return;
          }
          inPlace++;
        } else if (ptr != b.ptr) {
          moves++;
          if (arenaTop() == topBefore) holeFits++;
        }
        paint(ptr, b.bytes, bytes, b.seed);
        b.ptr = ptr;
        b.bytes = bytes;
        if (bytes > 256 << 10) {
          // Keep blocks small enough to check often: free a big one.
          arenaFree(b.ptr, b.bytes);
          live[i] = live[live.length - 1];
          live.pop();
        }
      } else {
        let i = <i32>rng.below(<u32>live.length);
        arenaFree(live[i].ptr, live[i].bytes);
        live[i] = live[live.length - 1];
        live.pop();
      }
      if (memoryEnd() != endBefore) {
        grewMemory++;
        if (memoryEnd() - arenaTop() >= PAGE) {
          expect<usize>(memoryEnd() - arenaTop()).toBeLessThan(PAGE, what + ": memory grew by more pages than needed");
          return;
        }
      }
      if (arenaHoles() > maxHoles) maxHoles = arenaHoles();
      if (!checkLayout(live, what)) return;
      if (step % 100 == 0) {
        for (let i = 0; i < live.length; i++) {
          if (!expectPainted(live[i].ptr, live[i].bytes, live[i].seed, what + ": block " + i.toString())) return;
        }
      }
    }
    // The run covered what it is meant to.
    expect<bool>(inPlace > 1000).toBe(true, "many in-place growths (" + inPlace.toString() + ")");
    expect<bool>(moves > 1000).toBe(true, "many moves (" + moves.toString() + ")");
    expect<bool>(holeFits > 300).toBe(true, "many moves into holes (" + holeFits.toString() + ")");
    expect<bool>(grewMemory >= 5).toBe(true, "memory grew now and then (" + grewMemory.toString() + ")");
    expect<bool>(maxHoles >= 4).toBe(true, "several holes at once (" + maxHoles.toString() + ")");
    for (let i = 0; i < live.length; i++) arenaFree(live[i].ptr, live[i].bytes);
    expectEmpty("after freeing every block");
  });
});

// ---- the core's tables growing in turn ----

describe("the core's tables in the arena", () => {
  test("slots, ring, timers and lists growing in turn keep FIFO order, heap order and lines", () => {
    init(false, 0);
    let endAtStart = memoryEnd();
    let rng = new XorShift(0x7ab1e5);
    let n = 40000;
    let ready = new Array<u32>(); // callbacks in schedule order
    let byDeadline = new Array<Array<u32>>(); // sleepers per deadline 0..999, in arming order
    for (let d = 0; d < 1000; d++) byDeadline.push(new Array<u32>());
    let lists = new Array<u32>(); // list index, then its one waiter
    let growths = 0;
    let holeFits = 0;
    for (let i = 0; i < n; i++) {
      let before = slotCapacity() + ringCapacity() + timerCapacity() + waitListsCapacity();
      let topBefore = arenaTop();

      let t = <u32>slotAlloc(KIND_TASK);
      start(t, 1);
      let d = rng.below(1000);
      let err = sleepUntil(t, 1, <f64>d);
      if (err != OK) {
        expect<string>(codeName(err)).toBe("OK", "sleepUntil " + i.toString());
        return;
      }
      byDeadline[d].push(t);

      let c = <u32>slotAlloc(KIND_CALLBACK);
      schedule(c, 1);
      ready.push(c);

      if (i % 4 == 0) {
        let w = <u32>slotAlloc(KIND_TASK);
        start(w, 1);
        let l = <u32>listAlloc();
        waitIn(w, 1, l, listGen(l));
        lists.push(l);
        lists.push(w);
      }

      if (slotCapacity() + ringCapacity() + timerCapacity() + waitListsCapacity() != before) {
        growths++;
        if (arenaTop() == topBefore) holeFits++;
        // Every byte from base to top is a table or a hole, and holes never outnumber the tables.
        let tables = <usize>slotCapacity() * 24 + <usize>ringCapacity() * 4 + <usize>timerCapacity() * 16 +
          <usize>waitListsCapacity() * 16;
        let free: usize = 0;
        for (let h = 0; h < arenaHoles(); h++) free += arenaHoleSize(h);
        if (tables + free != arenaTop() - arenaBase()) {
          expect<usize>(tables + free).toBe(arenaTop() - arenaBase(), "layout after growth " + growths.toString());
          return;
        }
        expect<bool>(arenaHoles() <= 4).toBe(true, "holes <= tables");
      }
    }
    expect<bool>(growths >= 20).toBe(true, "the tables grew many times (" + growths.toString() + ")");
    expect<bool>(holeFits > 0).toBe(true, "some growth moved into a hole (" + holeFits.toString() + ")");
    if (memoryEnd() != endAtStart) {
      expect<bool>(memoryEnd() - arenaTop() < PAGE).toBe(true, "memory grew to less than a page above the top");
    }

    // Every handle is still good.
    let slots = <u32>(n * 2 + lists.length / 2);
    for (let i: u32 = 1; i <= slots; i++) {
      if (checkHandle(i, 1) != OK) {
        expect<string>(codeName(checkHandle(i, 1))).toBe("OK", "handle " + i.toString());
        return;
      }
    }
    // Lines: each list still holds its one waiter.
    for (let k = 0; k < lists.length; k += 2) {
      if (listCount(lists[k]) != 1 || listAt(lists[k], 0) != lists[k + 1]) {
        expect<u32>(listAt(lists[k], 0)).toBe(lists[k + 1], "waiter of list " + lists[k].toString());
        return;
      }
    }
    // The ring: the callbacks in schedule order, then the sleepers in (deadline, arming) order.
    expect<u32>(ringLength()).toBe(<u32>n);
    expect<i32>(advance(1000)).toBe(n);
    expect<u32>(timerCount()).toBe(0);
    let want = ready;
    for (let d = 0; d < 1000; d++) {
      let bucket = byDeadline[d];
      for (let k = 0; k < bucket.length; k++) want.push(bucket[k]);
    }
    let at = 0;
    while (ringLength() > 0) {
      let got = drain(4096);
      for (let k = 0; k < got; k++) {
        let index = load<u32>(OUTBOX + (<usize>k << 2));
        if (index != want[at]) {
          expect<u32>(index).toBe(want[at], "ring entry " + at.toString());
          return;
        }
        at++;
      }
    }
    expect<i32>(at).toBe(want.length);
  });
});
