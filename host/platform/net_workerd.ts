/**
 * TCP on workerd (Cloudflare Workers): outbound connections only, with
 * `connect()` from `cloudflare:sockets`. Workers cannot listen, so
 * listen() rejects with a RuntimeError that says so.
 *
 * - `cloudflare:sockets` is imported on first use through _node_modules.ts,
 *   with a specifier built at run time: bundlers leave it alone, so no
 *   other runtime's bundle contains (or fails to resolve) it.
 * - A socket is a pair of WHATWG streams. Reading pulls chunks from its
 *   readable side (each chunk is new: the receiver keeps it), and stops
 *   pulling while paused, so the stream's queue fills and workerd stops
 *   reading the connection. Writing goes through the writable side one
 *   chunk at a time; a chunk counts in `bufferedAmount()` until its write
 *   promise resolves (PullTransport).
 * - `allowHalfOpen` keeps the write side open after the peer's EOF, as
 *   asyncio does; closing the writer then sends FIN.
 * - `secureTransport: "on"` speaks TLS with workerd's trust store.
 *
 * @module
 */

import { RuntimeError } from "../errors.ts";
import { loadBuiltinModule } from "./_node_modules.ts";
import { abandonOnAbort, type PullConnection, PullTransport } from "./_net_shared.ts";
import type { NetAdapter, Transport } from "./io_types.ts";

interface WorkerdSocketInfo {
  remoteAddress?: string;
  localAddress?: string;
}

interface WorkerdSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<WorkerdSocketInfo>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

interface CloudflareSockets {
  connect(
    address: { hostname: string; port: number },
    options: { secureTransport: "on" | "off"; allowHalfOpen: boolean },
  ): WorkerdSocket;
}

/** `import("cloudflare:sockets")`, once, with a specifier no bundler resolves. */
function loadSockets(): Promise<CloudflareSockets> {
  return loadBuiltinModule<CloudflareSockets>("cloudflare", "sockets");
}

export const workerdNet: NetAdapter = {
  async connect(host, port, { tls, signal }) {
    signal.throwIfAborted();
    const { connect } = await loadSockets();
    signal.throwIfAborted();
    const socket = connect({ hostname: host, port }, { secureTransport: tls ? "on" : "off", allowHalfOpen: true });
    // Closing the socket abandons the attempt; abandonOnAbort answers the waiting task at once.
    const onAbort = () => void socket.close().catch(() => {});
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const info = await abandonOnAbort(socket.opened, signal, () => onAbort());
      return workerdTransport(socket, info, tls, host, port);
    } catch (error) {
      onAbort(); // a failed attempt leaves nothing open either
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  },

  listen() {
    return Promise.reject(
      new RuntimeError(
        "startServer() needs to listen for TCP connections, which workerd does not allow: " +
          "a Worker can only open outbound connections (openConnection())",
      ),
    );
  },
};

function workerdTransport(
  socket: WorkerdSocket,
  info: WorkerdSocketInfo,
  tls: boolean,
  host: string,
  port: number,
): Transport {
  const reader = socket.readable.getReader();
  const writer = socket.writable.getWriter();
  const peername = hostPort(info.remoteAddress) ?? [host, port];
  const sockname = hostPort(info.localAddress);
  const connection: PullConnection = {
    async read() {
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    async write(chunk) {
      await writer.write(chunk);
      return chunk.length;
    },
    closeWrite: () => writer.close(),
    close() {
      void socket.close().catch(() => {});
    },
    extraInfo(name) {
      if (name === "peername") return [...peername];
      if (name === "sockname") return sockname === undefined ? undefined : [...sockname];
      return undefined;
    },
    label: `${tls ? "tls" : "tcp"} ${peername[0]}:${peername[1]}`,
  };
  return new PullTransport(connection);
}

/** "host:port" or "[v6]:port" as [host, port]; undefined when workerd gives nothing usable. */
function hostPort(address: string | undefined): [string, number] | undefined {
  if (address === undefined) return undefined;
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  if (match === null) return undefined;
  return [match[1]!, Number(match[2])];
}
