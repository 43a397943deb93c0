/**
 * Subprocesses (asyncio's subprocess.py): `createSubprocessExec()`,
 * `createSubprocessShell()` and `Process`, whose piped stdin, stdout and
 * stderr are a StreamWriter and StreamReaders. Nothing here knows the
 * runtime: platform.processes starts children and hands over their pipes
 * as transports (platform/io_types.ts).
 *
 * Ground rules
 * - The order of events is asyncio 3.13's: `returncode` is set as soon as
 *   the child has exited; wait() returns once the child has exited and its
 *   stdout and stderr pipes have ended, at which point stdin is closed. So
 *   when wait() returns, everything the child wrote is in the readers. (A
 *   grandchild holding the child's stdout open keeps wait() waiting, as in
 *   asyncio 3.13; asyncio there returns early when wait() is called after
 *   the exit, which spindle does not copy: wait() means the same thing
 *   whenever it is called.)
 * - communicate() feeds stdin while reading stdout and stderr in tasks of
 *   their own, so no pipe fills up while another is being served, however
 *   much flows. Like asyncio it ignores a broken stdin pipe: a child may
 *   exit without reading all of its input.
 * - Cancelling a task that waits in wait(), communicate(), a read or a
 *   drain() ends only that wait: the child runs on and can still be
 *   signalled and waited for. A task cancelled while the child is being
 *   started leaves no child behind: the one that starts is killed.
 * - A child still running when its loop closes is killed (SIGKILL), as
 *   asyncio does when it closes the child's transport; kill() or wait for
 *   it yourself to choose how it ends.
 * - Signals go only to a child that has not exited. asyncio raises
 *   ProcessLookupError for a signal sent after wait() has returned; spindle
 *   does nothing, as Popen.send_signal() does for a finished child: the
 *   pid may already belong to another process.
 *
 * @module
 */

import { ConnectionResetError, RuntimeError } from "./errors.ts";
import { gather } from "./gather.ts";
import type { Loop } from "./loop.ts";
import { getRunningLoop } from "./_running.ts";
import { type Coroutine, describe, type Operation } from "./operation.ts";
import { platform } from "./platform/detect.ts";
import type { ChildProcess, ProcessAdapter, SpawnOptions, StdioMode, Transport } from "./platform/io_types.ts";
import { StreamReader, StreamWriter } from "./streams.ts";
import { until } from "./until.ts";

/** A new pipe to the child: its end here is `process.stdin`, `.stdout` or `.stderr`. */
export const PIPE = "pipe";
/** The null device: the child reads EOF at once, or its output is discarded. */
export const DEVNULL = "devnull";
/** For `stderr` only: into the same place as stdout (with stdout PIPE, its pipe). */
export const STDOUT = "stdout";
/** The parent's own stdin, stdout or stderr: the default, as in asyncio. */
export const INHERIT = "inherit";

/** Where a child's stdin, stdout or stderr goes. */
export type StdioOption = typeof PIPE | typeof DEVNULL | typeof INHERIT;

/** Options for {@linkcode createSubprocessExec} and {@linkcode createSubprocessShell}. */
export interface SubprocessOptions {
  /** The child's stdin: PIPE, DEVNULL or INHERIT (the default). */
  stdin?: StdioOption;
  /** The child's stdout: PIPE, DEVNULL or INHERIT (the default). */
  stdout?: StdioOption;
  /**
   * The child's stderr: PIPE, DEVNULL, INHERIT (the default), or STDOUT to
   * send it where stdout goes. With stdout PIPE, both arrive on
   * `process.stdout` in arrival order (the runtimes pipe them separately).
   * With stdout INHERIT, STDOUT leaves stderr on the parent's stderr.
   */
  stderr?: StdioOption | typeof STDOUT;
  /** The child's working directory; the parent's by default. */
  cwd?: string;
  /**
   * The child's whole environment (entries set to undefined are left out);
   * the parent's by default. To add to it, spread the parent's:
   * `{ ...process.env, NAME: "value" }`.
   */
  env?: Record<string, string | undefined>;
  /** The stdout and stderr readers' limit in bytes (default 64 KiB): see StreamReader. */
  limit?: number;
}

/** What option `K` is set to in `O`, when known from its type. */
type Mode<O, K extends string> = K extends keyof O ? O[K] : undefined;
/** `T` for a piped stream, null for any other. */
type IfPiped<M, T> = M extends typeof PIPE ? T : null;

/** What communicate() returns: stdout's and stderr's bytes, null for one not piped. */
export type CommunicateResult<O extends SubprocessOptions = SubprocessOptions> = [
  stdout: IfPiped<Mode<O, "stdout">, Uint8Array>,
  stderr: IfPiped<Mode<O, "stderr">, Uint8Array>,
];

/**
 * The {@linkcode Process} started with options `O`, its streams typed by
 * them: with `{ stdout: PIPE }`, `stdout` is a StreamReader, not
 * `StreamReader | null`. It is a Process (an array of `Process` holds it).
 */
export type ProcessWith<O extends SubprocessOptions> =
  // These members come first so that communicate()'s narrower signature is the one that applies.
  & {
    readonly stdin: IfPiped<Mode<O, "stdin">, StreamWriter>;
    readonly stdout: IfPiped<Mode<O, "stdout">, StreamReader>;
    readonly stderr: IfPiped<Mode<O, "stderr">, StreamReader>;
    communicate(input?: Uint8Array | string | null): Operation<CommunicateResult<O>>;
  }
  & Process;

const OPTION_NAMES = new Set(["stdin", "stdout", "stderr", "cwd", "env", "limit"]);
const STDIO_MODES = new Map<unknown, StdioMode>([[PIPE, "pipe"], [DEVNULL, "ignore"], [INHERIT, "inherit"]]);
const encoder = new TextEncoder();

/**
 * Starts `program` with `args`, without a shell (the PATH is searched),
 * and returns its {@linkcode Process}. The child's stdin, stdout and stderr
 * are the parent's unless piped: with `{ stdout: PIPE }`, `process.stdout`
 * is a StreamReader (and typed so).
 *
 * @example
 * ```ts
 * const proc = yield* createSubprocessExec("ls", ["-l"], { stdout: PIPE });
 * const [listing] = yield* proc.communicate();
 * console.log(new TextDecoder().decode(listing), proc.returncode);
 * ```
 * @throws {TypeError} or {RangeError} for bad arguments, at the call
 * @throws {RuntimeError} at the call where the runtime has no child processes (browsers, workerd)
 * @throws the runtime's error when the child cannot start, with `code` "ENOENT" for a
 *   missing program or directory
 */
export function createSubprocessExec<const O extends SubprocessOptions = Record<never, never>>(
  program: string,
  args: readonly string[] = [],
  options?: O,
): Operation<ProcessWith<O>> {
  checkString("createSubprocessExec()", "program", program, false);
  if (!Array.isArray(args)) {
    throw new TypeError(
      `createSubprocessExec() needs its arguments as an array of strings (\`[]\` for none), got ${describe(args)}`,
    );
  }
  for (const arg of args) checkString("createSubprocessExec()", "argument", arg, true);
  return start(program, [...args], options, "createSubprocessExec()");
}

/**
 * Runs `command` with the system shell (`/bin/sh -c command`) and returns
 * its {@linkcode Process}. Quote anything that comes from outside: the
 * shell interprets the whole string.
 *
 * @example
 * ```ts
 * const proc = yield* createSubprocessShell("ls | wc -l", { stdout: PIPE });
 * const [count] = yield* proc.communicate();
 * ```
 * @throws {TypeError} or {RangeError} for bad arguments, at the call
 * @throws {RuntimeError} at the call where the runtime has no child processes (browsers, workerd)
 */
export function createSubprocessShell<const O extends SubprocessOptions = Record<never, never>>(
  command: string,
  options?: O,
): Operation<ProcessWith<O>> {
  checkString("createSubprocessShell()", "command", command, true);
  return start("/bin/sh", ["-c", command], options, "createSubprocessShell()");
}

/**
 * A running or finished child process (asyncio.subprocess.Process), made
 * by {@linkcode createSubprocessExec} or {@linkcode createSubprocessShell}.
 * `stdin`, `stdout` and `stderr` are streams for the ones started as PIPE,
 * null otherwise.
 */
export class Process {
  /** The child's process id. */
  readonly pid: number;
  /** The child's stdin when started with `stdin: PIPE`; close() it to send EOF. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout when started with `stdout: PIPE` (with `stderr: STDOUT`, its stderr too). */
  readonly stdout: StreamReader | null;
  /** The child's stderr when started with `stderr: PIPE`. */
  readonly stderr: StreamReader | null;
  readonly #child: ChildProcess;
  #returncode: number | null = null;
  /** Settles with the returncode once the child has exited and its pipes are closed. */
  readonly #finished: Promise<number>;

  /** @internal made by createSubprocessExec() and createSubprocessShell() */
  constructor(child: ChildProcess, limit: number | undefined, loop: Loop) {
    this.pid = child.pid;
    this.#child = child;
    const forget = loop._atClose(() => abandon(child));
    child.exited.then(forget);
    this.stdin = child.stdin === null ? null : new StreamWriter(child.stdin);
    this.stdout = child.stdout === null ? null : attachReader(child.stdout, limit);
    this.stderr = child.stderr === null ? null : attachReader(child.stderr, limit);
    child.exited.then((code) => {
      this.#returncode = code;
    });
    const stdin = this.stdin;
    this.#finished = Promise.all([child.exited, child.stdout?.closed, child.stderr?.closed]).then(([code]) => {
      // asyncio closes the whole transport, stdin included, once the child and its outputs are done.
      if (stdin === null) return code;
      stdin.close();
      return child.stdin!.closed.then(() => code);
    });
  }

  /**
   * The exit code once the child has exited, -N if signal N ended it, and
   * null while it runs.
   */
  get returncode(): number | null {
    return this.#returncode;
  }

  /**
   * Waits for the child to exit and its stdout and stderr to end; returns
   * the returncode. A child that fills a pipe nobody reads never exits:
   * read its output, or use communicate().
   */
  wait(): Operation<number> {
    return until(this.#finished);
  }

  /**
   * Sends `input` (if given) to stdin and closes it, reads stdout and stderr
   * to their end, all at once, then waits for the child to exit. Returns the
   * output, null for a stream that is not piped. A child that exits
   * without reading all of its input is not an error.
   *
   * @example
   * ```ts
   * const proc = yield* createSubprocessExec("sort", [], { stdin: PIPE, stdout: PIPE });
   * const [sorted] = yield* proc.communicate("b\na\n");
   * ```
   * @throws {TypeError} for input that is not a Uint8Array or a string
   * @throws {RuntimeError} for input when stdin is not a pipe, or is already closed
   */
  communicate(input?: Uint8Array | string | null): Operation<CommunicateResult> {
    let bytes: Uint8Array | null = null;
    if (typeof input === "string") bytes = encoder.encode(input);
    else if (input instanceof Uint8Array) bytes = input;
    else if (input !== undefined && input !== null) {
      throw new TypeError(`communicate() needs its input as a Uint8Array or a string, got ${describe(input)}`);
    }
    const stdin = this.stdin;
    if (bytes !== null && stdin === null) {
      throw new RuntimeError(
        "communicate() was given input, but stdin is not a pipe: start the process with { stdin: PIPE }",
      );
    }
    if (bytes !== null && stdin!.isClosing()) {
      throw new RuntimeError("communicate() was given input, but stdin is already closed");
    }
    return this.#communicate(bytes);
  }

  /**
   * Sends `signal` to the child: a name ("SIGTERM", "SIGINT", ...) or a
   * number. Does nothing once the child has exited.
   *
   * @throws {RangeError} for something that is not a signal of this system
   */
  sendSignal(signal: string | number): void {
    checkSignal(signal);
    if (this.#returncode !== null) return;
    this.#child.kill(signal);
  }

  /** Asks the child to stop: SIGTERM. Does nothing once it has exited. */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /** Stops the child at once: SIGKILL. Does nothing once it has exited. */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  toString(): string {
    const state = this.#returncode === null ? "running" : `returncode=${this.#returncode}`;
    return `<Process ${this.pid} ${state}>`;
  }

  *#communicate(input: Uint8Array | null): Coroutine<[Uint8Array | null, Uint8Array | null]> {
    const { stdin, stdout, stderr } = this;
    const child = this.#child;
    const [, out, err] = yield* gather([
      feedStdin(stdin, input),
      readToEnd(stdout, child.stdout),
      readToEnd(stderr, child.stderr),
    ]);
    yield* this.wait();
    return [out, err];
  }
}

function start<O extends SubprocessOptions>(
  program: string,
  args: string[],
  options: O | undefined,
  method: string,
): Operation<ProcessWith<O>> {
  const { spawnOptions, limit } = checkOptions(method, options ?? {});
  const adapter = requireProcesses(method);
  return {
    *[Symbol.iterator]() {
      const pending = adapter.spawn(program, args, spawnOptions);
      let child: ChildProcess;
      try {
        child = yield* until(pending);
      } catch (error) {
        // Cancelled while the runtime starts the child: if it does start, nobody will own it.
        pending.then(abandon, () => {});
        throw error;
      }
      return new Process(child, limit, getRunningLoop()) as ProcessWith<O>;
    },
  };
}

function abandon(child: ChildProcess): void {
  child.kill("SIGKILL");
  for (const transport of [child.stdin, child.stdout, child.stderr]) transport?.abort();
}

function attachReader(transport: Transport, limit: number | undefined): StreamReader {
  const reader = new StreamReader(limit === undefined ? {} : { limit });
  reader._attach(transport);
  return reader;
}

/** asyncio's Process._feed_stdin(), for a piped stdin. */
function* feedStdin(stdin: StreamWriter | null, input: Uint8Array | null): Coroutine<null> {
  if (stdin === null) return null;
  try {
    if (input !== null) stdin.write(input);
    yield* stdin.drain();
  } catch (error) {
    if (!isBrokenPipe(error)) throw error;
  }
  stdin.close();
  return null;
}

/** asyncio's Process._read_stream(): everything up to EOF, then the pipe is closed; null when not piped. */
function* readToEnd(reader: StreamReader | null, transport: Transport | null): Coroutine<Uint8Array | null> {
  if (reader === null || transport === null) return null;
  const output = yield* reader.read();
  transport.close();
  return output;
}

/** What communicate() ignores, as asyncio ignores BrokenPipeError and ConnectionResetError. */
function isBrokenPipe(error: unknown): boolean {
  if (error instanceof ConnectionResetError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ECONNRESET";
}

function requireProcesses(method: string): ProcessAdapter {
  const processes = platform.processes;
  if (processes === undefined) {
    throw new RuntimeError(`${method} needs child processes, which ${platform.name} does not provide`);
  }
  return processes;
}

function checkString(method: string, what: string, value: unknown, emptyOk: boolean): void {
  if (typeof value !== "string") {
    throw new TypeError(`${method} needs each ${what} as a string, got ${describe(value)}`);
  }
  if (!emptyOk && value === "") throw new RangeError(`${method} needs a non-empty ${what}`);
  if (value.includes("\0")) throw new RangeError(`${method} got a ${what} with a NUL character: ${describe(value)}`);
}

function checkOptions(
  method: string,
  options: SubprocessOptions,
): { spawnOptions: SpawnOptions; limit: number | undefined } {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${method} needs its options as an object, got ${describe(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) {
      throw new TypeError(`${method} got an unknown option ${describe(name)}: use ${[...OPTION_NAMES].join(", ")}`);
    }
  }
  const stdin = stdioMode(method, "stdin", options.stdin);
  const stdout = stdioMode(method, "stdout", options.stdout);
  let stderr: SpawnOptions["stderr"];
  if (options.stderr === STDOUT) stderr = stdout === "pipe" ? "stdout" : stdout;
  else stderr = stdioMode(method, "stderr", options.stderr);
  const spawnOptions: SpawnOptions = { stdin, stdout, stderr };
  const { cwd, env, limit } = options;
  if (cwd !== undefined) {
    checkString(method, "cwd", cwd, false);
    spawnOptions.cwd = cwd;
  }
  if (env !== undefined) spawnOptions.env = checkEnv(method, env);
  new StreamReader(limit === undefined ? {} : { limit }); // validates the limit at the call
  return { spawnOptions, limit };
}

function stdioMode(method: string, name: string, value: unknown): StdioMode {
  if (value === undefined) return "inherit";
  const mode = STDIO_MODES.get(value);
  if (mode !== undefined) return mode;
  const allowed = name === "stderr" ? "PIPE, DEVNULL, INHERIT or STDOUT" : "PIPE, DEVNULL or INHERIT";
  const error = typeof value === "string" ? RangeError : TypeError;
  throw new error(`${method} option ${name} must be ${allowed}, got ${describe(value)}`);
}

function checkEnv(method: string, env: unknown): Record<string, string> {
  if (typeof env !== "object" || env === null || Array.isArray(env)) {
    throw new TypeError(`${method} option env must be an object of strings, got ${describe(env)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (typeof value !== "string") {
      throw new TypeError(`${method} option env must hold strings, got ${describe(value)} for ${describe(name)}`);
    }
    if (name === "" || name.includes("=") || name.includes("\0") || value.includes("\0")) {
      throw new RangeError(`${method} option env has an illegal variable ${describe(name)}`);
    }
    out[name] = value;
  }
  return out;
}

/** Signal names on Linux and macOS. */
const SIGNALS = new Set([
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
  "SIGEMT",
  "SIGINFO",
]);

/** The highest signal number Linux has (its real-time signals end at 64). */
const MAX_SIGNAL = 64;

function checkSignal(signal: unknown): void {
  if (typeof signal === "string") {
    if (!SIGNALS.has(signal)) {
      throw new RangeError(`${describe(signal)} is not a signal name: use one such as "SIGTERM" or "SIGKILL"`);
    }
  } else if (typeof signal === "number") {
    if (!Number.isInteger(signal) || signal < 1 || signal > MAX_SIGNAL) {
      throw new RangeError(`A signal number must be an integer from 1 to ${MAX_SIGNAL}, got ${signal}`);
    }
  } else {
    throw new TypeError(`sendSignal() needs a signal name or number, got ${describe(signal)}`);
  }
}
