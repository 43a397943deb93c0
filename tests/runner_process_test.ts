// @needs os: sends SIGINT to a child process running a fixture
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildOutcome, runFixture } from "./_helpers_process.ts";

// SIGINT during run(): a real process per runtime, waiting for its output (never for time).
// Split from runner_test.ts so the rest of the runner tests also run where there are no processes.

const FIXTURE = "tests/fixtures/sigint_main.ts";

/** Starts the fixture, sends SIGINT once it printed "ready", and collects what happened. */
async function interruptFixture(sleepArg: string): Promise<ChildOutcome & { sentSigint: boolean }> {
  let sentSigint = false;
  const outcome = await runFixture(FIXTURE, [sleepArg], (stdout, pid) => {
    if (!sentSigint && stdout.includes("ready\n")) {
      sentSigint = true;
      // process.kill, not child.kill: Deno's node:child_process reports a child it was asked to
      // kill as killed by that signal, hiding the exit code the child chose.
      process.kill(pid, "SIGINT");
    }
  });
  return { ...outcome, sentSigint };
}

function assertCancelledBySigint(outcome: ChildOutcome & { sentSigint: boolean }): void {
  const detail = JSON.stringify(outcome);
  assert.equal(outcome.timedOut, false, `the child did not finish: ${detail}`);
  assert.equal(outcome.sentSigint, true, `the child never printed "ready": ${detail}`);
  assert.deepEqual(outcome.stdout.split("\n").filter((line) => line !== ""), ["ready", "cancelled"], detail);
  assert.notEqual(outcome.code, 0, detail);
  assert.notEqual(outcome.code, null, `killed by ${outcome.signal} instead of exiting: ${detail}`);
  assert.match(outcome.stderr, /CancelledError/, detail);
}

describe("SIGINT during run()", () => {
  test("SIGINT cancels a main that sleeps forever: it sees CancelledError and run() rejects with it", async () => {
    assertCancelledBySigint(await interruptFixture("forever"));
  });

  test("SIGINT cancels a main that sleeps for an hour: it sees CancelledError and run() rejects with it", async () => {
    assertCancelledBySigint(await interruptFixture(String(3_600_000)));
  });
});
