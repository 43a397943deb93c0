/**
 * Child processes on Node, with `node:child_process` (loaded at run time:
 * see _node_modules.ts).
 *
 * - stdout and stderr are net.Sockets: pause() stops libuv reading the
 *   pipe once the socket's buffer is full, so the child blocks on it.
 * - stdin is a net.Socket: each write's callback runs once libuv has handed
 *   the chunk to the pipe, which is what `bufferedAmount()` counts.
 * - Node reports death by signal with the signal's name; os.constants
 *   gives its number. Node destroys the stdin socket when the child exits.
 *
 * @module
 */

import { loadNodeModule } from "./_node_modules.ts";
import { mergedTransport } from "./_pipes.ts";
import type {
  ByteReceiver,
  ByteSink,
  ByteSource,
  ChildProcess,
  ProcessAdapter,
  SpawnOptions,
  StdioMode,
  Transport,
  WriteListener,
} from "./io_types.ts";

interface NodeEmitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
}

interface NodeReadable extends NodeEmitter {
  pause(): unknown;
  resume(): unknown;
  destroy(): unknown;
}

interface NodeWritable extends NodeEmitter {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  end(): unknown;
  destroy(): unknown;
}

interface NodeChild extends NodeEmitter {
  readonly pid: number | undefined;
  readonly stdin: NodeWritable | null;
  readonly stdout: NodeReadable | null;
  readonly stderr: NodeReadable | null;
  kill(signal: string | number): boolean;
}

interface NodeChildProcessModule {
  spawn(command: string, args: readonly string[], options: {
    stdio: StdioMode[];
    cwd?: string;
    env?: Record<string, string>;
  }): NodeChild;
}

interface NodeOsModule {
  constants: { signals: Record<string, number> };
}

export const nodeProcesses: ProcessAdapter = {
  async spawn(command, args, options) {
    const [childProcess, os] = await Promise.all([
      loadNodeModule<NodeChildProcessModule>("child_process"),
      loadNodeModule<NodeOsModule>("os"),
    ]);
    return spawn(childProcess, os, command, args, options);
  },
};

function spawn(
  childProcess: NodeChildProcessModule,
  os: NodeOsModule,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ChildProcess> {
  const merged = options.stderr === "stdout";
  const child = childProcess.spawn(command, args, {
    stdio: [
      options.stdin,
      merged ? "pipe" : options.stdout,
      merged ? "pipe" : options.stderr as StdioMode,
    ],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
  return new Promise((resolve, reject) => {
    if (child.pid === undefined) {
      // Node reports a failed spawn (ENOENT, EACCES...) on the next tick, with no pid.
      child.once("error", reject);
      return;
    }
    // Later "error" events (a signal that could not be sent) must not crash the process.
    child.on("error", () => {});
    const exited = new Promise<number>((resolveExit) => {
      child.once("exit", (code: number | null, signal: string | null) => {
        running = false;
        resolveExit(signal !== null ? -(os.constants.signals[signal] ?? 0) : code ?? 0);
      });
    });
    let running = true;
    let stdout: Transport | null = child.stdout !== null ? new ReadTransport(child.stdout) : null;
    const stderr = child.stderr !== null ? new ReadTransport(child.stderr) : null;
    if (merged) stdout = mergedTransport(stdout!, stderr!);
    resolve({
      pid: child.pid,
      stdin: child.stdin !== null ? new WriteTransport(child.stdin) : null,
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
    });
  });
}

/**
 * A child's stdout or stderr socket as a source-only Transport.
 *
 * It listens for data from the moment the child starts, not from start():
 * when a child exits, Node resumes (and so discards the data of) every
 * stdout or stderr socket with no "data" listener, and the child may exit
 * before spindle attaches its reader. What arrives before start() is held
 * and handed over then.
 */
class ReadTransport implements Transport, ByteSource {
  readonly source: ByteSource = this;
  readonly sink = null;
  readonly closed: Promise<void>;
  readonly #stream: NodeReadable;
  #receiver: ByteReceiver | null = null;
  /** What arrived before start(), or while start() hands that over: chunks, then the end (an error or null). */
  #held: Uint8Array[] | null = [];
  #heldEnd: { error: unknown } | null = null;
  /** eof() or error() was delivered, or held for delivery: nothing else is. */
  #finished = false;

  constructor(stream: NodeReadable) {
    this.#stream = stream;
    stream.on("data", (chunk: Uint8Array) => {
      if (this.#finished) return;
      if (this.#held !== null) this.#held.push(chunk);
      else this.#receiver!.data(chunk);
    });
    stream.pause(); // until start(): attaching "data" made it flow
    // Listening from the start: an "error" nobody listens to would crash the process.
    stream.on("error", (error: unknown) => this.#finish(error));
    stream.on("end", () => this.#finish(undefined));
    this.closed = new Promise((resolve) => {
      stream.once("close", () => {
        this.#finish(undefined); // destroyed before the end (close()): that is EOF too
        resolve();
      });
    });
  }

  start(receiver: ByteReceiver): void {
    if (this.#receiver !== null) throw new Error("A pipe source can only be started once");
    this.#receiver = receiver;
    // Never deliver from inside start(): what is held goes in a microtask, ahead of anything newer.
    queueMicrotask(() => {
      const held = this.#held!;
      this.#held = null;
      for (const chunk of held) receiver.data(chunk);
      const end = this.#heldEnd;
      if (end !== null) this.#deliverEnd(end.error);
    });
    this.#stream.resume();
  }

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  extraInfo(): unknown {
    return undefined;
  }

  close(): void {
    this.#stream.destroy();
  }

  abort(): void {
    this.#stream.destroy();
  }

  toString(): string {
    return `<pipe ${this.#finished ? "closed" : "open"}>`;
  }

  #finish(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#held !== null) this.#heldEnd = { error };
    else this.#deliverEnd(error);
  }

  #deliverEnd(error: unknown): void {
    if (error === undefined) this.#receiver!.eof();
    else this.#receiver!.error(error);
  }
}

/** A child's stdin socket as a sink-only Transport. */
class WriteTransport implements Transport, ByteSink {
  readonly source = null;
  readonly sink: ByteSink = this;
  readonly closed: Promise<void>;
  readonly #stream: NodeWritable;
  #buffered = 0;
  #listener: WriteListener | null = null;
  /** end(), close() or abort() was called, or the socket closed: write() drops its bytes. */
  #done = false;
  #failed = false;

  constructor(stream: NodeWritable) {
    this.#stream = stream;
    stream.on("error", (error: unknown) => this.#fail(error));
    this.closed = new Promise((resolve) => {
      stream.once("close", () => {
        // Node destroys stdin when the child exits: bytes still queued then never reach it.
        if (this.#buffered > 0) this.#fail(brokenPipe());
        this.#done = true;
        resolve();
      });
    });
  }

  write(chunk: Uint8Array): void {
    if (this.#done) return;
    const length = chunk.length;
    this.#buffered += length;
    this.#stream.write(chunk, (error) => {
      this.#buffered -= length;
      if (!error) this.#listener?.progress();
      // Node destroys stdin when the child exits: queued writes then fail with ERR_STREAM_DESTROYED.
      else this.#fail((error as { code?: unknown }).code === "ERR_STREAM_DESTROYED" ? brokenPipe() : error);
    });
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
    this.#stream.end();
  }

  extraInfo(): unknown {
    return undefined;
  }

  close(): void {
    this.end();
  }

  abort(): void {
    this.#done = true;
    this.#failed = true; // dropping the queue is what was asked for: no error to report
    this.#stream.destroy();
  }

  toString(): string {
    return `<stdin pipe ${this.#done ? "closed" : `${this.#buffered} bytes buffered`}>`;
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#done = true;
    this.#listener?.error(error);
  }
}

/** What a write to a child that has gone away fails with, as Node's own EPIPE errors look. */
function brokenPipe(): Error {
  return Object.assign(new Error("write EPIPE: the child process exited before reading all of its stdin"), {
    code: "EPIPE",
  });
}
