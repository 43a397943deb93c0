/**
 * What spindle's streams need from a runtime's sockets and pipes: asyncio's
 * transport, cut to the bone. An adapter (net_node.ts, process_deno.ts, ...)
 * turns a socket or pipe into a {@linkcode Transport}; streams.ts builds
 * `StreamReader`/`StreamWriter` on it and never sees the runtime.
 *
 * Ground rules for adapters
 * - Calls into a receiver or listener come from the runtime's own callbacks
 *   or promise reactions, never synchronously from inside a method spindle
 *   called (start(), write(), pause(), ...).
 * - A chunk handed to `ByteReceiver.data` belongs to the receiver: never
 *   reuse its buffer.
 * - `bufferedAmount()` is exact: bytes accepted by `write()` and not yet
 *   handed to the operating system. Backpressure is built on it.
 * - Every transport ends: `closed` resolves once, after the receiver (if
 *   any) got `eof()` or `error()`, and after the resource is released.
 *
 * @module
 */

/** Receives what the read side of a socket or pipe delivers. */
export interface ByteReceiver {
  /** Bytes arrived. The chunk is the receiver's to keep. */
  data(chunk: Uint8Array): void;
  /** The other end finished sending (EOF). Nothing follows. */
  eof(): void;
  /** Reading failed (connection reset, ...). Nothing follows. */
  error(error: unknown): void;
}

/** The read side of a socket or pipe. */
export interface ByteSource {
  /** Starts delivering to `receiver`. Called at most once. */
  start(receiver: ByteReceiver): void;
  /** Stops delivering until resume(): the peer's sends then block (TCP window, pipe buffer). */
  pause(): void;
  resume(): void;
}

/** Told when the write side of a socket or pipe makes progress or fails. */
export interface WriteListener {
  /** `bufferedAmount()` dropped. Called at least each time the buffer empties. */
  progress(): void;
  /** Writing failed (peer reset, broken pipe). Queued bytes are lost. */
  error(error: unknown): void;
}

/** The write side of a socket or pipe. */
export interface ByteSink {
  /** Queues bytes and returns at once. The sink may keep `chunk`: callers do not touch it again. */
  write(chunk: Uint8Array): void;
  /** Bytes accepted by write() and not yet taken by the operating system. */
  bufferedAmount(): number;
  /** Sets the one listener (StreamWriter's). */
  setListener(listener: WriteListener): void;
  /** Sends EOF once the queued bytes are written (half-close; for a pipe, closes it). */
  end(): void;
}

/** A socket or a pipe: either side may be absent (a child's stdin has no read side). */
export interface Transport {
  readonly source: ByteSource | null;
  readonly sink: ByteSink | null;
  /**
   * asyncio's `get_extra_info(name)`: "peername" and "sockname" as
   * `[host, port]` for TCP; undefined for names the transport does not know.
   */
  extraInfo(name: string): unknown;
  /** Closes once queued bytes are written (asyncio's `transport.close()`). */
  close(): void;
  /** Closes at once, dropping queued bytes (asyncio's `transport.abort()`). */
  abort(): void;
  /** Resolves once the transport is closed and its resource released; never rejects. */
  readonly closed: Promise<void>;
}

/** Options for {@linkcode NetAdapter.connect}. */
export interface ConnectOptions {
  /** Wrap the connection in TLS (the runtime's default trust store). */
  tls: boolean;
  /** Aborts the attempt when the waiting task is cancelled. */
  signal: AbortSignal;
}

/** A listening TCP socket. */
export interface Listener {
  /** Where it listens; `port` is the real one when 0 was asked for. */
  readonly address: { hostname: string; port: number };
  /** Stops accepting; connections already accepted are left alone. */
  close(): void;
  /** Resolves once the socket no longer listens; never rejects. */
  readonly closed: Promise<void>;
}

/** TCP for runtimes that have it (platform.net). */
export interface NetAdapter {
  /** Connects, or rejects with the runtime's error (ECONNREFUSED, ...). */
  connect(host: string, port: number, options: ConnectOptions): Promise<Transport>;
  /** Listens; `onConnection` receives each accepted connection's transport. */
  listen(host: string, port: number, onConnection: (transport: Transport) => void): Promise<Listener>;
}

/** Where a child process's stdin, stdout or stderr goes. */
export type StdioMode = "pipe" | "inherit" | "ignore";

/** Options for {@linkcode ProcessAdapter.spawn}. */
export interface SpawnOptions {
  stdin: StdioMode;
  stdout: StdioMode;
  /** "stdout": into the same pipe as stdout (asyncio's STDOUT); only with stdout "pipe". */
  stderr: StdioMode | "stdout";
  /** Working directory; the parent's when absent. */
  cwd?: string;
  /** The whole environment; the parent's when absent. */
  env?: Record<string, string>;
}

/**
 * A started child process.
 *
 * Its pipes are transports with these extra rules:
 * - stdout and stderr are source-only; each closes itself once it has
 *   delivered EOF or an error (its `closed` then resolves). close() and
 *   abort() release the pipe early and deliver EOF. Nothing is lost before
 *   start(): the child may write, and even exit, before its reader is
 *   attached (Node discards a child's output that nobody listens to).
 * - stdin is sink-only; end() and close() close the pipe once the queued
 *   bytes are written. A write the child can no longer receive (it closed
 *   its end, or exited) fails the sink with an error whose `code` is
 *   "EPIPE", then the transport closes.
 */
export interface ChildProcess {
  readonly pid: number;
  /** The child's stdin when piped (a sink-only transport; closing it sends EOF), else null. */
  readonly stdin: Transport | null;
  /** The child's stdout when piped (a source-only transport), else null. With stderr "stdout", both go here. */
  readonly stdout: Transport | null;
  /** The child's stderr when piped on its own, else null. */
  readonly stderr: Transport | null;
  /** asyncio's returncode once the child has exited: its exit code, or -N if signal N killed it. Never rejects. */
  readonly exited: Promise<number>;
  /**
   * Sends `signal` (a name such as "SIGTERM", or a number); does nothing
   * once the child has exited.
   *
   * @throws {RangeError} for a signal this system does not have
   */
  kill(signal: string | number): void;
}

/** Child processes for runtimes that have them (platform.processes). */
export interface ProcessAdapter {
  /**
   * Starts `command` with `args` (no shell, the PATH is searched); rejects
   * with the runtime's error when it cannot, its `code` set where the
   * runtime knows it ("ENOENT" for a missing command or directory, ...).
   */
  spawn(command: string, args: readonly string[], options: SpawnOptions): Promise<ChildProcess>;
}
