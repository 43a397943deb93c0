// Included in every spec (as-pect.config.js `include`): room for the tests'
// own allocations, reserved before any test runs.
//
// The core's build uses the stub runtime, and after start-up only the arena
// (assembly/arena.ts) grows linear memory; it asserts so. The specs compile
// with as-pect's incremental runtime instead, whose TLSF allocator grows
// memory by itself whenever the tests' arrays and strings outgrow it: memory
// grown under the arena that way would fail that assertion. Allocating and
// freeing one large block up front leaves TLSF a free block big enough for
// every spec, so TLSF never grows memory again and the arena, which starts
// above everything TLSF owns, is the only one that does, as in the build.

/** Bytes TLSF keeps free for the tests: every spec passes with 1 MiB today, so 16 leave room. */
const TEST_HEAP_RESERVE: usize = 16 << 20;

heap.free(heap.alloc(TEST_HEAP_RESERVE));
