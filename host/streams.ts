/**
 * Streams (asyncio's streams.py): `StreamReader`, `StreamWriter`,
 * `openConnection`, `startServer` and `Server`, over the runtime's sockets
 * and pipes as a {@linkcode Transport} (platform/io_types.ts). Nothing here
 * knows the runtime: platform.net supplies the transports.
 *
 * Ground rules
 * - Flow control both ways, as asyncio: a reader holding more than twice its
 *   limit pauses the transport's reading (the peer's sends then block) and
 *   resumes it at the limit; a writer whose transport buffers more than
 *   64 KiB makes drain() wait until it is down to 16 KiB.
 * - Transport callbacks arrive from the host, outside the loop's iteration:
 *   they only set futures, which schedule the waiting tasks. Nothing is done
 *   for a loop that has closed.
 *
 * @module
 */

import { ByteBuffer } from "./_byte_buffer.ts";
import { getRunningLoop } from "./_running.ts";
import { ConnectionResetError, IncompleteReadError, LimitOverrunError, RuntimeError } from "./errors.ts";
import type { Future } from "./future.ts";
import type { Loop } from "./loop.ts";
import { type Coroutine, describe, isCoroutine, isThenable, type Operation } from "./operation.ts";
import { platform } from "./platform/detect.ts";
import type { ByteReceiver, Listener, NetAdapter, Transport } from "./platform/io_types.ts";
import { sleep } from "./sleep.ts";
import { call, until } from "./until.ts";

/** asyncio's default stream limit: the longest line readline() accepts. */
const DEFAULT_LIMIT = 64 * 1024;
/** asyncio's default write-buffer limits: drain() waits above HIGH until LOW. */
const HIGH_WATER = 64 * 1024;
const LOW_WATER = 16 * 1024;
const EMPTY = new Uint8Array(0);
const NEWLINE = new Uint8Array([10]);
const encoder = new TextEncoder();

/** Options for {@linkcode StreamReader}. */
export interface StreamReaderOptions {
  /** The buffer limit in bytes (default 64 KiB): readline()/readuntil() fail past it. */
  limit?: number;
}

/** A separator for readuntil(): bytes, a string (UTF-8), or several of those (the first match wins). */
export type Separator = Uint8Array | string | readonly (Uint8Array | string)[];

/**
 * Reads bytes from a connection or pipe (asyncio.StreamReader). Made by
 * openConnection(), startServer() and subprocesses; a reader made with
 * `new StreamReader()` is fed by hand with feedData()/feedEof().
 *
 * @example
 * ```ts
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 * const line = yield* reader.readline();
 * ```
 */
export class StreamReader {
  readonly #limit: number;
  readonly #buffer = new ByteBuffer();
  #eof = false;
  #failed = false;
  #exception: unknown = undefined;
  #waiter: Future<void> | null = null;
  #transport: Transport | null = null;
  #paused = false;

  constructor(options: StreamReaderOptions = {}) {
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit <= 0) {
      throw new RangeError(`StreamReader limit must be a positive integer number of bytes, got ${describe(limit)}`);
    }
    this.#limit = limit;
  }

  /** The buffer limit in bytes. */
  get limit(): number {
    return this.#limit;
  }

  /** The exception set by setException() (or by a failed transport), else undefined. */
  exception(): unknown {
    return this.#exception;
  }

  /** Makes every waiting and later read throw `error`. */
  setException(error: unknown): void {
    this.#failed = true;
    this.#exception = error;
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter !== null && !waiter.done() && !waiter._loop.isClosed()) waiter.setException(error);
  }

  /** Adds bytes to the buffer, waking a waiting read. */
  feedData(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`feedData() needs a Uint8Array, got ${describe(data)}`);
    }
    if (this.#eof) throw new RuntimeError("feedData() was called after feedEof(): the stream has ended");
    if (data.length === 0) return;
    this.#buffer.append(data);
    this.#wakeup();
    const transport = this.#transport;
    if (transport !== null && !this.#paused && this.#buffer.length > 2 * this.#limit) {
      this.#paused = true;
      transport.source?.pause();
    }
  }

  /** Marks the end of the stream: reads return what is left, then end. */
  feedEof(): void {
    this.#eof = true;
    this.#wakeup();
  }

  /** True once feedEof() was called and the buffer is empty. */
  atEof(): boolean {
    return this.#eof && this.#buffer.length === 0;
  }

  /**
   * Up to `n` bytes; with `n` < 0 (the default) everything until EOF. An
   * empty array means EOF. Waits only while the buffer is empty.
   */
  read(n = -1): Operation<Uint8Array> {
    if (typeof n !== "number" || !Number.isInteger(n)) {
      throw new TypeError(`read() needs an integer number of bytes, got ${describe(n)}`);
    }
    return this.#read(n);
  }

  /**
   * One line, with its "\n"; at EOF the partial last line, then empty
   * arrays. A line longer than the limit raises RangeError (asyncio's
   * ValueError) and is dropped from the buffer.
   */
  readline(): Operation<Uint8Array> {
    return this.#readline();
  }

  /**
   * Exactly `n` bytes.
   *
   * @throws {IncompleteReadError} if the stream ends first (`.partial` holds what came)
   */
  readexactly(n: number): Operation<Uint8Array> {
    if (typeof n !== "number" || !Number.isInteger(n)) {
      throw new TypeError(`readexactly() needs an integer number of bytes, got ${describe(n)}`);
    }
    if (n < 0) throw new RangeError(`readexactly() size can not be less than zero, got ${n}`);
    return this.#readexactly(n);
  }

  /**
   * The bytes up to and including `separator` (or the first of several to
   * end in the buffer).
   *
   * @throws {IncompleteReadError} if the stream ends first (`.partial` holds what came)
   * @throws {LimitOverrunError} if no separator is found within the limit (the bytes stay buffered)
   */
  readuntil(separator: Separator = NEWLINE): Operation<Uint8Array> {
    return this.#readuntil(toSeparators(separator));
  }

  toString(): string {
    const info = [`${this.#buffer.length} bytes`];
    if (this.#eof) info.push("eof");
    if (this.#limit !== DEFAULT_LIMIT) info.push(`limit=${this.#limit}`);
    if (this.#waiter !== null) info.push("waiter");
    if (this.#failed) info.push(`exception=${String(this.#exception)}`);
    if (this.#paused) info.push("paused");
    return `<StreamReader ${info.join(" ")}>`;
  }

  /** @internal connects the reader to a transport's read side; called once, by whoever made the transport */
  _attach(transport: Transport): void {
    this.#transport = transport;
    const receiver: ByteReceiver = {
      data: (chunk) => {
        if (!this.#eof) this.feedData(chunk);
      },
      eof: () => this.feedEof(),
      error: (error) => this.setException(error),
    };
    transport.source?.start(receiver);
  }

  *#read(n: number): Generator<unknown, Uint8Array, unknown> {
    if (this.#failed) throw this.#exception;
    if (n === 0) return EMPTY;
    if (n < 0) {
      // Like asyncio: read in limit-sized blocks, so the transport keeps flowing.
      const blocks: Uint8Array[] = [];
      for (;;) {
        const block = yield* this.#read(this.#limit);
        if (block.length === 0) return concat(blocks);
        blocks.push(block);
      }
    }
    if (this.#buffer.length === 0 && !this.#eof) yield* this.#waitForData("read");
    const data = this.#buffer.take(Math.min(n, this.#buffer.length));
    this.#maybeResume();
    return data;
  }

  *#readline(): Generator<unknown, Uint8Array, unknown> {
    try {
      return yield* this.#readuntil([NEWLINE]);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      if (!(error instanceof LimitOverrunError)) throw error;
      if (this.#buffer.startsWithAt(NEWLINE, error.consumed)) this.#buffer.skip(error.consumed + NEWLINE.length);
      else this.#buffer.skip(this.#buffer.length);
      this.#maybeResume();
      throw new RangeError(error.message);
    }
  }

  *#readexactly(n: number): Generator<unknown, Uint8Array, unknown> {
    if (this.#failed) throw this.#exception;
    if (n === 0) return EMPTY;
    while (this.#buffer.length < n) {
      if (this.#eof) throw new IncompleteReadError(this.#buffer.take(this.#buffer.length), n);
      yield* this.#waitForData("readexactly");
    }
    const data = this.#buffer.take(n);
    this.#maybeResume();
    return data;
  }

  /** asyncio 3.13's readuntil(), separators sorted shortest first. */
  *#readuntil(separators: Uint8Array[]): Generator<unknown, Uint8Array, unknown> {
    const minLength = separators[0]!.length;
    const maxLength = separators[separators.length - 1]!.length;
    if (this.#failed) throw this.#exception;
    const buffer = this.#buffer;
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const length = buffer.length;
      if (length - offset >= minLength) {
        for (const separator of separators) {
          const at = buffer.indexOf(separator, offset);
          if (at >= 0 && (matchEnd < 0 || at + separator.length < matchEnd)) {
            matchStart = at;
            matchEnd = at + separator.length;
          }
        }
        if (matchEnd >= 0) break;
        // The next search starts where a separator could still begin.
        offset = Math.max(0, length + 1 - maxLength);
        if (offset > this.#limit) {
          throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
        }
      }
      if (this.#eof) throw new IncompleteReadError(buffer.take(buffer.length), null);
      yield* this.#waitForData("readuntil");
    }
    if (matchStart > this.#limit) {
      throw new LimitOverrunError("Separator is found, but chunk is longer than limit", matchStart);
    }
    const chunk = buffer.take(matchEnd);
    this.#maybeResume();
    return chunk;
  }

  *#waitForData(method: string): Generator<unknown, void, unknown> {
    if (this.#waiter !== null) {
      throw new RuntimeError(
        `${method}() called while another task is already waiting for incoming data: read from one task at a time`,
      );
    }
    if (this.#paused) {
      this.#paused = false;
      this.#transport?.source?.resume();
    }
    const waiter = getRunningLoop().createFuture<void>();
    this.#waiter = waiter;
    try {
      yield* waiter;
    } finally {
      // Woken, the waiter was already let go (another task may wait now); cancelled, it is let go here.
      if (this.#waiter === waiter) this.#waiter = null;
    }
  }

  /** asyncio's _wakeup_waiter(): the waiting read is let go at once, so another may wait before it resumes. */
  #wakeup(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter !== null && !waiter.done() && !waiter._loop.isClosed()) waiter.setResult(undefined);
  }

  #maybeResume(): void {
    if (this.#paused && this.#buffer.length <= this.#limit) {
      this.#paused = false;
      this.#transport?.source?.resume();
    }
  }
}

/**
 * Writes bytes to a connection or pipe (asyncio.StreamWriter). write() never
 * blocks; `yield* writer.drain()` waits while the transport holds more than
 * its high-water mark.
 *
 * @example
 * ```ts
 * writer.write("hello\n");
 * yield* writer.drain();
 * writer.close();
 * yield* writer.waitClosed();
 * ```
 */
export class StreamWriter {
  readonly #transport: Transport;
  readonly #reader: StreamReader | null;
  #paused = false;
  #eofWritten = false;
  #closing = false;
  #lost = false;
  /** The error the connection was lost with, if it failed; waitClosed() raises it. */
  #lostError: unknown = undefined;
  readonly #drainWaiters: Future<void>[] = [];

  /** A writer over `transport`; `reader` is the same connection's reader, whose errors drain() reports. */
  constructor(transport: Transport, reader: StreamReader | null = null) {
    this.#transport = transport;
    this.#reader = reader;
    transport.sink?.setListener({
      progress: () => this.#progress(),
      error: (error) => this.#connectionLost(error),
    });
    transport.closed.then(() => this.#connectionLost(undefined));
  }

  /** The transport underneath (asyncio's `writer.transport`): `abort()` closes at once. */
  get transport(): Transport {
    return this.#transport;
  }

  /** Queues `data` (a string is sent as UTF-8). Call drain() to wait for the buffer to empty. */
  write(data: Uint8Array | string): void {
    let bytes: Uint8Array;
    if (typeof data === "string") bytes = encoder.encode(data);
    else if (data instanceof Uint8Array) bytes = data.slice(); // the caller may reuse its array
    else throw new TypeError(`write() needs a Uint8Array or a string, got ${describe(data)}`);
    const sink = this.#sink("write()");
    if (this.#eofWritten) throw new RuntimeError("write() was called after writeEof(): the write side is shut");
    // asyncio drops writes to a lost connection (it logs a warning); drain() reports the loss.
    if (bytes.length === 0 || this.#lost) return;
    sink.write(bytes);
    if (!this.#paused && sink.bufferedAmount() > HIGH_WATER) this.#paused = true;
  }

  /** Writes each item in turn. */
  writelines(data: Iterable<Uint8Array | string>): void {
    for (const item of data) this.write(item);
  }

  /** True: sockets and pipes can send EOF. */
  canWriteEof(): boolean {
    return this.#transport.sink !== null;
  }

  /** Sends EOF after the queued bytes (half-close); the reading side stays open. */
  writeEof(): void {
    const sink = this.#sink("writeEof()");
    if (this.#eofWritten || this.#lost) return;
    this.#eofWritten = true;
    sink.end();
  }

  /** Closes the transport once queued bytes are written. */
  close(): void {
    this.#closing = true;
    this.#transport.close();
  }

  /** True once close() was called or the connection was lost. */
  isClosing(): boolean {
    return this.#closing || this.#lost;
  }

  /**
   * Waits until the transport is closed.
   *
   * @throws the error the connection failed with (a peer reset, ...), as asyncio's wait_closed() does
   */
  waitClosed(): Operation<void> {
    return this.#waitClosed();
  }

  /** asyncio's get_extra_info(): "peername" and "sockname" as `[host, port]`, else `defaultValue`. */
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    const value = this.#transport.extraInfo(name);
    return value === undefined ? defaultValue : value;
  }

  /**
   * Waits until the transport's buffer is below the low-water mark.
   *
   * @throws the reader's exception, if the connection failed while reading
   * @throws {ConnectionResetError} if the connection was lost
   */
  drain(): Operation<void> {
    return this.#drain();
  }

  toString(): string {
    const info = [String(this.#transport)];
    if (this.#reader !== null) info.push(`reader=${String(this.#reader)}`);
    return `<StreamWriter ${info.join(" ")}>`;
  }

  *#drain(): Generator<unknown, void, unknown> {
    const reader = this.#reader;
    if (reader !== null && reader.exception() !== undefined) throw reader.exception();
    // Closing: give the transport a turn to report the loss, as asyncio does.
    if (this.isClosing()) yield* sleep(0);
    if (this.#lost) throw new ConnectionResetError("Connection lost");
    if (!this.#paused) return;
    const waiter = getRunningLoop().createFuture<void>();
    this.#drainWaiters.push(waiter);
    try {
      yield* waiter;
    } finally {
      const at = this.#drainWaiters.indexOf(waiter);
      if (at >= 0) this.#drainWaiters.splice(at, 1);
    }
  }

  *#waitClosed(): Generator<unknown, void, unknown> {
    yield* until(this.#transport.closed);
    if (this.#lostError !== undefined) throw this.#lostError;
  }

  #sink(method: string) {
    const sink = this.#transport.sink;
    if (sink === null) throw new RuntimeError(`${method} needs a writable transport, and this one is read-only`);
    return sink;
  }

  #progress(): void {
    if (!this.#paused || this.#transport.sink!.bufferedAmount() > LOW_WATER) return;
    this.#paused = false;
    this.#settleDrainWaiters(undefined);
  }

  #connectionLost(error: unknown): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#lostError = error;
    this.#paused = false;
    this.#settleDrainWaiters(error);
  }

  #settleDrainWaiters(error: unknown): void {
    for (const waiter of this.#drainWaiters) {
      if (waiter.done() || waiter._loop.isClosed()) continue;
      if (error === undefined) waiter.setResult(undefined);
      else waiter.setException(error);
    }
  }
}

/** Options for {@linkcode openConnection}. */
export interface OpenConnectionOptions {
  /** Speak TLS (the runtime's trust store); default false. */
  tls?: boolean;
  /** The reader's limit (default 64 KiB). */
  limit?: number;
}

/**
 * Connects to `host`:`port` over TCP. Cancelling the waiting task abandons
 * the attempt and closes the socket.
 *
 * @example
 * ```ts
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 * writer.write("ping\n");
 * console.log(new TextDecoder().decode(yield* reader.readline()));
 * ```
 * @throws {RuntimeError} where the runtime has no TCP (browsers)
 */
export function openConnection(
  host: string,
  port: number,
  options: OpenConnectionOptions = {},
): Operation<[StreamReader, StreamWriter]> {
  checkAddress("openConnection()", host, port);
  const tls = options.tls ?? false;
  if (typeof tls !== "boolean") {
    throw new TypeError(`openConnection() option tls must be a boolean, got ${describe(tls)}`);
  }
  const limit = options.limit;
  new StreamReader(limit === undefined ? {} : { limit }); // validates the limit at the call
  const net = requireNet("openConnection()");
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      // The adapter closes what it opened once `signal` aborts. A connection that arrived but that
      // the cancelled task never saw (it was cancelled with the result on its way) is closed here.
      const attempt = { abandoned: false, arrived: null as Transport | null };
      let transport: Transport;
      try {
        transport = yield* call((signal) =>
          net.connect(host, port, { tls, signal }).then((arrived) => {
            if (attempt.abandoned) arrived.abort();
            else attempt.arrived = arrived;
            return arrived;
          })
        );
      } catch (error) {
        attempt.abandoned = true;
        attempt.arrived?.abort();
        throw error;
      }
      return streamPair(transport, limit, loop);
    },
  };
}

/** What startServer() calls for each connection: a coroutine (run as a task), a promise, or nothing. */
export type ClientConnected = (
  reader: StreamReader,
  writer: StreamWriter,
) => Coroutine<unknown> | PromiseLike<unknown> | void;

/** Options for {@linkcode startServer}. */
export interface StartServerOptions {
  /** Each connection's reader limit (default 64 KiB). */
  limit?: number;
}

/**
 * Listens on `host`:`port` (0 picks a free port: see `server.address()`)
 * and calls `clientConnected(reader, writer)` for each connection; a
 * coroutine it returns runs as a task.
 *
 * @example
 * ```ts
 * const server = yield* startServer(function* (reader, writer) {
 *   writer.write(yield* reader.readline());
 *   yield* writer.drain();
 *   writer.close();
 * }, "127.0.0.1", 0);
 * yield* server.serveForever();
 * ```
 * @throws {RuntimeError} where the runtime cannot listen (browsers, workerd)
 */
export function startServer(
  clientConnected: ClientConnected,
  host: string,
  port: number,
  options: StartServerOptions = {},
): Operation<Server> {
  if (typeof clientConnected !== "function") {
    throw new TypeError(`startServer() needs a function (reader, writer) => ..., got ${describe(clientConnected)}`);
  }
  checkAddress("startServer()", host, port);
  const limit = options.limit;
  new StreamReader(limit === undefined ? {} : { limit }); // validates the limit at the call
  const net = requireNet("startServer()");
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const server = new Server(loop, clientConnected, limit);
      try {
        // _listening() closes a listener that arrives for a server already closed (a cancelled start).
        yield* until(
          net.listen(host, port, (transport) => server._accept(transport)).then((listener) => {
            server._listening(listener);
          }),
        );
      } catch (error) {
        server.close(); // listening failed, or the task was cancelled: nothing may stay open
        throw error;
      }
      return server;
    },
  };
}

/**
 * A listening TCP server (asyncio.Server), made by {@linkcode startServer}.
 * close() stops accepting; connections already made go on until they close
 * (closeClients() closes them); waitClosed() waits for both.
 */
export class Server {
  readonly #loop: Loop;
  readonly #clientConnected: ClientConnected;
  readonly #limit: number | undefined;
  #listener: Listener | null = null;
  #closed = false;
  readonly #transports = new Set<Transport>();
  /** waitClosed()'s futures; null once the server is closed and every connection is gone. */
  #waiters: Future<void>[] | null = [];
  #serving: Future<never> | null = null;
  /** Unregisters the loop-close hook, once the server is closed and its connections are gone. */
  readonly #forgetAtClose: () => void;

  /** @internal made by startServer() */
  constructor(loop: Loop, clientConnected: ClientConnected, limit: number | undefined) {
    this.#loop = loop;
    this.#clientConnected = clientConnected;
    this.#limit = limit;
    // A server left open when its loop closes would keep the process alive for nothing: close it then.
    this.#forgetAtClose = loop._atClose(() => {
      this.close();
      this.abortClients();
    });
  }

  /** Where the server listens; `port` is the real one when 0 was asked for. */
  address(): { hostname: string; port: number } {
    if (this.#listener === null) throw new RuntimeError("The server is not listening yet");
    return { ...this.#listener.address };
  }

  /** The loop the connection handlers run on. */
  getLoop(): Loop {
    return this.#loop;
  }

  /** True until close(). */
  isServing(): boolean {
    return !this.#closed;
  }

  /** Stops listening. Connections already accepted are left open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener?.close();
    const serving = this.#serving;
    if (serving !== null && !serving.done() && !this.#loop.isClosed()) serving.cancel();
    this.#serving = null;
    this.#wakeupIfGone();
  }

  /** Closes every accepted connection (after their queued bytes). */
  closeClients(): void {
    for (const transport of [...this.#transports]) transport.close();
  }

  /** Closes every accepted connection at once. */
  abortClients(): void {
    for (const transport of [...this.#transports]) transport.abort();
  }

  /** Waits until the server is closed and every connection it accepted is closed. */
  waitClosed(): Operation<void> {
    return this.#waitClosed();
  }

  /**
   * Accepts connections until the waiting task is cancelled, then closes
   * the server and waits for it to close.
   */
  serveForever(): Operation<never> {
    if (this.#serving !== null) throw new RuntimeError(`${String(this)} is already being served by serveForever()`);
    if (this.#closed) throw new RuntimeError(`${String(this)} is closed: start a new server`);
    return this.#serveForever();
  }

  toString(): string {
    const where = this.#listener === null ? "" : ` ${this.#listener.address.hostname}:${this.#listener.address.port}`;
    return `<Server${where}${this.#closed ? " closed" : ""}>`;
  }

  /** @internal the listener is up */
  _listening(listener: Listener): void {
    this.#listener = listener;
    if (this.#closed) listener.close();
  }

  /** @internal a connection came in (called from the host, outside the loop's iteration) */
  _accept(transport: Transport): void {
    const loop = this.#loop;
    if (this.#closed || loop.isClosed()) {
      transport.abort();
      return;
    }
    this.#transports.add(transport);
    transport.closed.then(() => {
      this.#transports.delete(transport);
      this.#wakeupIfGone();
    });
    const [reader, writer] = streamPair(transport, this.#limit, loop);
    let result: unknown;
    try {
      result = this.#clientConnected(reader, writer);
    } catch (exception) {
      this.#handlerFailed(exception, transport);
      return;
    }
    const coro = isCoroutine(result) ? result : isThenable(result) ? until(result)[Symbol.iterator]() : null;
    if (coro === null) return;
    const task = loop.createTask(coro as Coroutine<unknown>);
    task.addDoneCallback(() => {
      // asyncio closes the connection of a handler that was cancelled or failed (and reports the failure).
      if (task.cancelled()) transport.close();
      else if (task.exception() !== null) this.#handlerFailed(task.exception(), transport); // null: it returned
    });
  }

  #handlerFailed(exception: unknown, transport: Transport): void {
    if (!this.#loop.isClosed()) {
      this.#loop.callExceptionHandler({ message: "Unhandled exception in client_connected_cb", exception, transport });
    }
    transport.close();
  }

  *#waitClosed(): Generator<unknown, void, unknown> {
    const waiters = this.#waiters;
    if (waiters === null) return;
    const waiter = getRunningLoop().createFuture<void>();
    waiters.push(waiter);
    yield* waiter;
  }

  *#serveForever(): Generator<unknown, never, unknown> {
    const serving = this.#loop.createFuture<never>();
    this.#serving = serving;
    try {
      return yield* serving;
    } catch (error) {
      this.close();
      yield* this.#waitClosed();
      throw error;
    } finally {
      if (this.#serving === serving) this.#serving = null;
    }
  }

  #wakeupIfGone(): void {
    const waiters = this.#waiters;
    if (!this.#closed || this.#transports.size > 0 || waiters === null) return;
    this.#waiters = null;
    this.#forgetAtClose();
    for (const waiter of waiters) {
      if (!waiter.done() && !waiter._loop.isClosed()) waiter.setResult(undefined);
    }
  }
}

/**
 * @internal a reader and a writer over one connection. A connection still
 * open when `loop` closes is aborted then: nothing would read it any more,
 * and its socket would keep the process alive.
 */
export function streamPair(transport: Transport, limit: number | undefined, loop: Loop): [StreamReader, StreamWriter] {
  const forget = loop._atClose(() => transport.abort());
  transport.closed.then(forget);
  const reader = new StreamReader(limit === undefined ? {} : { limit });
  reader._attach(transport);
  return [reader, new StreamWriter(transport, reader)];
}

function requireNet(method: string): NetAdapter {
  const net = platform.net;
  if (net === undefined) {
    throw new RuntimeError(`${method} needs TCP sockets, which ${platform.name} does not provide`);
  }
  return net;
}

function checkAddress(method: string, host: string, port: number): void {
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`${method} needs a host name or address string, got ${describe(host)}`);
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${method} needs a port number from 0 to 65535, got ${describe(port)}`);
  }
}

function toSeparators(separator: Separator): Uint8Array[] {
  const list = typeof separator === "string" || separator instanceof Uint8Array ? [separator] : separator;
  if (!Array.isArray(list)) {
    throw new TypeError(`readuntil() needs a separator (Uint8Array, string, or a list of them), got ${describe(list)}`);
  }
  const bytes = list.map((item: unknown) => {
    if (typeof item === "string") return encoder.encode(item);
    if (item instanceof Uint8Array) return item;
    throw new TypeError(`readuntil() separators must be Uint8Arrays or strings, got ${describe(item)}`);
  });
  if (bytes.length === 0) throw new RangeError("readuntil() needs at least one separator");
  bytes.sort((a, b) => a.length - b.length);
  if (bytes[0]!.length === 0) throw new RangeError("readuntil() separators must be at least one byte long");
  return bytes;
}

function concat(blocks: Uint8Array[]): Uint8Array {
  if (blocks.length === 1) return blocks[0]!;
  let length = 0;
  for (const block of blocks) length += block.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}
