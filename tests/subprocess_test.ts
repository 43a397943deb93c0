// @needs os: starts child processes (sh, cat, tr, head, sleep, pgrep) and signals them
/**
 * Subprocesses with real children (sh, cat, tr, head, sleep) on the
 * runtime running the suite. Tests wait for what the children do, never for
 * time; every child a test starts is killed and reaped before the test
 * ends, and the last test checks that none is left.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  ConnectionResetError,
  type Coroutine,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  DEVNULL,
  gather,
  INHERIT,
  PIPE,
  type Process,
  type ProcessWith,
  run,
  RuntimeError,
  sleep,
  STDOUT,
  type SubprocessOptions,
  until,
} from "../host/mod.ts";
import { platform } from "../host/platform/detect.ts";
import { caught, thrownBy } from "./_helpers.ts";
import { fixtureCommand } from "./_helpers_process.ts";

const MiB = 1024 * 1024;
const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null) => bytes === null ? null : decoder.decode(bytes);

/** Every process the tests started, so each test can reap what it left and the last can check. */
const started: Process[] = [];

/** createSubprocessExec(), remembering the process. */
function* exec<const O extends SubprocessOptions = Record<never, never>>(
  program: string,
  args: string[] = [],
  options?: O,
): Coroutine<ProcessWith<O>> {
  const proc = yield* createSubprocessExec(program, args, options);
  started.push(proc);
  return proc;
}

/** createSubprocessShell(), remembering the process. */
function* shell<const O extends SubprocessOptions = Record<never, never>>(
  command: string,
  options?: O,
): Coroutine<ProcessWith<O>> {
  const proc = yield* createSubprocessShell(command, options);
  started.push(proc);
  return proc;
}

/** run(main), then kills and reaps whatever it left running (a failed assertion must not leave a child). */
async function runChildren<T>(main: () => Coroutine<T>): Promise<T> {
  try {
    return await run(main);
  } finally {
    await run(function* () {
      for (const proc of started) {
        if (proc.returncode !== null) continue;
        proc.kill();
        yield* proc.wait();
      }
    });
  }
}

/** `length` bytes of lowercase lines: each 64th byte is a newline. */
function lowercaseLines(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = i % 64 === 63 ? 10 : 97 + (i * 7 + (i >> 6)) % 26;
  return bytes;
}

function* sha256(bytes: Uint8Array): Coroutine<string> {
  const digest = yield* until(crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Lets every task that is ready take a step (they then wait on what they are blocked on). */
function* letTasksRun(): Coroutine<void> {
  yield* sleep(0);
  yield* sleep(0);
}

describe("subprocesses", () => {
  test("communicate() pushes 10 MiB through cat while the child writes 10 MiB to stderr, without deadlock", async () => {
    await runChildren(function* () {
      const input = lowercaseLines(10 * MiB);
      // The background head fills stderr while cat echoes stdin: every pipe must be served at once.
      const proc = yield* shell(`head -c ${10 * MiB} /dev/zero >&2 & cat; wait`, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
      });
      const [out, err] = yield* proc.communicate(input);
      assert.equal(out.length, input.length);
      assert.equal(yield* sha256(out), yield* sha256(input));
      assert.equal(err.length, 10 * MiB);
      assert.equal(err.every((b) => b === 0), true);
      assert.equal(proc.returncode, 0);
    });
  });

  test("a pipeline cat | tr a-z A-Z, joined by a task copying with drain(), carries 10 MiB intact", async () => {
    await runChildren(function* () {
      const input = lowercaseLines(10 * MiB);
      const expected = input.map((b) => b === 10 ? 10 : b - 32);
      const cat = yield* exec("cat", [], { stdin: PIPE, stdout: PIPE });
      const tr = yield* exec("tr", ["a-z", "A-Z"], { stdin: PIPE, stdout: PIPE });
      const feed = createTask(function* () {
        cat.stdin.write(input);
        yield* cat.stdin.drain();
        cat.stdin.close();
      }());
      let copied = 0;
      const copy = createTask(function* () {
        for (;;) {
          const chunk = yield* cat.stdout.read(64 * 1024);
          if (chunk.length === 0) break;
          copied += chunk.length;
          tr.stdin.write(chunk);
          yield* tr.stdin.drain();
        }
        tr.stdin.close();
      }());
      const out = yield* tr.stdout.read();
      yield* feed;
      yield* copy;
      assert.deepEqual([yield* cat.wait(), yield* tr.wait()], [0, 0]);
      assert.equal(copied, input.length);
      assert.equal(out.length, input.length);
      assert.equal(yield* sha256(out), yield* sha256(expected));
    });
  });

  test("stdout and stderr are read separately, each to its own stream", async () => {
    await runChildren(function* () {
      const proc = yield* shell("echo out; echo err >&2", { stdout: PIPE, stderr: PIPE });
      const [out, err] = yield* proc.communicate();
      assert.deepEqual([text(out), text(err)], ["out\n", "err\n"]);
    });
  });

  test("stderr: STDOUT merges both into process.stdout and leaves process.stderr null", async () => {
    await runChildren(function* () {
      const proc = yield* shell("echo out; echo err >&2", { stdout: PIPE, stderr: STDOUT });
      assert.equal(proc.stderr, null);
      const [out, err] = yield* proc.communicate();
      assert.equal(err, null);
      // Two pipes underneath: each line arrives whole, in either order.
      assert.deepEqual(text(out)!.split("\n").sort(), ["", "err", "out"]);
      const big = yield* shell(`head -c ${MiB} /dev/zero & head -c ${MiB} /dev/zero >&2; wait`, {
        stdout: PIPE,
        stderr: STDOUT,
      });
      const [both] = yield* big.communicate();
      assert.equal(both.length, 2 * MiB);
    });
  });

  test("a child that exits before its output is read loses none of it (20 at once)", async () => {
    await runChildren(function* () {
      const procs = [];
      for (let i = 0; i < 20; i++) {
        procs.push(yield* shell(`echo out${i}; echo err${i} >&2`, { stdout: PIPE, stderr: PIPE }));
      }
      const outputs = yield* gather(procs.map((proc) => proc.communicate()));
      assert.deepEqual(
        outputs.map((pair) => pair.map(text)),
        procs.map((_, i) => [`out${i}\n`, `err${i}\n`]),
      );
    });
  });

  test("a reader that does not read holds the child back: stdout is paused, not buffered without bound", async () => {
    await runChildren(function* () {
      const limit = 64 * 1024;
      const proc = yield* shell(`head -c ${10 * MiB} /dev/zero; echo done >&2`, { stdout: PIPE, stderr: PIPE, limit });
      // Nothing reads: the reader takes what arrives until it holds more than twice its limit, then pauses the pipe.
      while (!String(proc.stdout).includes("paused")) yield* sleep(1);
      const held = () => Number(/(\d+) bytes/.exec(String(proc.stdout))![1]);
      const atPause = held();
      assert.ok(atPause > 2 * limit && atPause < 2 * limit + MiB, String(proc.stdout));
      // Paused means paused: more turns of the loop bring nothing, and the child cannot finish.
      for (let i = 0; i < 5; i++) yield* sleep(10);
      assert.equal(held(), atPause);
      assert.equal(proc.returncode, null);
      const [out, err] = yield* proc.communicate();
      assert.equal(out.length, 10 * MiB);
      assert.equal(text(err), "done\n");
    });
  });

  test("DEVNULL discards output and gives the child an empty stdin", async () => {
    await runChildren(function* () {
      const quiet = yield* shell("echo discarded; echo kept >&2", { stdout: DEVNULL, stderr: PIPE });
      assert.equal(quiet.stdout, null);
      assert.deepEqual((yield* quiet.communicate()).map(text), [null, "kept\n"]);
      const cat = yield* exec("cat", [], { stdin: DEVNULL, stdout: PIPE });
      assert.equal(cat.stdin, null);
      assert.deepEqual((yield* cat.communicate()).map(text), ["", null]);
      assert.equal(cat.returncode, 0);
    });
  });

  test("by default (INHERIT) the child uses the parent's stdin, stdout and stderr, and has no streams", async () => {
    await runChildren(function* () {
      const { cmd, args } = yield* until(fixtureCommand("tests/fixtures/subprocess_inherit.ts", []));
      const parent = yield* exec(cmd, args, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
        env: { ...process.env, NO_COLOR: "1" },
      });
      const [out, err] = yield* parent.communicate("hello\n");
      const detail = JSON.stringify([text(out), text(err)]);
      assert.deepEqual(
        text(out)!.split("\n"),
        ["child-stdout", "child-read:hello", "streams null null null", "returncode 0", ""],
        detail,
      );
      assert.equal(text(err), "child-stderr\n", detail);
      assert.equal(parent.returncode, 0);
      const plain = yield* exec("true", [], { stdin: INHERIT });
      const none: [null, null, null] = [plain.stdin, plain.stdout, plain.stderr];
      assert.deepEqual(none, [null, null, null]);
      assert.equal(yield* plain.wait(), 0);
    });
  });

  test("a failing command's exit code is the returncode, null until it exits", async () => {
    await runChildren(function* () {
      const three = yield* exec("sh", ["-c", "exit 3"]);
      assert.equal(yield* three.wait(), 3);
      assert.equal(three.returncode, 3);
      const no = yield* exec("false");
      assert.equal(yield* no.wait(), 1);
      const cat = yield* exec("cat", [], { stdin: PIPE });
      assert.equal(cat.returncode, null);
      assert.equal(String(cat), `<Process ${cat.pid} running>`);
      cat.stdin.close();
      assert.equal(yield* cat.wait(), 0);
      assert.equal(String(cat), `<Process ${cat.pid} returncode=0>`);
      const shellExit = yield* shell("exit 7");
      assert.equal(yield* shellExit.wait(), 7);
    });
  });

  test("a killed process's returncode is -9; terminate() gives -15, sendSignal() takes names and numbers", async () => {
    await runChildren(function* () {
      const killed = yield* exec("cat", [], { stdin: PIPE });
      killed.kill();
      assert.equal(yield* killed.wait(), -9);
      assert.equal(killed.returncode, -9);
      const terminated = yield* exec("cat", [], { stdin: PIPE });
      terminated.terminate();
      assert.equal(yield* terminated.wait(), -15);
      const interrupted = yield* exec("cat", [], { stdin: PIPE });
      interrupted.sendSignal("SIGINT");
      assert.equal(yield* interrupted.wait(), -2);
      const numbered = yield* exec("cat", [], { stdin: PIPE });
      numbered.sendSignal(9);
      assert.equal(yield* numbered.wait(), -9);
      // Once the child is gone a signal does nothing: its pid may belong to another process by now.
      numbered.kill();
      numbered.sendSignal("SIGTERM");
      assert.equal(numbered.returncode, -9);
    });
  });

  test("sendSignal() refuses what is not a signal, at the call", async () => {
    await runChildren(function* () {
      const proc = yield* exec("cat", [], { stdin: PIPE });
      assert.throws(() => proc.sendSignal("SIGNOPE"), RangeError);
      assert.throws(() => proc.sendSignal("sigterm"), RangeError);
      assert.throws(() => proc.sendSignal(0), RangeError);
      assert.throws(() => proc.sendSignal(1.5), RangeError);
      assert.throws(() => proc.sendSignal(65), RangeError);
      assert.throws(() => proc.sendSignal({} as unknown as string), TypeError);
      // A name this system does not have (SIGEMT is macOS's, SIGSTKFLT Linux's).
      assert.throws(() => proc.sendSignal(process.platform === "darwin" ? "SIGSTKFLT" : "SIGEMT"), RangeError);
      assert.equal(proc.returncode, null);
      proc.stdin.close();
      assert.equal(yield* proc.wait(), 0);
    });
  });

  test("a missing command or directory fails with the runtime's error, code ENOENT", async () => {
    await runChildren(function* () {
      const missing = yield* caught(() => createSubprocessExec("spindle-no-such-command"));
      assert.ok(missing instanceof Error, String(missing));
      assert.equal((missing as { code?: unknown }).code, "ENOENT", String(missing));
      const nowhere = yield* caught(() => createSubprocessExec("true", [], { cwd: "/spindle/no/such/dir" }));
      assert.equal((nowhere as { code?: unknown }).code, "ENOENT", String(nowhere));
    });
  });

  test("where the platform has no child processes, both functions throw RuntimeError naming it", () => {
    const adapters = platform as { processes: unknown };
    const processes = adapters.processes;
    adapters.processes = undefined;
    try {
      for (const start of [() => createSubprocessExec("true"), () => createSubprocessShell("true")]) {
        const error = thrownBy(start);
        assert.ok(error instanceof RuntimeError, String(error));
        assert.match(error.message, new RegExp(`child processes, which ${platform.name} does not provide`));
      }
    } finally {
      adapters.processes = processes;
    }
  });

  test("bad arguments are TypeErrors and RangeErrors at the call", () => {
    const bad = (value: unknown) => value as never;
    assert.throws(() => createSubprocessExec(bad(42)), TypeError);
    assert.throws(() => createSubprocessExec(""), RangeError);
    assert.throws(() => createSubprocessExec("ls", bad("-l")), TypeError);
    assert.throws(() => createSubprocessExec("ls", bad([1])), TypeError);
    assert.throws(() => createSubprocessExec("ls", ["a\0b"]), RangeError);
    assert.throws(() => createSubprocessExec("ls", [], bad({ stdout: STDOUT })), RangeError);
    assert.throws(() => createSubprocessExec("ls", [], bad({ stdin: "pipe " })), RangeError);
    assert.throws(() => createSubprocessExec("ls", [], bad({ stdout: 1 })), TypeError);
    assert.throws(() => createSubprocessExec("ls", [], bad({ stdOut: PIPE })), TypeError);
    assert.throws(() => createSubprocessExec("ls", [], bad({ cwd: 5 })), TypeError);
    assert.throws(() => createSubprocessExec("ls", [], bad({ env: { A: 1 } })), TypeError);
    assert.throws(() => createSubprocessExec("ls", [], { env: { "A=B": "x" } }), RangeError);
    assert.throws(() => createSubprocessExec("ls", [], { limit: 0 }), RangeError);
    assert.throws(() => createSubprocessExec("ls", [], bad("options")), TypeError);
    assert.throws(() => createSubprocessShell(bad(["ls"])), TypeError);
  });

  test("communicate() refuses input of the wrong type, and input with no stdin pipe", async () => {
    await runChildren(function* () {
      const proc = yield* exec("cat", [], { stdin: PIPE, stdout: PIPE });
      assert.throws(() => proc.communicate(42 as never), TypeError);
      const noStdin = yield* exec("true", [], { stdout: PIPE });
      assert.throws(() => noStdin.communicate("input"), RuntimeError);
      assert.deepEqual((yield* noStdin.communicate()).map(text), ["", null]);
      assert.deepEqual((yield* proc.communicate("echo\n")).map(text), ["echo\n", null]);
      // stdin is closed now: more input cannot reach the child.
      assert.throws(() => proc.communicate("more"), RuntimeError);
    });
  });

  test("communicate() ignores a child that exits without reading all of its input", async () => {
    await runChildren(function* () {
      const proc = yield* exec("head", ["-c", "10"], { stdin: PIPE, stdout: PIPE });
      const [out] = yield* proc.communicate(lowercaseLines(10 * MiB));
      assert.equal(text(out), text(lowercaseLines(10)));
      assert.equal(proc.returncode, 0);
    });
  });

  test("drain() raises the broken pipe (code EPIPE) when the child exits before reading what was written", async () => {
    await runChildren(function* () {
      const head = yield* exec("head", ["-c", "10"], { stdin: PIPE, stdout: DEVNULL });
      head.stdin.write(lowercaseLines(10 * MiB));
      const error = yield* caught(() => head.stdin.drain());
      assert.equal((error as { code?: unknown }).code, "EPIPE", String(error));
      assert.equal(yield* head.wait(), 0);
      // Once wait() has returned, stdin is closed: writes go nowhere and drain() says the connection is lost.
      head.stdin.write("more");
      assert.ok((yield* caught(() => head.stdin.drain())) instanceof ConnectionResetError);
    });
  });

  test("shell commands run under /bin/sh, and pid is the child's", async () => {
    await runChildren(function* () {
      const arithmetic = yield* shell("echo $((6 * 7)) | tr 4 x", { stdout: PIPE });
      assert.deepEqual((yield* arithmetic.communicate()).map(text), ["x2\n", null]);
      const self = yield* shell("echo $$", { stdout: PIPE });
      const [pid] = yield* self.communicate();
      assert.equal(Number(text(pid)), self.pid);
      const quoted = yield* exec("sh", ["-c", 'printf "%s|" "$@"', "sh", "two words", "$HOME", "*"], { stdout: PIPE });
      assert.deepEqual((yield* quoted.communicate()).map(text), ["two words|$HOME|*|", null]);
    });
  });

  test("cwd sets the working directory; env is the whole environment", async () => {
    await runChildren(function* () {
      const pwd = yield* exec("pwd", [], { cwd: "/", stdout: PIPE });
      assert.deepEqual((yield* pwd.communicate()).map(text), ["/\n", null]);
      const env = yield* exec("/usr/bin/env", [], {
        env: { SPINDLE_A: "1", SPINDLE_B: undefined },
        stdout: PIPE,
      });
      assert.deepEqual((yield* env.communicate()).map(text), ["SPINDLE_A=1\n", null]);
    });
  });

  test("readline() gets each line as the child writes it, before the child exits", async () => {
    await runChildren(function* () {
      const proc = yield* shell('echo one; read x; echo "two $x"; read y; echo "three $y"', {
        stdin: PIPE,
        stdout: PIPE,
      });
      assert.equal(text(yield* proc.stdout.readline()), "one\n");
      assert.equal(proc.returncode, null); // it is blocked reading its stdin
      proc.stdin.write("A\n");
      yield* proc.stdin.drain();
      assert.equal(text(yield* proc.stdout.readline()), "two A\n");
      proc.stdin.write("B\n");
      proc.stdin.close();
      assert.equal(text(yield* proc.stdout.readline()), "three B\n");
      assert.equal(text(yield* proc.stdout.readline()), "");
      assert.equal(yield* proc.wait(), 0);
    });
  });

  test("limit is the readers' limit: a longer line fails readline()", async () => {
    await runChildren(function* () {
      const proc = yield* shell("printf '%050d\\nshort\\n' 0", { stdout: PIPE, limit: 16 });
      const error = yield* caught(() => proc.stdout.readline());
      assert.ok(error instanceof RangeError, String(error));
      assert.equal(text(yield* proc.stdout.readline()), "short\n");
      assert.equal(yield* proc.wait(), 0);
    });
  });

  test("wait() returns once the child has exited and its pipes are done: output all read, stdin closed", async () => {
    await runChildren(function* () {
      const proc = yield* shell("echo a; echo b", { stdin: PIPE, stdout: PIPE });
      assert.equal(yield* proc.wait(), 0);
      assert.equal(proc.stdin.isClosing(), true);
      assert.equal(text(yield* proc.stdout.read(100)), "a\nb\n");
      assert.equal(proc.stdout.atEof(), true);
    });
  });

  test("cancelling a task in wait() frees it at once; the child runs on and can be killed and reaped", async () => {
    await runChildren(function* () {
      const proc = yield* exec("cat", [], { stdin: PIPE });
      const waiter = createTask(proc.wait());
      yield* letTasksRun();
      waiter.cancel();
      const error = yield* caught(() => waiter);
      assert.ok(error instanceof CancelledError, String(error));
      assert.equal(proc.returncode, null);
      proc.kill();
      assert.equal(yield* proc.wait(), -9);
    });
  });

  test("cancelling a task in a stdout read frees it; the reader still works, the child can be killed", async () => {
    await runChildren(function* () {
      const proc = yield* exec("cat", [], { stdin: PIPE, stdout: PIPE });
      const reader = createTask(proc.stdout.read(100));
      yield* letTasksRun();
      reader.cancel();
      assert.ok((yield* caught(() => reader)) instanceof CancelledError);
      assert.equal(proc.returncode, null);
      proc.stdin.write("after\n");
      assert.equal(text(yield* proc.stdout.readline()), "after\n");
      proc.kill();
      assert.equal(yield* proc.wait(), -9);
    });
  });

  test("cancelling a task in drain() to a child that does not read frees it; the child can be killed", async () => {
    await runChildren(function* () {
      const proc = yield* exec("sleep", ["600"], { stdin: PIPE });
      proc.stdin.write(lowercaseLines(10 * MiB)); // more than any pipe holds
      const drainer = createTask(proc.stdin.drain());
      yield* letTasksRun();
      assert.equal(drainer.done(), false);
      drainer.cancel();
      assert.ok((yield* caught(() => drainer)) instanceof CancelledError);
      proc.kill();
      assert.equal(yield* proc.wait(), -9);
    });
  });

  test("cancelling communicate() frees it; the child can be killed and reaped", async () => {
    await runChildren(function* () {
      const proc = yield* exec("sh", ["-c", "echo started; exec cat"], { stdin: PIPE, stdout: PIPE });
      const talk = createTask(proc.communicate());
      yield* letTasksRun();
      talk.cancel();
      assert.ok((yield* caught(() => talk)) instanceof CancelledError);
      proc.kill();
      assert.equal(yield* proc.wait(), -9);
    });
  });

  test("a task cancelled while its child is starting leaves no child behind", async () => {
    await runChildren(function* () {
      // A sleep that pgrep can find by its unusual argument.
      const marker = `600.${Math.floor(Math.random() * 1e9)}`;
      const starting = createTask(createSubprocessExec("sleep", [marker]));
      yield* sleep(0); // the task asks the runtime for the child and waits
      starting.cancel();
      assert.ok((yield* caught(() => starting)) instanceof CancelledError);
      for (;;) {
        const pgrep = yield* exec("pgrep", ["-f", `sleep ${marker}`], { stdout: PIPE });
        const [found] = yield* pgrep.communicate();
        if (pgrep.returncode === 1) break; // none
        assert.equal(pgrep.returncode, 0, text(found)!);
        yield* sleep(10); // the kill is on its way: look again
      }
    });
  });

  test("a child still running when its loop closes is killed, like asyncio closing its transport", async () => {
    const proc = await run(function* () {
      return yield* exec("sleep", ["600"], { stdout: PIPE });
    });
    // The loop is closed: nothing waits for the child, so its exit is awaited on the promise side.
    for (let i = 0; proc.returncode === null && i < 1000; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(proc.returncode, -9);
  });

  test("the suite leaves no child process behind", () => {
    assert.ok(started.length > 30, `${started.length} processes`);
    for (const proc of started) {
      assert.notEqual(proc.returncode, null, String(proc));
      assert.throws(() => process.kill(proc.pid, 0), (error: { code?: unknown }) => error.code === "ESRCH");
    }
  });
});
