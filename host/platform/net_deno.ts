/**
 * TCP on Deno: `Deno.connect` and `Deno.listen`; TLS through Deno's
 * `node:tls` (net_node.ts).
 *
 * - Reading is `conn.read()` into a fresh buffer per read, which the
 *   receiver keeps; pausing stops calling it, so the kernel's receive
 *   window fills and the peer's sends block (PullTransport).
 * - Writing is a queue of `conn.write()` calls, which may take part of a
 *   chunk: the bytes not yet taken are `bufferedAmount()`, exactly.
 * - `Deno.connect` takes an AbortSignal, and a connection that wins the
 *   race against it is closed.
 * - TLS is the fallback to `node:tls`, for a gap measured on Deno 2.9:
 *   `Deno.connectTls` (and `Deno.startTls`) resolve before the handshake,
 *   take no AbortSignal, and a TLS connection closed while its handshake
 *   is pending keeps its TCP socket open (the peer never sees it end) for
 *   as long as the peer stays silent. So a task cancelled in
 *   openConnection(..., { tls: true }) would leave a socket behind. Deno's
 *   node:tls releases it on destroy(), trusts the same store (DENO_CERT,
 *   and NODE_EXTRA_CA_CERTS), and reports errors with Node's codes.
 * - Deno's errors carry `code` ("ECONNREFUSED", ...), as Node's do.
 * - Deno turns Nagle's algorithm off by default; setNoDelay(true) says so
 *   (asyncio sets TCP_NODELAY on every TCP socket).
 *
 * @module
 */

import { abandonOnAbort, type PullConnection, PullTransport } from "./_net_shared.ts";
import { nodeNet } from "./net_node.ts";
import type { Listener, NetAdapter, Transport } from "./io_types.ts";

interface DenoNetAddr {
  hostname: string;
  port: number;
}

interface DenoConn {
  readonly remoteAddr: DenoNetAddr;
  readonly localAddr: DenoNetAddr;
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}

interface DenoListener {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}

interface DenoNet {
  connect(options: { hostname: string; port: number; transport: "tcp"; signal: AbortSignal }): Promise<DenoConn>;
  listen(options: { hostname: string; port: number; transport: "tcp" }): DenoListener;
}

declare const Deno: DenoNet;

/** Bytes asked of each conn.read(): one allocation per read, and what a slow reader holds at most per read. */
const READ_SIZE = 16 * 1024;
/** How long a listener waits before accepting again after a failed accept (too many open files...). */
const ACCEPT_RETRY_MS = 100;

export const denoNet: NetAdapter = {
  async connect(host, port, { tls, signal }) {
    // TLS goes through Deno's node:tls: see the module notes.
    if (tls) return nodeNet.connect(host, port, { tls, signal });
    // Deno aborts the attempt itself; abandonOnAbort also closes a connection that won the race.
    const conn = await abandonOnAbort(
      Deno.connect({ hostname: host, port, transport: "tcp", signal }),
      signal,
      closeQuietly,
    );
    return denoTransport(conn);
  },

  listen(host, port, onConnection) {
    const listener = Deno.listen({ hostname: host, port, transport: "tcp" });
    return Promise.resolve(new DenoTcpListener(listener, onConnection));
  },
};

function closeQuietly(conn: DenoConn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

function denoTransport(conn: DenoConn): Transport {
  conn.setNoDelay?.(true);
  // The addresses, read once: Deno keeps them after close, but a reset socket may not.
  const peername = [conn.remoteAddr.hostname, conn.remoteAddr.port];
  const sockname = [conn.localAddr.hostname, conn.localAddr.port];
  const connection: PullConnection = {
    async read() {
      const buffer = new Uint8Array(READ_SIZE);
      const n = await conn.read(buffer);
      return n === null ? null : buffer.subarray(0, n);
    },
    write: (chunk) => conn.write(chunk),
    closeWrite: () => conn.closeWrite(),
    close: () => conn.close(),
    extraInfo(name) {
      if (name === "peername") return [...peername];
      if (name === "sockname") return [...sockname];
      return undefined;
    },
    label: `tcp ${peername[0]}:${peername[1]}`,
  };
  return new PullTransport(connection);
}

/** Accepts until closed; an accept that fails for another reason (EMFILE...) is retried after a pause. */
class DenoTcpListener implements Listener {
  readonly address: { hostname: string; port: number };
  readonly closed: Promise<void>;
  readonly #listener: DenoListener;
  #closing = false;

  constructor(listener: DenoListener, onConnection: (transport: Transport) => void) {
    this.#listener = listener;
    this.address = { hostname: listener.addr.hostname, port: listener.addr.port };
    this.closed = this.#acceptLoop(onConnection);
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
  }

  async #acceptLoop(onConnection: (transport: Transport) => void): Promise<void> {
    while (!this.#closing) {
      let conn: DenoConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        // Closing ends the pending accept with an error; anything else is retried (asyncio does the same).
        if (!this.#closing) await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      if (this.#closing) {
        conn.close();
        return;
      }
      onConnection(denoTransport(conn));
    }
  }
}
