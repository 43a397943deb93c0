/**
 * What the TCP adapters (net_node.ts, net_deno.ts, net_bun.ts,
 * net_workerd.ts) share: one shape for a peer reset on every runtime, a
 * connect attempt that an AbortSignal abandons without leaving a socket,
 * and {@linkcode PullTransport}, the Transport over a connection that is
 * read and written with promises (Deno's `Conn`, workerd's `Socket`).
 *
 * @module
 */

import { ConnectionResetError } from "../errors.ts";
import type { ByteReceiver, ByteSink, ByteSource, Transport, WriteListener } from "./io_types.ts";

/**
 * The error a reader or drain() sees when the connection fails. A reset by
 * the peer becomes spindle's ConnectionResetError (asyncio raises Python's
 * builtin of that name) with `code` "ECONNRESET" and the runtime's error as
 * `cause`, whatever the runtime calls it; other errors pass unchanged.
 */
export function connectionError(error: unknown): unknown {
  if (error instanceof ConnectionResetError) return error;
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (code !== "ECONNRESET" && name !== "ConnectionReset") return error;
  return Object.assign(new ConnectionResetError("Connection reset by peer", { cause: error }), {
    code: "ECONNRESET",
  });
}

/**
 * `connecting`, abandoned when `signal` aborts: the result rejects with the
 * signal's reason at once, and a connection that completes anyway is handed
 * to `discard` (which closes it), so none is left behind.
 */
export function abandonOnAbort<T>(
  connecting: Promise<T>,
  signal: AbortSignal,
  discard: (connection: T) => void,
): Promise<T> {
  if (signal.aborted) {
    connecting.then(discard, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    connecting.then(
      (connection) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) discard(connection);
        else resolve(connection);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** How many queued bytes one write may join: enough to turn many small writes into one system call. */
const COALESCE_BYTES = 64 * 1024;

/**
 * Removes the first chunk of `queue`, joined with the small chunks after
 * it up to 64 KiB: the writes a loop turn made go out in one system call
 * instead of one each (Node corks its sockets for the same reason).
 */
export function takeCoalesced(queue: Uint8Array[]): Uint8Array {
  const first = queue.shift()!;
  let total = first.length;
  let count = 0;
  while (count < queue.length && total + queue[count]!.length <= COALESCE_BYTES) total += queue[count++]!.length;
  if (count === 0) return first;
  const joined = new Uint8Array(total);
  joined.set(first, 0);
  let at = first.length;
  for (const chunk of queue.splice(0, count)) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}

/** A connection read and written with promises, as {@linkcode PullTransport} drives it. */
export interface PullConnection {
  /** The next bytes, in an array the caller keeps, or null at EOF. */
  read(): Promise<Uint8Array | null>;
  /** Writes the start of `chunk` (or all of it); resolves with how many bytes the system took. */
  write(chunk: Uint8Array): Promise<number>;
  /** Sends EOF (FIN); reading goes on. */
  closeWrite(): Promise<void>;
  /** Releases the connection at once; a pending read or write then rejects (or ends). */
  close(): void;
  /** `peername`, `sockname`, ... (asyncio's get_extra_info), undefined when unknown. */
  extraInfo(name: string): unknown;
  /** For messages: what the connection is ("tcp 127.0.0.1:8888"). */
  readonly label: string;
}

/**
 * The Transport over a {@linkcode PullConnection}: one read loop that
 * waits while paused, and one write loop over a queue, which makes
 * bufferedAmount() exact (the queue's bytes, the one being written
 * included, until the runtime says it took them).
 *
 * Ground rules (io_types.ts) that shape the code
 * - The receiver and the listener are only called from the loops' promise
 *   reactions or from a microtask, never from inside start(), write(),
 *   pause(), resume(), end(), close() or abort().
 * - `closed` resolves once: after the receiver got eof() (or error()) and
 *   the connection was released.
 */
export class PullTransport implements Transport, ByteSource, ByteSink {
  readonly source: ByteSource = this;
  readonly sink: ByteSink = this;
  readonly closed: Promise<void>;
  readonly #conn: PullConnection;
  #receiver: ByteReceiver | null = null;
  #listener: WriteListener | null = null;
  /** eof() or error() went to the receiver, or is on its way: nothing more does. */
  #readFinished = false;
  #paused = false;
  #resumed: (() => void) | null = null;
  /** Chunks not yet written (the one being written is out of it, but still counted in `#queued`). */
  #queue: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #endRequested = false;
  #endSent = false;
  /** close() was called: release once the queue is written. */
  #closing = false;
  #released = false;
  #resolveClosed!: () => void;

  constructor(conn: PullConnection) {
    this.#conn = conn;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  // ---- ByteSource ----

  start(receiver: ByteReceiver): void {
    if (this.#receiver !== null) throw new Error("A connection's source can only be started once");
    this.#receiver = receiver;
    if (!this.#released) this.#readLoop(receiver);
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

  // ---- ByteSink ----

  write(chunk: Uint8Array): void {
    // After close() or end(), or once lost, bytes go nowhere (StreamWriter reports the loss on drain()).
    if (this.#released || this.#closing || this.#endRequested || chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (!this.#writing) this.#writeLoop();
  }

  bufferedAmount(): number {
    return this.#queued;
  }

  setListener(listener: WriteListener): void {
    this.#listener = listener;
  }

  end(): void {
    if (this.#endRequested || this.#released) return;
    this.#endRequested = true;
    if (!this.#writing) this.#writeLoop();
  }

  // ---- Transport ----

  extraInfo(name: string): unknown {
    return this.#conn.extraInfo(name);
  }

  close(): void {
    if (this.#closing || this.#released) return;
    this.#closing = true;
    // asyncio's close() stops reading at once; the reader gets EOF when the connection is released.
    this.pause();
    if (!this.#writing) this.#writeLoop();
  }

  abort(): void {
    this.#release();
  }

  toString(): string {
    const state = this.#released ? "closed" : this.#closing ? "closing" : "open";
    return `<${this.#conn.label} ${state} buffered=${this.#queued}>`;
  }

  // ---- the loops ----

  async #readLoop(receiver: ByteReceiver): Promise<void> {
    try {
      for (;;) {
        while (this.#paused && !this.#released) await this.#whenResumed();
        if (this.#released) return;
        const chunk = await this.#conn.read();
        // A chunk read just before pause() waits for resume(): nothing is delivered while paused.
        while (this.#paused && !this.#released) await this.#whenResumed();
        if (this.#released || this.#readFinished) return;
        if (chunk === null) {
          this.#readFinished = true;
          receiver.eof();
          return;
        }
        if (chunk.length > 0) receiver.data(chunk);
      }
    } catch (error) {
      if (!this.#released) this.#fail(error);
    }
  }

  /** Writes the queue, then sends EOF or releases the connection if asked to; one loop at a time. */
  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      // Started from a method spindle called: let the caller return before any listener call.
      await undefined;
      while (this.#queue.length > 0) {
        if (this.#released) return;
        let data = takeCoalesced(this.#queue);
        for (;;) {
          const taken = await this.#conn.write(data);
          if (this.#released) return;
          this.#queued -= taken;
          this.#listener?.progress();
          if (taken >= data.length) break;
          data = data.subarray(taken);
        }
      }
      if (this.#closing) {
        this.#release();
      } else if (this.#endRequested && !this.#endSent) {
        this.#endSent = true;
        await this.#conn.closeWrite();
      }
    } catch (error) {
      if (!this.#released) this.#fail(error);
    } finally {
      this.#writing = false;
    }
    // close() or end() may have come while the last write was in flight.
    if (!this.#released && (this.#closing || (this.#endRequested && !this.#endSent))) this.#writeLoop();
  }

  /** The connection failed: both sides hear of it, then it is released. */
  #fail(error: unknown): void {
    const reported = connectionError(error);
    if (!this.#readFinished && this.#receiver !== null) {
      this.#readFinished = true;
      this.#receiver.error(reported);
    }
    this.#listener?.error(reported);
    this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#queue = [];
    this.#queued = 0;
    this.resume(); // a paused read loop sees #released and ends
    try {
      this.#conn.close();
    } catch {
      // already closed by the runtime (the peer reset it): released all the same
    }
    // Never from inside close() or abort(): the EOF (asyncio's connection_lost(None)) goes in a microtask.
    queueMicrotask(() => {
      const receiver = this.#receiver;
      if (receiver !== null && !this.#readFinished) {
        this.#readFinished = true;
        receiver.eof();
      }
      this.#resolveClosed();
    });
  }

  #whenResumed(): Promise<void> {
    return new Promise((resolve) => {
      this.#resumed = resolve;
    });
  }
}
