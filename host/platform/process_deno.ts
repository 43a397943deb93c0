/**
 * Child processes on Deno, with `Deno.Command` (needs --allow-run).
 *
 * - stdout and stderr are ReadableStreams: not reading them is the
 *   backpressure (Deno stops reading the pipe, the child blocks on it).
 * - stdin is a WritableStream: each write's promise settles once Deno has
 *   handed the chunk to the pipe, which is what `bufferedAmount()` counts.
 * - Deno reports death by signal N as code 128 + N with the signal's name;
 *   its kill() takes names only, so numbers are translated here.
 *
 * @module
 */

import { mergedTransport, readableTransport } from "./_pipes.ts";
import type {
  ByteSink,
  ChildProcess,
  ProcessAdapter,
  SpawnOptions,
  StdioMode,
  Transport,
  WriteListener,
} from "./io_types.ts";

type DenoStdio = "piped" | "inherit" | "null";

interface DenoChild {
  readonly pid: number;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<{ code: number; signal: string | null }>;
  kill(signal: string): void;
}

interface DenoNamespace {
  Command: new (command: string, options: {
    args: readonly string[];
    stdin: DenoStdio;
    stdout: DenoStdio;
    stderr: DenoStdio;
    cwd?: string;
    env?: Record<string, string>;
    clearEnv?: boolean;
  }) => { spawn(): DenoChild };
  build: { os: string };
}

declare const Deno: DenoNamespace;

const STDIO: Record<StdioMode, DenoStdio> = { pipe: "piped", inherit: "inherit", ignore: "null" };

export const denoProcesses: ProcessAdapter = {
  spawn(command, args, options) {
    try {
      return Promise.resolve(spawn(command, args, options));
    } catch (error) {
      // Deno throws at once (Deno.errors.NotFound, code "ENOENT", for a missing command).
      return Promise.reject(error);
    }
  },
};

function spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const merged = options.stderr === "stdout";
  const child = new Deno.Command(command, {
    args,
    stdin: STDIO[options.stdin],
    stdout: STDIO[merged ? "pipe" : options.stdout],
    stderr: STDIO[merged ? "pipe" : options.stderr as StdioMode],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env, clearEnv: true } : {}),
  }).spawn();
  let stdout = options.stdout === "pipe" || merged ? readableTransport(child.stdout) : null;
  const stderr = options.stderr === "pipe" || merged ? readableTransport(child.stderr) : null;
  if (merged) stdout = mergedTransport(stdout!, stderr!);
  let running = true;
  const exited = child.status.then(({ code, signal }) => {
    running = false;
    return signal !== null ? -(code - 128) : code;
  });
  return {
    pid: child.pid,
    stdin: options.stdin === "pipe" ? new WritableTransport(child.stdin) : null,
    stdout,
    stderr: merged ? null : stderr,
    exited,
    kill(signal) {
      const name = typeof signal === "number" ? signalName(signal) : signal;
      if (!running) return;
      try {
        child.kill(name);
      } catch (error) {
        const message = String((error as Error)?.message);
        // Deno throws once it has reaped the child, before `status` settles: nothing left to signal.
        if (/terminated/i.test(message)) return;
        throw new RangeError(`Cannot send ${name} to process ${child.pid}: ${message}`);
      }
    },
  };
}

/** A child's stdin as a sink-only Transport over Deno's WritableStream. */
class WritableTransport implements Transport, ByteSink {
  readonly source = null;
  readonly sink: ByteSink = this;
  readonly closed: Promise<void>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #buffered = 0;
  #listener: WriteListener | null = null;
  /** end(), close() or abort() was called, or writing failed: write() drops its bytes. */
  #done = false;
  #aborted = false;
  #failed = false;

  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
    // Settles when the pipe is closed (after end()) or has failed (a broken pipe, abort()): in
    // that case after the failure was reported, whichever of the rejections comes first.
    this.closed = this.#writer.closed.then(() => {}, (error) => this.#fail(error));
  }

  write(chunk: Uint8Array): void {
    if (this.#done) return;
    const length = chunk.length;
    this.#buffered += length;
    this.#writer.write(chunk).then(() => {
      this.#buffered -= length;
      this.#listener?.progress();
    }, (error) => this.#fail(error));
  }

  bufferedAmount(): number {
    return this.#buffered;
  }

  setListener(listener: WriteListener): void {
    this.#listener = listener;
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#writer.close().catch(() => {}); // a failure is reported by the failed write
  }

  extraInfo(): unknown {
    return undefined;
  }

  close(): void {
    this.end();
  }

  abort(): void {
    this.#done = true;
    this.#aborted = true;
    this.#buffered = 0;
    this.#writer.abort().catch(() => {});
  }

  toString(): string {
    return `<stdin pipe ${this.#done ? "closed" : `${this.#buffered} bytes buffered`}>`;
  }

  #fail(error: unknown): void {
    // Every queued write rejects once the stream has failed: report the first, and nothing after abort().
    if (this.#failed) return;
    this.#failed = true;
    this.#done = true;
    this.#buffered = 0;
    if (!this.#aborted) this.#listener?.error(error);
  }
}

/** Signal numbers as Linux and macOS number them (Deno's kill() wants the names). */
const LINUX_SIGNALS = [
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
];
const DARWIN_SIGNALS = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGEMT",
  "SIGFPE",
  "SIGKILL",
  "SIGBUS",
  "SIGSEGV",
  "SIGSYS",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGURG",
  "SIGSTOP",
  "SIGTSTP",
  "SIGCONT",
  "SIGCHLD",
  "SIGTTIN",
  "SIGTTOU",
  "SIGIO",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGINFO",
  "SIGUSR1",
  "SIGUSR2",
];

function signalName(signal: number): string {
  const names = Deno.build.os === "darwin" ? DARWIN_SIGNALS : LINUX_SIGNALS;
  const name = names[signal - 1];
  if (name === undefined) {
    throw new RangeError(`Signal ${signal} has no name on ${Deno.build.os}: pass a name such as "SIGTERM"`);
  }
  return name;
}
