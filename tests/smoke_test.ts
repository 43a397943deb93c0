import { test } from "node:test";
import assert from "node:assert/strict";
import { createTask, sleep } from "../host/mod.ts";
import { runVirtual } from "./_helpers.ts";

test("say_after run concurrently takes 2 s of virtual time", async () => {
  const said: string[] = [];
  function* sayAfter(delay: number, what: string) {
    yield* sleep(delay);
    said.push(what);
  }
  const { clock } = await runVirtual(function* () {
    const t1 = createTask(sayAfter(1000, "hello"));
    const t2 = createTask(sayAfter(2000, "world"));
    yield* t1;
    yield* t2;
  });
  assert.deepEqual(said, ["hello", "world"]);
  assert.equal(clock.now(), 2000);
});
