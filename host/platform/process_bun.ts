/**
 * Child processes on Bun, with `Bun.spawn`.
 *
 * - stdout and stderr are ReadableStreams: not reading them is the
 *   backpressure (Bun stops reading, the child blocks on a full pipe).
 * - stdin is a FileSink, which buffers inside Bun and reports progress
 *   only through the promises of write() and flush(). To keep
 *   `bufferedAmount()` exact this sink hands Bun one chunk at a time and
 *   counts it until flush() says the pipe has taken it.
 * - Bun reports death by signal N as code 128 + N with `signalCode` set.
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

interface BunFileSink {
  write(chunk: Uint8Array): number | Promise<number>;
  flush(): number | Promise<number> | undefined;
  end(): number | Promise<number> | undefined;
}

interface BunSubprocess {
  readonly pid: number;
  readonly stdin: BunFileSink;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly exited: Promise<number>;
  readonly signalCode: string | null;
  kill(signal: string | number): void;
}

interface BunNamespace {
  spawn(options: {
    cmd: string[];
    stdin: StdioMode;
    stdout: StdioMode;
    stderr: StdioMode;
    cwd?: string;
    env?: Record<string, string>;
  }): BunSubprocess;
}

declare const Bun: BunNamespace;

export const bunProcesses: ProcessAdapter = {
  spawn(command, args, options) {
    try {
      return Promise.resolve(spawn(command, args, options));
    } catch (error) {
      // Bun throws at once (code "ENOENT" for a missing command or directory).
      return Promise.reject(error);
    }
  },
};

function spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const merged = options.stderr === "stdout";
  const child = Bun.spawn({
    cmd: [command, ...args],
    stdin: options.stdin,
    stdout: merged ? "pipe" : options.stdout,
    stderr: merged ? "pipe" : options.stderr as StdioMode,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
  let stdout = options.stdout === "pipe" || merged ? readableTransport(child.stdout) : null;
  const stderr = options.stderr === "pipe" || merged ? readableTransport(child.stderr) : null;
  if (merged) stdout = mergedTransport(stdout!, stderr!);
  let running = true;
  const exited = child.exited.then((code) => {
    running = false;
    return child.signalCode !== null ? -(code - 128) : code;
  });
  return {
    pid: child.pid,
    stdin: options.stdin === "pipe" ? new FileSinkTransport(child.stdin) : null,
    stdout,
    stderr: merged ? null : stderr,
    exited,
    kill(signal) {
      if (!running) return;
      try {
        child.kill(signal);
      } catch (error) {
        throw new RangeError(`Cannot send ${String(signal)} to process ${child.pid}: ${(error as Error)?.message}`);
      }
    },
  };
}

/** A child's stdin as a sink-only Transport over Bun's FileSink. */
class FileSinkTransport implements Transport, ByteSink {
  readonly source = null;
  readonly sink: ByteSink = this;
  readonly closed: Promise<void>;
  readonly #sink: BunFileSink;
  readonly #queue: Uint8Array[] = [];
  /** Bytes in #queue. */
  #queued = 0;
  /** Bytes of the chunk Bun is writing. */
  #inFlight = 0;
  #listener: WriteListener | null = null;
  #writing = false;
  /** end(), close() or abort() was called, or writing failed: write() drops its bytes. */
  #done = false;
  #ended = false;
  #aborted = false;
  #resolveClosed!: () => void;

  constructor(sink: BunFileSink) {
    this.#sink = sink;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  write(chunk: Uint8Array): void {
    if (this.#done || chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (!this.#writing) this.#pump();
  }

  bufferedAmount(): number {
    return this.#queued + this.#inFlight;
  }

  setListener(listener: WriteListener): void {
    this.#listener = listener;
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#writing) this.#pump();
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
    this.#queue.length = 0;
    this.#queued = 0;
    if (!this.#writing) this.#pump();
  }

  toString(): string {
    return `<stdin pipe ${this.#done ? "closing" : `${this.bufferedAmount()} bytes buffered`}>`;
  }

  /** Writes the queue one chunk at a time, then ends the sink once end() or abort() was called. */
  async #pump(): Promise<void> {
    this.#writing = true;
    await undefined; // never report progress from inside write()
    try {
      for (let chunk = this.#queue.shift(); chunk !== undefined; chunk = this.#queue.shift()) {
        this.#queued -= chunk.length;
        this.#inFlight = chunk.length;
        const written = this.#sink.write(chunk);
        const flushed = this.#sink.flush();
        if (flushed instanceof Promise) flushed.catch(() => {}); // the awaits below see its failure
        await written;
        await flushed;
        this.#inFlight = 0;
        this.#listener?.progress();
      }
      this.#writing = false;
      if (this.#done) await this.#end();
    } catch (error) {
      this.#queue.length = 0;
      this.#queued = 0;
      this.#inFlight = 0;
      this.#done = true;
      if (!this.#aborted) this.#listener?.error(error);
      await this.#end();
    }
  }

  async #end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#done = true;
    try {
      await this.#sink.end();
    } catch {
      // The pipe is gone already (the failure, if any, was reported): it is closed either way.
    }
    this.#resolveClosed();
  }
}
