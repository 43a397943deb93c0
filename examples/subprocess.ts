/**
 * Subprocesses, as in asyncio's "Subprocesses" guide: run a command and
 * collect its output, a failing command, a shell pipeline, a child fed
 * through its stdin line by line, and several children at once.
 * `node tests/tools/run_ts.mjs examples/subprocess.ts`, `deno run -A
 * examples/subprocess.ts`, `bun examples/subprocess.ts`.
 *
 * @module
 */

import { createSubprocessExec, createSubprocessShell, gather, PIPE, run, STDOUT } from "../host/mod.ts";

const decoder = new TextDecoder();
const show = (bytes: Uint8Array) => decoder.decode(bytes).trimEnd();

// Like asyncio's `run(cmd)` example: start a command, collect stdout and stderr, report the exit code.
function* runCommand(program: string, args: string[]) {
  const proc = yield* createSubprocessExec(program, args, { stdout: PIPE, stderr: PIPE });
  const [stdout, stderr] = yield* proc.communicate();
  console.log(`[${[program, ...args].join(" ")} exited with ${proc.returncode}]`);
  if (stdout.length > 0) console.log(`[stdout]\n${show(stdout)}`);
  if (stderr.length > 0) console.log(`[stderr]\n${show(stderr)}`);
}

await run(function* main() {
  yield* runCommand("ls", ["-d", "/", "/tmp"]);
  yield* runCommand("ls", ["/no/such/directory"]);

  // A shell pipeline; stderr joins stdout.
  const pipeline = yield* createSubprocessShell("printf 'pear\\napple\\nfig\\n' | sort | head -n 2", {
    stdout: PIPE,
    stderr: STDOUT,
  });
  const [sorted] = yield* pipeline.communicate();
  console.log(`[pipeline exited with ${pipeline.returncode}]\n${show(sorted)}`);

  // A conversation: write a line to the child's stdin, read its answer from stdout.
  const calculator = yield* createSubprocessExec("sh", ["-c", 'while read a b; do echo "$a + $b = $((a + b))"; done'], {
    stdin: PIPE,
    stdout: PIPE,
  });
  for (const [a, b] of [[1, 2], [20, 22]]) {
    calculator.stdin.write(`${a} ${b}\n`);
    yield* calculator.stdin.drain();
    console.log(`calculator says: ${show(yield* calculator.stdout.readline())}`);
  }
  calculator.stdin.close();
  console.log(`[calculator exited with ${yield* calculator.wait()}]`);

  // Three children at once: about 0.3 s in all, not 0.6 s.
  const started = performance.now();
  const sleepers = yield* gather([0.1, 0.2, 0.3].map((s) => createSubprocessExec("sleep", [String(s)])));
  const codes = yield* gather(sleepers.map((proc) => proc.wait()));
  console.log(`[3 sleeps exited with ${codes.join(", ")} in ${Math.round(performance.now() - started)} ms]`);

  // A child that will not stop by itself, killed: its returncode is minus the signal's number.
  const stuck = yield* createSubprocessExec("sleep", ["3600"]);
  stuck.kill();
  console.log(`[sleep 3600 killed: returncode ${yield* stuck.wait()}]`);
});
