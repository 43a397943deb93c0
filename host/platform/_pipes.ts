/**
 * Pipe transports the process adapters share: a child's stdout or stderr
 * as a ReadableStream (Deno, Bun), and two read pipes merged into one
 * (stderr=STDOUT: no runtime can point a child's stderr at its stdout pipe,
 * so both are piped and read as one source).
 *
 * Ground rules (io_types.ts) that shape the code
 * - Nothing calls a receiver synchronously from start(), pause(), resume(),
 *   close() or abort(): deliveries run in promise reactions.
 * - A source transport closes itself after delivering EOF or an error, and
 *   `closed` resolves only after that delivery.
 *
 * @module
 */

import type { ByteReceiver, ByteSource, Transport } from "./io_types.ts";

/** The read side of a pipe given as a WHATWG ReadableStream, as a source-only Transport. */
export function readableTransport(stream: ReadableStream<Uint8Array>): Transport {
  return new ReadableTransport(stream);
}

class ReadableTransport implements Transport, ByteSource {
  readonly source: ByteSource = this;
  readonly sink = null;
  readonly closed: Promise<void>;
  readonly #stream: ReadableStream<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #receiver: ByteReceiver | null = null;
  /** eof() or error() was delivered, or is on its way: nothing else is. */
  #finished = false;
  #paused = false;
  #resumed: (() => void) | null = null;
  #resolveClosed!: () => void;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  start(receiver: ByteReceiver): void {
    if (this.#receiver !== null) throw new Error("A pipe source can only be started once");
    this.#receiver = receiver;
    if (this.#finished) return; // closed before it started: close() delivers the EOF
    this.#reader = this.#stream.getReader();
    this.#pump(this.#reader);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const resumed = this.#resumed;
    this.#resumed = null;
    resumed?.();
  }

  extraInfo(): unknown {
    return undefined;
  }

  close(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.resume(); // lets a paused pump see #finished and stop
    const reader = this.#reader;
    // Cancelling releases the pipe; the child's later writes then fail (EPIPE), as after asyncio's close().
    const released = reader !== null ? reader.cancel() : this.#stream.cancel();
    released.catch(() => {}).then(() => {
      this.#receiver?.eof();
      this.#resolveClosed();
    });
  }

  abort(): void {
    this.close();
  }

  toString(): string {
    return `<pipe ${this.#finished ? "closed" : this.#paused ? "paused" : "reading"}>`;
  }

  /** Reads until EOF, an error or close(), waiting while paused (the child then blocks on a full pipe). */
  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const receiver = this.#receiver!;
    try {
      for (;;) {
        while (this.#paused && !this.#finished) await this.#whenResumed();
        if (this.#finished) return;
        const { done, value } = await reader.read();
        // A chunk read just before pause() waits for resume(): nothing is delivered while paused.
        while (this.#paused && !this.#finished) await this.#whenResumed();
        if (this.#finished) return;
        if (done) {
          this.#finished = true;
          receiver.eof();
          this.#resolveClosed();
          return;
        }
        if (value.length > 0) receiver.data(value);
      }
    } catch (error) {
      if (this.#finished) return;
      this.#finished = true;
      receiver.error(error);
      this.#resolveClosed();
    }
  }

  #whenResumed(): Promise<void> {
    return new Promise((resolve) => {
      this.#resumed = resolve;
    });
  }
}

/**
 * One source-only Transport reading two pipes (a child's stdout and
 * stderr) in arrival order: data from either as it comes, EOF once both
 * ended, the first error at once. Bytes each pipe carries stay in order;
 * how writes to the two interleave is up to the timing of the reads.
 */
export function mergedTransport(first: Transport, second: Transport): Transport {
  return new MergedTransport(first, second);
}

class MergedTransport implements Transport, ByteSource {
  readonly source: ByteSource = this;
  readonly sink = null;
  readonly closed: Promise<void>;
  readonly #parts: readonly [Transport, Transport];
  #open = 2;
  #finished = false;

  constructor(first: Transport, second: Transport) {
    this.#parts = [first, second];
    this.closed = Promise.all([first.closed, second.closed]).then(() => {});
  }

  start(receiver: ByteReceiver): void {
    const part: ByteReceiver = {
      data: (chunk) => {
        if (!this.#finished) receiver.data(chunk);
      },
      eof: () => {
        this.#open -= 1;
        if (this.#open > 0 || this.#finished) return;
        this.#finished = true;
        receiver.eof();
      },
      error: (error) => {
        if (this.#finished) return;
        this.#finished = true;
        receiver.error(error);
        for (const transport of this.#parts) transport.abort();
      },
    };
    for (const transport of this.#parts) transport.source!.start(part);
  }

  pause(): void {
    for (const transport of this.#parts) transport.source!.pause();
  }

  resume(): void {
    for (const transport of this.#parts) transport.source!.resume();
  }

  extraInfo(): unknown {
    return undefined;
  }

  close(): void {
    for (const transport of this.#parts) transport.close();
  }

  abort(): void {
    for (const transport of this.#parts) transport.abort();
  }

  toString(): string {
    return `<merged ${String(this.#parts[0])} ${String(this.#parts[1])}>`;
  }
}
