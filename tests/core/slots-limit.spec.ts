// The slot table's hard limit: indices must fit the 24 bits a command word
// leaves for them, so the table holds at most MAX_SLOTS = 2^24 - 1 live slots.
// A file of its own: filling the table takes 256 MiB, which then stays with
// this module instance only.

import { init } from "../../assembly/index";
import { E_TABLE_FULL, OK } from "../../assembly/errors";
import {
  KIND_CALLBACK, KIND_TASK, MAX_SLOTS, checkHandle, slotAlloc, slotCapacity, slotFree, slotGen,
} from "../../assembly/slots";

describe("slot table limit", () => {
  test("alloc returns E_TABLE_FULL after 2^24 - 1 slots, and works again once one is freed", () => {
    init(false, 0);
    expect<u32>(MAX_SLOTS).toBe(0xffffff);
    for (let i: u32 = 1; i <= MAX_SLOTS; i++) {
      let index = slotAlloc(KIND_CALLBACK);
      if (index != <i32>i) {
        expect<i32>(index).toBe(<i32>i, "alloc number " + i.toString());
        return;
      }
    }
    expect<u32>(slotCapacity()).toBe(1 << 24, "the table stops at 2^24 records, slot 0 included");
    expect<i32>(slotAlloc(KIND_TASK)).toBe(E_TABLE_FULL);
    expect<i32>(slotAlloc(KIND_CALLBACK)).toBe(E_TABLE_FULL);
    expect<i32>(checkHandle(MAX_SLOTS, 1)).toBe(OK, "the last index is 0xffffff");

    slotFree(12345);
    expect<i32>(slotAlloc(KIND_TASK)).toBe(12345, "a freed slot is reused even when the table is full");
    expect<u32>(slotGen(12345)).toBe(2);
    expect<i32>(slotAlloc(KIND_TASK)).toBe(E_TABLE_FULL);
  });
});
