/**
 * TCP on Bun: `Bun.connect` and `Bun.listen` with their socket handlers.
 *
 * What Bun's native sockets do, checked by experiment on Bun 1.4:
 * - `socket.write()` returns how many bytes the kernel took, and keeps
 *   none of the rest: the adapter queues the rest itself, so
 *   `bufferedAmount()` is exactly its queue. The `drain` handler runs when
 *   the socket can take more. The adapter writes at the end of the loop
 *   turn (a microtask), joining the turn's small writes into one.
 * - `socket.pause()` stops reading from the kernel (the peer's writes then
 *   block once the windows fill: 3.9 MB went in on loopback, then writes
 *   took 0 bytes until resume()). So the native sockets have real
 *   backpressure both ways, and node:net is not needed as a fallback.
 *   A chunk read before the pause may still reach the `data` handler: it
 *   is held until resume().
 * - With `allowHalfOpen`, the `end` handler reports the peer's FIN and
 *   `shutdown()` sends ours while reading goes on; `end()` closes both
 *   sides, `terminate()` closes at once (abort(): the peer sees a reset). A connection closed by the peer
 *   after our FIN gets `close` without `end`, and a reset comes as
 *   `close(socket, error)` with code "ECONNRESET".
 * - `Bun.connect` resolves when TCP connects, before a TLS handshake, and
 *   writes before the handshake take nothing: with TLS the adapter waits
 *   for the `handshake` handler, and fails the attempt when the certificate
 *   is not trusted. `Bun.connect` takes no AbortSignal: an abandoned attempt
 *   is closed as soon as it has a socket.
 * - Refused connections reject with an Error whose `code` is
 *   "ECONNREFUSED", as on Node.
 *
 * @module
 */

import { connectionError, takeCoalesced } from "./_net_shared.ts";
import type { ByteReceiver, ByteSink, ByteSource, Listener, NetAdapter, Transport, WriteListener } from "./io_types.ts";

interface BunSocket {
  data: BunSocketTransport | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  write(data: Uint8Array): number;
  end(): void;
  shutdown(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay: boolean): unknown;
}

interface BunSocketHandler {
  binaryType: "uint8array";
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
  connectError(socket: BunSocket, error: Error): void;
}

interface BunServer {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

interface BunNamespace {
  connect(options: {
    hostname: string;
    port: number;
    tls: boolean;
    allowHalfOpen: boolean;
    socket: BunSocketHandler;
  }): Promise<BunSocket>;
  listen(options: { hostname: string; port: number; allowHalfOpen: boolean; socket: BunSocketHandler }): BunServer;
}

declare const Bun: BunNamespace;

/** The handlers every socket shares; each forwards to the socket's transport (`socket.data`). */
function handlers(open: (socket: BunSocket) => void): BunSocketHandler {
  return {
    binaryType: "uint8array",
    open,
    data: (socket, chunk) => socket.data?._data(chunk),
    drain: (socket) => socket.data?._drain(),
    end: (socket) => socket.data?._end(),
    close: (socket, error) => socket.data?._close(error),
    error: (socket, error) => socket.data?._fail(error),
    handshake: (socket, success, authorizationError) => socket.data?._handshake(success, authorizationError),
    // Bun.connect's promise rejects with the same error; handling it here keeps Bun from also reporting it.
    connectError: () => {},
  };
}

export const bunNet: NetAdapter = {
  connect(host, port, { tls, signal }) {
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      let transport: BunSocketTransport | null = null;
      let settled = false;
      const settle = (error: unknown, value?: BunSocketTransport) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        if (value !== undefined) resolve(value);
        else reject(error);
      };
      const onAbort = () => {
        transport?.abort(); // a socket the attempt opened is closed now; a later one in open()
        settle(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      Bun.connect({
        hostname: host,
        port,
        tls,
        allowHalfOpen: true,
        socket: handlers((socket) => {
          transport = new BunSocketTransport(socket, tls);
          socket.data = transport;
          if (signal.aborted) transport.abort();
        }),
      }).then(
        () => {
          if (transport === null) return settle(new Error("Bun.connect() resolved without opening a socket"));
          const opened = transport;
          opened._ready.then(() => {
            if (signal.aborted) opened.abort();
            else settle(undefined, opened);
          }, (error) => settle(error));
        },
        (error) => settle(error),
      );
    });
  },

  listen(host, port, onConnection) {
    try {
      const server = Bun.listen({
        hostname: host,
        port,
        allowHalfOpen: true,
        socket: handlers((socket) => {
          const transport = new BunSocketTransport(socket, false);
          socket.data = transport;
          onConnection(transport);
        }),
      });
      return Promise.resolve(new BunListener(server));
    } catch (error) {
      return Promise.reject(error); // EADDRINUSE, EACCES...: Bun.listen throws
    }
  },
};

class BunListener implements Listener {
  readonly address: { hostname: string; port: number };
  readonly closed: Promise<void>;
  readonly #server: BunServer;
  #resolveClosed!: () => void;
  #closing = false;

  constructor(server: BunServer) {
    this.#server = server;
    this.address = { hostname: server.hostname, port: server.port };
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#server.stop(false); // false: stop listening, leave accepted connections open
    this.#resolveClosed();
  }
}

/** What the read side holds while paused or not started: chunks, then how reading ended. */
type Held = Uint8Array | { end: unknown };

/** A Bun TCP socket as a Transport (`socket.data` points back here). */
class BunSocketTransport implements Transport, ByteSource, ByteSink {
  readonly source: ByteSource = this;
  readonly sink: ByteSink = this;
  readonly closed: Promise<void>;
  /** @internal resolves when the connection can be used: at once, or after the TLS handshake */
  readonly _ready: Promise<void>;
  readonly #socket: BunSocket;
  readonly #label: string;
  readonly #peername: [string, number];
  readonly #sockname: [string, number];
  #receiver: ByteReceiver | null = null;
  #listener: WriteListener | null = null;
  /** Deliveries waiting for start() or resume(), in order. */
  #held: Held[] = [];
  #paused = false;
  /** How reading ended (EOF or error) has been decided: nothing more is taken in. */
  #readFinished = false;
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** The kernel took part of a write: the rest waits for the drain handler. */
  #blocked = false;
  #flushQueued = false;
  #endRequested = false;
  #endSent = false;
  #socketEnded = false;
  #closing = false;
  #gone = false;
  #resolveClosed!: () => void;
  #handshakeDone: ((error: unknown) => void) | null = null;

  constructor(socket: BunSocket, tls: boolean) {
    this.#socket = socket;
    socket.setNoDelay(true);
    // Until start() the kernel holds what comes; a TLS socket must read to finish its handshake first.
    if (!tls) socket.pause();
    this.#peername = [socket.remoteAddress, socket.remotePort];
    this.#sockname = [socket.localAddress, socket.localPort];
    this.#label = `${tls ? "tls" : "tcp"} ${socket.remoteAddress}:${socket.remotePort}`;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this._ready = tls
      ? new Promise((resolve, reject) => {
        this.#handshakeDone = (error) => (error === undefined ? resolve() : reject(error));
      })
      : Promise.resolve();
  }

  // ---- ByteSource ----

  start(receiver: ByteReceiver): void {
    if (this.#receiver !== null) throw new Error("A socket's source can only be started once");
    this.#receiver = receiver;
    this.#deliverHeld();
    if (!this.#paused && !this.#gone) this.#socket.resume();
  }

  pause(): void {
    this.#paused = true;
    if (!this.#gone) this.#socket.pause();
  }

  resume(): void {
    if (this.#closing) return;
    this.#paused = false;
    if (this.#receiver === null) return;
    this.#deliverHeld();
    if (!this.#gone) this.#socket.resume();
  }

  // ---- ByteSink ----

  write(chunk: Uint8Array): void {
    // After close() or end(), or once lost, bytes go nowhere (StreamWriter reports the loss on drain()).
    if (this.#closing || this.#endRequested || this.#gone || chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    this.#flushSoon();
  }

  bufferedAmount(): number {
    return this.#queued;
  }

  setListener(listener: WriteListener): void {
    this.#listener = listener;
  }

  end(): void {
    if (this.#endRequested || this.#closing || this.#gone) return;
    this.#endRequested = true;
    this.#flushSoon(); // FIN goes after the queued bytes
  }

  // ---- Transport ----

  extraInfo(name: string): unknown {
    if (name === "peername") return [...this.#peername];
    if (name === "sockname") return [...this.#sockname];
    return undefined;
  }

  close(): void {
    if (this.#closing || this.#gone) return;
    this.#closing = true;
    this.#socket.pause(); // asyncio's close() stops reading at once
    this.#flushSoon(); // the socket ends once the queued bytes are written
  }

  abort(): void {
    if (this.#gone) return;
    this.#queue = [];
    this.#queued = 0;
    this.#socket.terminate();
  }

  toString(): string {
    const state = this.#gone ? "closed" : this.#closing ? "closing" : "open";
    return `<${this.#label} ${state} buffered=${this.#queued}>`;
  }

  // ---- Bun's handlers (through socket.data) ----

  /** @internal bytes arrived */
  _data(chunk: Uint8Array): void {
    if (this.#readFinished || this.#closing) return;
    if (this.#receiver === null || this.#paused || this.#held.length > 0) this.#held.push(chunk);
    else this.#receiver.data(chunk);
  }

  /** @internal the peer sent FIN */
  _end(): void {
    this.#finishReading(undefined);
  }

  /** @internal the socket can take more bytes */
  _drain(): void {
    this.#blocked = false;
    this.#flush();
  }

  /** @internal the TLS handshake finished */
  _handshake(success: boolean, authorizationError: Error | null): void {
    const done = this.#handshakeDone;
    if (done === null) return;
    this.#handshakeDone = null;
    if (success) {
      if (this.#receiver === null || this.#paused) this.#socket.pause();
      done(undefined);
      return;
    }
    done(authorizationError ?? new Error("The TLS handshake failed"));
    this.#socket.terminate();
  }

  /** @internal the connection failed (a TLS error, or a handler threw) */
  _fail(error: unknown): void {
    this.#handshakeDone?.(error);
    this.#handshakeDone = null;
    const reported = connectionError(error);
    if (!this.#readFinished) {
      this.#readFinished = true;
      this.#held = [{ end: reported }]; // what is held is lost with the connection
      this.#deliverHeld();
    }
    this.#listener?.error(reported);
  }

  /** @internal the socket is closed; `error` when the peer reset it or writing failed */
  _close(error: Error | undefined): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#queue = [];
    this.#queued = 0;
    if (error !== undefined) this._fail(error);
    this.#handshakeDone?.(new Error("The connection closed during the TLS handshake"));
    this.#handshakeDone = null;
    this.#finishReading(undefined); // closed without the peer's FIN (close(), abort(), after our FIN): EOF
    // The socket is gone, so pausing no longer protects anything: hand over what is held, then close.
    this.#paused = false;
    this.#deliverHeld();
    queueMicrotask(() => this.#resolveClosed());
  }

  /** Writes the queue at the end of this turn of the loop, so the turn's writes go out together. */
  #flushSoon(): void {
    if (this.#blocked || this.#flushQueued) return; // the drain handler flushes
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  /** Hands the kernel what it takes; the rest waits for the drain handler. Then FIN or close, if asked. */
  #flush(): void {
    if (this.#gone) return;
    const queue = this.#queue;
    if (queue.length > 0) {
      while (queue.length > 0) {
        const data = takeCoalesced(queue);
        const taken = Math.max(0, this.#socket.write(data));
        this.#queued -= taken;
        if (taken < data.length) {
          queue.unshift(data.subarray(taken));
          this.#blocked = true;
          break;
        }
      }
      this.#listener?.progress();
      if (this.#blocked) return;
    }
    if (this.#closing) this.#endSocket();
    else if (this.#endRequested) this.#sendEnd();
  }

  /** close(), once the queue is written: both sides, once. */
  #endSocket(): void {
    if (this.#socketEnded) return;
    this.#socketEnded = true;
    this.#socket.end();
  }

  #sendEnd(): void {
    if (this.#endSent) return;
    this.#endSent = true;
    this.#socket.shutdown();
  }

  #finishReading(error: unknown): void {
    if (this.#readFinished) return;
    this.#readFinished = true;
    this.#held.push({ end: error });
    if (this.#held.length === 1 && !this.#paused && this.#receiver !== null) this.#deliverHeld();
  }

  /** Hands over what is held, in order, in a microtask (never from inside start() or resume()). */
  #deliverHeld(): void {
    if (this.#held.length === 0 || this.#receiver === null) return;
    queueMicrotask(() => {
      const receiver = this.#receiver!;
      const held = this.#held;
      while (held.length > 0 && !this.#paused) {
        const next = held.shift()!;
        if (next instanceof Uint8Array) {
          receiver.data(next);
        } else if (next.end === undefined) {
          receiver.eof();
        } else {
          receiver.error(next.end);
        }
      }
    });
  }
}
