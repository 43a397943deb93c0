// The arena: linear memory for the growable tables (slot table, ready ring,
// timer heap, wait lists), above everything the runtime allocated at start-up.
//
// Ground rules
// - One block per table: arenaAlloc once when the table is made (its
//   module's first init), arenaResize each time it grows. At most MAX_BLOCKS
//   blocks are live at once (asserted); a table never shrinks.
// - The arena starts above everything the runtime allocated (arenaStart).
//   From then on nothing in the core calls heap.alloc, heap.realloc or
//   heap.free, because the stub runtime would hand out memory the arena
//   owns: the stub serves only the static initialisers (`new StaticArray`
//   at module level, run before any export) and arenaStart's heap.alloc(0),
//   the only heap call in assembly/ (grep it).
// - Only the arena grows memory after that, by exactly the pages it needs.
//   Memory that grew under it anyway means someone broke the rule above.
//   Both this and the block count are assertions: checked by the debug
//   build and the unit tests, stripped from release like every other.
// - A block that ends at the top grows in place. Any other block moves:
//   into the lowest hole big enough (first fit), else to the top; its old
//   place becomes a hole. A new hole merges with the holes next to it, and a
//   hole that reaches the top lowers the top instead. So right above every
//   hole lies a live block, no two holes share it, and there are never more
//   holes than live blocks: the fixed HOLES array (MAX_BLOCKS entries) cannot
//   overflow.
// - A resize moves only the block it resizes and returns its address: the
//   owner stores it in its module variable, and nothing keeps a table's
//   address across a call that may grow that table. Growth detaches the
//   host's views of memory; the host re-derives them after every call that
//   may allocate (host/_core.ts, refresh()).
// - Blocks start 16-byte aligned and take their size rounded up to 16. A
//   block's contents are its owner's: moved bytes are copied, the rest of a
//   grown block is whatever was there (zero from memory.grow, old bytes in a
//   reused hole), so owners clear what they read.
//
//   base                                                 top             end
//   |  hole  | ring | timers | lists | hole  |  slots     |   (unused)     |
//   ^ first byte above the runtime's         ^ a grown table moved here;   ^ memory.size() << 16
//     static allocations                       it now grows in place

/** Tables that may hold a block at once (4 today: slots, ring, timers, lists), and so the most holes. */
// @ts-ignore: decorator
@inline export const MAX_BLOCKS: i32 = 8;
/** Block alignment and size granularity: the f64 timer entries need 8; 16 is the runtime's own alignment. */
// @ts-ignore: decorator
@inline const ALIGN: usize = 16;
/** ASC_RUNTIME of the stub runtime (std/assembly/shared/runtime.ts, Runtime.Stub). */
// @ts-ignore: decorator
@inline const RUNTIME_STUB: i32 = 0;

/** Holes by ascending address, 8 bytes each: [start u32, end u32). */
const HOLES: usize = memory.data(MAX_BLOCKS * 8, 8);

let base: usize = 0; // first byte the arena owns; 0 until arenaStart()
let top: usize = 0; // end of the highest live block; everything above it is free
let end: usize = 0; // memory.size() << 16 as the arena last grew it
let blocks: i32 = 0; // live blocks
let holeCount: i32 = 0;

// @ts-ignore: decorator
@inline function roundUp(bytes: usize): usize {
  return (bytes + ALIGN - 1) & ~(ALIGN - 1);
}

// @ts-ignore: decorator
@inline function holeStart(i: i32): usize {
  return <usize>load<u32>(HOLES + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function holeEnd(i: i32): usize {
  return <usize>load<u32>(HOLES + (<usize>i << 3), 4);
}

/**
 * Finds where the arena starts. Under the stub runtime (the core's build)
 * heap.alloc(0) returns the stub's bump pointer: every static allocation lies
 * below it, nothing above it up to memory.size() is claimed, and nothing
 * calls heap.alloc again, so the arena owns everything from there up. Under
 * a runtime with a real allocator (the unit tests' TLSF), the allocator owns
 * all of memory.size() and keeps allocating from it, so the arena starts at
 * the first page boundary above and grows memory itself.
 */
function arenaStart(): void {
  if (ASC_RUNTIME == RUNTIME_STUB) {
    base = roundUp(heap.alloc(0)); // the core's one heap call: its empty block is where the arena begins
  } else {
    base = <usize>memory.size() << 16;
  }
  top = base;
  end = <usize>memory.size() << 16;
}

/** Makes [.., newTop) addressable, growing memory by exactly the pages missing. */
function reach(newTop: usize): void {
  if (newTop < top) unreachable(); // wrapped past 4 GiB: out of memory
  if (newTop <= end) return;
  let pages = <i32>((newTop - end + 0xffff) >>> 16);
  let before = memory.grow(pages);
  if (before < 0) unreachable(); // out of memory, as the runtime itself fails
  assert(<usize>before << 16 == end, "Linear memory grew outside the arena: nothing in the core may call heap.alloc");
  end += <usize>pages << 16;
}

/** Takes `size` bytes from the lowest hole that holds them (first fit), else from the top. */
function place(size: usize): usize {
  for (let i = 0; i < holeCount; i++) {
    let start = holeStart(i);
    let room = holeEnd(i) - start;
    if (room < size) continue;
    if (room == size) removeHole(i);
    else store<u32>(HOLES + (<usize>i << 3), <u32>(start + size));
    return start;
  }
  let at = top;
  reach(at + size);
  top = at + size;
  return at;
}

/** Makes [start, stop) free: merges it with the holes beside it, or lowers the top. */
function release(start: usize, stop: usize): void {
  let i = 0;
  while (i < holeCount && holeStart(i) < start) i++;
  // Holes i - 1 and i are the neighbours below and above.
  if (i < holeCount && holeStart(i) == stop) {
    stop = holeEnd(i);
    removeHole(i);
  }
  if (i > 0 && holeEnd(i - 1) == start) {
    i--;
    start = holeStart(i);
    removeHole(i);
  }
  if (stop == top) {
    top = start;
    return;
  }
  // Fewer holes than live blocks (ground rules): there is room.
  assert(holeCount < MAX_BLOCKS, "Arena hole table full: holes outnumber live blocks, a broken ground rule");
  let at = HOLES + (<usize>i << 3);
  memory.copy(at + 8, at, <usize>(holeCount - i) << 3);
  store<u32>(at, <u32>start);
  store<u32>(at, <u32>stop, 4);
  holeCount++;
}

function removeHole(i: i32): void {
  let at = HOLES + (<usize>i << 3);
  memory.copy(at, at + 8, <usize>(holeCount - i - 1) << 3);
  holeCount--;
}

/**
 * A new block of `bytes` (> 0) bytes, 16-byte aligned, contents undefined.
 * Called once per table, by its module's first init.
 */
export function arenaAlloc(bytes: usize): usize {
  assert(bytes > 0, "Arena blocks cannot be empty: ask for at least one byte");
  if (base == 0) arenaStart();
  assert(blocks < MAX_BLOCKS, "More growable tables than the arena's MAX_BLOCKS: raise it");
  blocks++;
  return place(roundUp(bytes));
}

/**
 * Grows the block at `ptr` from `oldBytes` to `newBytes` (the sizes it was
 * allocated or last resized with) and returns its address, which changes
 * when it moved. Bytes [0, oldBytes) are kept. Called when a table grows.
 */
export function arenaResize(ptr: usize, oldBytes: usize, newBytes: usize): usize {
  let oldSize = roundUp(oldBytes);
  let newSize = roundUp(newBytes);
  assert(newSize >= oldSize, "Arena blocks only grow: newBytes is below oldBytes");
  if (newSize == oldSize) return ptr; // still fits its rounded size
  if (ptr + oldSize == top) {
    reach(ptr + newSize);
    top = ptr + newSize;
    return ptr;
  }
  let at = place(newSize);
  memory.copy(at, ptr, oldBytes);
  release(ptr, ptr + oldSize);
  return at;
}

/** Frees a block (no table does today; the tests do). */
export function arenaFree(ptr: usize, bytes: usize): void {
  assert(blocks > 0, "Arena free without a live block: a block was freed twice");
  blocks--;
  release(ptr, ptr + roundUp(bytes));
}

// ---- introspection (tests) ----

/** First byte the arena owns (0 before the first block). */
export function arenaBase(): usize {
  return base;
}

/** End of the highest live block. */
export function arenaTop(): usize {
  return top;
}

/** Holes between live blocks. */
export function arenaHoles(): i32 {
  return holeCount;
}

/** Start of hole `i` (by address). */
export function arenaHoleStart(i: i32): usize {
  return holeStart(i);
}

/** Size of hole `i` in bytes. */
export function arenaHoleSize(i: i32): usize {
  return holeEnd(i) - holeStart(i);
}
