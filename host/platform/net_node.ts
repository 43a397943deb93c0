/**
 * TCP on Node, with `node:net` and `node:tls` (loaded at run time: see
 * _node_modules.ts). Deno uses it for TLS (see net_deno.ts).
 *
 * - Sockets are half-open (`allowHalfOpen`), as asyncio's are: EOF from the
 *   peer leaves the write side open, and writeEof() sends FIN while reading
 *   goes on.
 * - Reading starts at start(): until a "data" listener is attached the
 *   socket does not flow, and what arrives waits in Node's buffer.
 *   pause() stops libuv reading once that buffer is full, so the peer's
 *   sends block.
 * - `bufferedAmount()` is `writableLength`: bytes Node holds, the chunk
 *   libuv is writing included, until libuv hands them to the kernel; each
 *   write's callback then reports progress. Writes are corked until the
 *   end of the loop turn that made them, so a turn's writes to a socket
 *   cost one system call (writev), not one each.
 * - close() is end() (FIN once the queue is written) then destroy(), which
 *   is asyncio's close(): flush, then close the socket.
 * - Nagle's algorithm is off (asyncio sets TCP_NODELAY on TCP sockets): a
 *   request-response exchange would otherwise stall on delayed ACKs.
 *
 * @module
 */

import { loadNodeModule } from "./_node_modules.ts";
import { connectionError } from "./_net_shared.ts";
import type { ByteReceiver, ByteSink, ByteSource, Listener, NetAdapter, Transport, WriteListener } from "./io_types.ts";

interface NodeEmitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

interface NodeSocket extends NodeEmitter {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly writableLength: number;
  setNoDelay(noDelay: boolean): unknown;
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  destroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  cork(): unknown;
  uncork(): unknown;
}

interface NodeServer extends NodeEmitter {
  listen(options: { host: string; port: number; backlog: number }): unknown;
  address(): { address: string; port: number } | string | null;
  close(): unknown;
}

interface NodeConnectOptions {
  host: string;
  port: number;
  allowHalfOpen: boolean;
}

/** node:net, as far as this adapter uses it. */
interface NodeNetModule {
  connect(options: NodeConnectOptions): NodeSocket;
  createServer(options: { allowHalfOpen: boolean }, onConnection: (socket: NodeSocket) => void): NodeServer;
}

interface NodeTlsModule {
  connect(options: NodeConnectOptions): NodeSocket;
}

/**
 * The listen queue's length (Linux caps it at net.core.somaxconn, 4096 by
 * default). With Node's default of 511, 1,000 connections opened 10 at a
 * time on loopback had the last few stall for a 1 s SYN retransmit on this
 * kernel; Deno's and Bun's listeners did not.
 */
const LISTEN_BACKLOG = 4096;

export const nodeNet: NetAdapter = {
  async connect(host, port, { tls, signal }) {
    signal.throwIfAborted();
    const options = { host, port, allowHalfOpen: true };
    const socket = tls
      ? (await loadNodeModule<NodeTlsModule>("tls")).connect(options)
      : (await loadNodeModule<NodeNetModule>("net")).connect(options);
    return new Promise((resolve, reject) => {
      const connected = tls ? "secureConnect" : "connect";
      const onConnect = () => {
        settle();
        resolve(new NodeSocketTransport(socket, tls));
      };
      const onError = (error: unknown) => {
        settle();
        socket.destroy();
        reject(error);
      };
      const onAbort = () => {
        settle();
        socket.destroy(); // abandons the attempt: no socket is left behind
        reject(signal.reason);
      };
      const settle = () => {
        socket.removeListener(connected, onConnect);
        socket.removeListener("error", onError);
        signal.removeEventListener("abort", onAbort);
      };
      socket.once(connected, onConnect);
      socket.once("error", onError);
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort(); // aborted while node:tls was loading
    });
  },

  async listen(host, port, onConnection) {
    const net = await loadNodeModule<NodeNetModule>("net");
    return nodeListen(net, host, port, onConnection);
  },
};

/** Listens on `host`:`port`; each accepted socket goes to `onConnection` as a Transport. */
function nodeListen(
  net: NodeNetModule,
  host: string,
  port: number,
  onConnection: (transport: Transport) => void,
): Promise<Listener> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    onConnection(new NodeSocketTransport(socket, false));
  });
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => {
      server.removeListener("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.removeListener("error", onError);
      // An error while listening (rare: the handle fails) must not crash the process.
      server.on("error", () => {});
      resolve(new NodeListener(server));
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port, backlog: LISTEN_BACKLOG });
  });
}

class NodeListener implements Listener {
  readonly address: { hostname: string; port: number };
  readonly closed: Promise<void>;
  readonly #server: NodeServer;
  #resolveClosed!: () => void;
  #closing = false;

  constructor(server: NodeServer) {
    this.#server = server;
    const address = server.address();
    this.address = typeof address === "object" && address !== null
      ? { hostname: address.address, port: address.port }
      : { hostname: String(address), port: 0 };
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    // Node closes the listening socket at once, but emits "close" only after every accepted
    // connection is gone: the Listener is closed now.
    this.#server.close();
    this.#resolveClosed();
  }
}

/** A connected net.Socket (or tls.TLSSocket) as a Transport. */
class NodeSocketTransport implements Transport, ByteSource, ByteSink {
  readonly source: ByteSource = this;
  readonly sink: ByteSink = this;
  readonly closed: Promise<void>;
  readonly #socket: NodeSocket;
  readonly #label: string;
  readonly #peername: [string, number] | undefined;
  readonly #sockname: [string, number] | undefined;
  #receiver: ByteReceiver | null = null;
  #listener: WriteListener | null = null;
  /** eof() or error() went to the receiver, or is on its way: nothing more does. */
  #readFinished = false;
  /** How reading ended before start(): delivered by start(). */
  #earlyEnd: { error: unknown } | null = null;
  #closing = false;
  #ended = false;
  #gone = false;
  #corked = false;

  constructor(socket: NodeSocket, tls: boolean) {
    this.#socket = socket;
    socket.setNoDelay(true);
    // Read now: Node forgets the addresses once the socket is destroyed.
    this.#peername = address(socket.remoteAddress, socket.remotePort);
    this.#sockname = address(socket.localAddress, socket.localPort);
    this.#label = `${tls ? "tls" : "tcp"} ${socket.remoteAddress}:${socket.remotePort}`;
    // Listening from the start: an "error" nobody listens to would crash the process.
    socket.on("error", (error: unknown) => this.#fail(error));
    socket.on("end", () => this.#finishReading(undefined));
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.#gone = true;
        this.#finishReading(undefined); // destroyed before the peer's EOF (close(), abort()): EOF, as asyncio
        resolve();
      });
    });
  }

  // ---- ByteSource ----

  start(receiver: ByteReceiver): void {
    if (this.#receiver !== null) throw new Error("A socket's source can only be started once");
    this.#receiver = receiver;
    const early = this.#earlyEnd;
    if (early !== null) {
      // The socket ended before anyone read it: say so, but not from inside start().
      queueMicrotask(() => {
        if (early.error === undefined) receiver.eof();
        else receiver.error(early.error);
      });
      return;
    }
    // Attaching "data" makes the socket flow: Node emits the first chunk on a later tick, never in here.
    this.#socket.on("data", (chunk: Uint8Array) => {
      if (!this.#readFinished && !this.#closing) {
        receiver.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
    });
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    if (!this.#closing) this.#socket.resume();
  }

  // ---- ByteSink ----

  write(chunk: Uint8Array): void {
    // After close() or end(), or once lost, bytes go nowhere (StreamWriter reports the loss on drain()).
    if (this.#closing || this.#ended || this.#gone || chunk.length === 0) return;
    const socket = this.#socket;
    if (!this.#corked) {
      // The writes of one loop turn go out together (one writev) once the turn's synchronous code is done.
      this.#corked = true;
      socket.cork();
      queueMicrotask(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    socket.write(chunk, (error) => {
      if (error == null) this.#listener?.progress();
    });
  }

  bufferedAmount(): number {
    return this.#gone ? 0 : this.#socket.writableLength;
  }

  setListener(listener: WriteListener): void {
    this.#listener = listener;
  }

  end(): void {
    if (this.#ended || this.#closing || this.#gone) return;
    this.#ended = true;
    this.#socket.end();
  }

  // ---- Transport ----

  extraInfo(name: string): unknown {
    if (name === "peername") return this.#peername === undefined ? undefined : [...this.#peername];
    if (name === "sockname") return this.#sockname === undefined ? undefined : [...this.#sockname];
    return undefined;
  }

  close(): void {
    if (this.#closing || this.#gone) return;
    this.#closing = true;
    const socket = this.#socket;
    socket.pause(); // asyncio's close() stops reading at once
    // end()'s callback runs once the queued bytes are written (or writing failed): then close for good.
    socket.end(() => socket.destroy());
  }

  abort(): void {
    this.#socket.destroy();
  }

  toString(): string {
    const state = this.#gone ? "closed" : this.#closing ? "closing" : "open";
    return `<${this.#label} ${state} buffered=${this.bufferedAmount()}>`;
  }

  #finishReading(error: unknown): void {
    if (this.#readFinished) return;
    this.#readFinished = true;
    const receiver = this.#receiver;
    if (receiver === null) {
      this.#earlyEnd = { error };
      return;
    }
    if (error === undefined) receiver.eof();
    else receiver.error(error);
  }

  #fail(error: unknown): void {
    const reported = connectionError(error);
    this.#finishReading(reported);
    this.#listener?.error(reported);
    // Node destroys the socket after "error"; "close" follows and resolves `closed`.
  }
}

function address(host: string | undefined, port: number | undefined): [string, number] | undefined {
  return host === undefined || port === undefined ? undefined : [host, port];
}
