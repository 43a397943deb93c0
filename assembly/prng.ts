// A seeded pseudo-random generator for the loop's `shuffle` option: the same
// seed gives the same sequence on every runtime (pure integer arithmetic).
// xorshift32 state seeded through one round of splitmix32 so that small,
// similar seeds (1, 2, 3) still start far apart.

let state: u32 = 0x9e3779b9;

/** Restarts the sequence from `seed`. */
export function prngSeed(seed: u32): void {
  let z = seed + 0x9e3779b9;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  z ^= z >>> 16;
  state = z != 0 ? z : 0x9e3779b9; // xorshift must never hold 0
}

/** The next 32 random bits. */
export function prngNext(): u32 {
  let x = state;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state = x;
  return x;
}

/** A uniform integer in [0, n) for n > 0 (multiply-shift, no modulo bias worth noting for n < 2^16). */
export function prngBelow(n: u32): u32 {
  return <u32>((<u64>prngNext() * <u64>n) >>> 32);
}
