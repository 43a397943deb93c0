// The seeded generator (assembly/prng.ts) and the shuffled drain it drives.

import { init } from "../../assembly/index";
import { prngBelow, prngNext, prngSeed } from "../../assembly/prng";
import { KIND_CALLBACK, KIND_TASK, RUNNING, slotAlloc, slotGen, slotState } from "../../assembly/slots";
import { ringLength, ringPeek } from "../../assembly/ring";
import { OUTBOX, drain, releaseRan, schedule } from "../../assembly/scheduler";

function sequence(seed: u32, n: i32): u32[] {
  prngSeed(seed);
  let out = new Array<u32>(n);
  for (let i = 0; i < n; i++) out[i] = prngNext();
  return out;
}

function sameSequence(a: u32[], b: u32[]): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("prng", () => {
  test("the same seed gives the same sequence", () => {
    let seeds: u32[] = [0, 1, 42, 0xdeadbeef, 0xffffffff];
    for (let i = 0; i < seeds.length; i++) {
      let a = sequence(seeds[i], 1000);
      let b = sequence(seeds[i], 1000);
      expect<bool>(sameSequence(a, b)).toBe(true, "seed " + seeds[i].toString());
    }
  });

  test("reseeding restarts the sequence midway", () => {
    let a = sequence(7, 10);
    for (let i = 0; i < 123; i++) prngNext();
    let b = sequence(7, 10);
    expect<bool>(sameSequence(a, b)).toBe(true);
  });

  test("neighbouring seeds give sequences that differ from the first value on", () => {
    for (let s: u32 = 0; s < 100; s++) {
      let a = sequence(s, 50);
      let b = sequence(s + 1, 50);
      expect<bool>(a[0] != b[0]).toBe(true, "first values of seeds " + s.toString() + " and " + (s + 1).toString());
      let same = 0;
      for (let i = 0; i < 50; i++) if (a[i] == b[i]) same++;
      expect<i32>(same).toBe(0, "positions where seeds " + s.toString() + " and " + (s + 1).toString() + " agree");
    }
  });

  test("the sequence does not get stuck at zero or repeat quickly", () => {
    // 0x61c88647 is the one seed whose mixed state is 0, which xorshift cannot leave:
    // prngSeed must replace it.
    let seeds: u32[] = [0, 0x61c88647, 0x9e3779b9];
    for (let k = 0; k < seeds.length; k++) {
      let a = sequence(seeds[k], 10000);
      for (let i = 0; i < a.length; i++) {
        if (a[i] == 0) {
          expect<u32>(a[i]).toBe(1, "a zero at " + i.toString() + " for seed " + seeds[k].toString());
          return;
        }
      }
      let first = a[0];
      let repeats = 0;
      for (let i = 1; i < a.length; i++) if (a[i] == first) repeats++;
      expect<i32>(repeats).toBe(0, "the first value recurs, seed " + seeds[k].toString());
    }
  });

  test("prngBelow(n) is always below n and covers the range", () => {
    prngSeed(12345);
    let ns: u32[] = [1, 2, 3, 7, 10, 100, 1000, 65536, 0x7fffffff, 0xffffffff];
    for (let k = 0; k < ns.length; k++) {
      let n = ns[k];
      let seen = new StaticArray<bool>(10);
      for (let i = 0; i < 20000; i++) {
        let v = prngBelow(n);
        if (v >= n) {
          expect<u32>(v).toBeLessThan(n, "prngBelow(" + n.toString() + ")");
          return;
        }
        if (n <= 10) seen[v] = true;
      }
      if (n <= 10) {
        for (let v: u32 = 0; v < n; v++) expect<bool>(seen[v]).toBe(true, v.toString() + " never drawn below " + n.toString());
      }
    }
  });

  test("prngBelow is roughly uniform", () => {
    prngSeed(99);
    let buckets = new StaticArray<i32>(10);
    let draws = 100000;
    for (let i = 0; i < draws; i++) buckets[prngBelow(10)]++;
    for (let b = 0; b < 10; b++) {
      // 10,000 expected each; 5 standard deviations is about ±475.
      expect<bool>(abs(buckets[b] - 10000) < 500).toBe(true, "bucket " + b.toString() + " has " + buckets[b].toString());
    }
  });
});

// ---- the shuffled drain ----

/** Schedules `n` fresh callbacks (and every third one a task instead) and returns their indices in ring order. */
function scheduleMany(n: i32): u32[] {
  let out = new Array<u32>();
  for (let i = 0; i < n; i++) {
    let index = <u32>slotAlloc(i % 3 == 2 ? KIND_TASK : KIND_CALLBACK);
    expect<i32>(schedule(index, slotGen(index))).toBe(0);
    out.push(index);
  }
  return out;
}

function outbox(n: i32): u32[] {
  let out = new Array<u32>(n);
  for (let i = 0; i < n; i++) out[i] = load<u32>(OUTBOX + (<usize>i << 2));
  return out;
}

/** True when `got` holds exactly the values of `want`, each once, in any order. */
function isPermutationOf(got: u32[], want: u32[]): bool {
  if (got.length != want.length) return false;
  let a = got.slice(0);
  let b = want.slice(0);
  a.sort((x: u32, y: u32): i32 => <i32>(x > y) - <i32>(x < y));
  b.sort((x: u32, y: u32): i32 => <i32>(x > y) - <i32>(x < y));
  return sameSequence(a, b);
}

function shuffledBatch(seed: u32, n: i32): u32[] {
  init(true, seed);
  let ready = scheduleMany(n);
  let got = drain(4096);
  expect<i32>(got).toBe(n);
  let batch = outbox(got);
  expect<bool>(isPermutationOf(batch, ready)).toBe(true, "a permutation of the ready set, seed " + seed.toString());
  return batch;
}

describe("shuffled drain", () => {
  test("without shuffle, drain hands out the ready set in FIFO order", () => {
    init(false, 1);
    let ready = scheduleMany(100);
    expect<i32>(drain(4096)).toBe(100);
    expect<bool>(sameSequence(outbox(100), ready)).toBe(true);
  });

  test("with shuffle on, drain hands out a permutation of the ready set, not FIFO", () => {
    init(true, 1);
    let ready = scheduleMany(100);
    expect<i32>(drain(4096)).toBe(100);
    let batch = outbox(100);
    expect<bool>(isPermutationOf(batch, ready)).toBe(true);
    expect<bool>(sameSequence(batch, ready)).toBe(false, "100 entries shuffled into FIFO order is a 1 in 100! event");
    for (let i = 0; i < 100; i++) {
      expect<u8>(slotState(batch[i])).toBe(RUNNING);
    }
  });

  test("the same seed gives the same permutation", () => {
    let a = shuffledBatch(2024, 200);
    let b = shuffledBatch(2024, 200);
    expect<bool>(sameSequence(a, b)).toBe(true);
  });

  test("different seeds give different permutations", () => {
    let a = shuffledBatch(1, 50);
    let b = shuffledBatch(2, 50);
    expect<bool>(sameSequence(a, b)).toBe(false);
  });

  test("a batch smaller than the ring shuffles only the entries it takes", () => {
    init(true, 5);
    let ready = scheduleMany(30);
    expect<i32>(drain(10)).toBe(10);
    expect<bool>(isPermutationOf(outbox(10), ready.slice(0, 10))).toBe(true, "the first ten, shuffled");
    expect<u32>(ringLength()).toBe(20);
    for (let i = 0; i < 20; i++) expect<u32>(ringPeek(<u32>i)).toBe(ready[10 + i], "the rest stay in FIFO order");
    releaseRan();
    expect<i32>(drain(4096)).toBe(20);
    expect<bool>(isPermutationOf(outbox(20), ready.slice(10))).toBe(true, "the next batch");
  });

  test("every position is reachable: each entry lands first in some batch", () => {
    // 8 entries, 400 batches from one seeded stream: each entry should lead a batch at least once.
    init(true, 77);
    let led = new StaticArray<i32>(8);
    for (let round = 0; round < 400; round++) {
      let ready = scheduleMany(8);
      expect<i32>(drain(4096)).toBe(8);
      let first = load<u32>(OUTBOX);
      for (let i = 0; i < 8; i++) if (ready[i] == first) led[i]++;
      // Free the callbacks; finish would be needed for tasks, so just start over.
      init(true, prngNext());
    }
    for (let i = 0; i < 8; i++) expect<bool>(led[i] > 10).toBe(true, "entry " + i.toString() + " led " + led[i].toString() + " batches");
  });

  test("a batch of one and an empty batch are left alone", () => {
    init(true, 3);
    let one = scheduleMany(1);
    expect<i32>(drain(4096)).toBe(1);
    expect<u32>(load<u32>(OUTBOX)).toBe(one[0]);
    releaseRan();
    expect<i32>(drain(4096)).toBe(0);
  });
});
