// @needs os: opens TCP sockets on loopback, and starts child processes (a TLS client, the exit checks)
/**
 * Streams over real TCP sockets on 127.0.0.1, under the runtime running the
 * suite (its native adapter: host/platform/net_*.ts): the asyncio
 * tutorial's echo pair, peers that are not spindle (node:net, which each
 * runtime provides), load, backpressure, cancellation, errors and TLS.
 * Tests wait for what the peers do, never for time: the only sleeps slow a
 * reader down on purpose.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import {
  Barrier,
  CancelledError,
  ConnectionResetError,
  createTask,
  currentTask,
  type ExceptionContext,
  gather,
  getRunningLoop,
  IncompleteReadError,
  LimitOverrunError,
  openConnection,
  run,
  RuntimeError,
  Semaphore,
  sleep,
  startServer,
  type StreamReader,
  type StreamWriter,
  type Task,
  until,
} from "../host/mod.ts";
import { assertError, caught } from "./_helpers.ts";
import { fixtureCommand, runFixture } from "./_helpers_process.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (data: Uint8Array) => decoder.decode(data);
const KiB = 1024;
const MiB = 1024 * KiB;
/** StreamWriter's marks (asyncio's defaults): drain() waits above HIGH until the buffer is down to LOW. */
const HIGH_WATER = 64 * KiB;
const LOW_WATER = 16 * KiB;
const HOST = "127.0.0.1";

/** The server half of the tests: echoes each line until EOF, then closes. */
function* echoLines(reader: StreamReader, writer: StreamWriter) {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) break;
    writer.write(line);
    yield* writer.drain();
  }
  writer.close();
  yield* writer.waitClosed();
}

/** A plain node:net server (not spindle) on a free port; close() destroys what it accepted. */
interface PlainServer {
  readonly port: number;
  /** Accepted sockets, in order, each with a promise of its "close". */
  readonly accepted: { socket: net.Socket; closed: Promise<unknown> }[];
  /** Resolves with the next accepted socket. */
  nextConnection(): Promise<net.Socket>;
  close(): Promise<void>;
}

async function plainServer(onSocket: (socket: net.Socket) => void, options: net.ServerOpts = {}): Promise<PlainServer> {
  const accepted: PlainServer["accepted"] = [];
  const waiting: ((socket: net.Socket) => void)[] = [];
  const server = net.createServer(options, (socket) => {
    socket.on("error", () => {}); // resets are what some tests are about
    accepted.push({ socket, closed: new Promise((resolve) => socket.once("close", resolve)) });
    onSocket(socket);
    waiting.shift()?.(socket);
  });
  server.listen(0, HOST);
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    accepted,
    nextConnection: () => new Promise((resolve) => waiting.push(resolve)),
    async close() {
      for (const { socket } of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the asyncio tutorial's TCP echo server and client", () => {
  test("the client sends Hello World!, the server echoes it and closes; each side prints in order", async () => {
    const printed: string[] = [];
    await run(function* main() {
      function* handleEcho(reader: StreamReader, writer: StreamWriter) {
        const data = yield* reader.read(100);
        const message = text(data);
        const [host] = writer.getExtraInfo("peername") as [string, number];
        printed.push(`server: Received ${JSON.stringify(message)} from ${host}`);
        printed.push(`server: Send: ${JSON.stringify(message)}`);
        writer.write(data);
        yield* writer.drain();
        printed.push("server: Close the connection");
        writer.close();
        yield* writer.waitClosed();
      }
      const server = yield* startServer(handleEcho, HOST, 0);
      const { hostname, port } = server.address();
      assert.equal(hostname, HOST);
      assert.ok(port > 0);

      const [reader, writer] = yield* openConnection(HOST, port);
      printed.push(`client: Send: "Hello World!"`);
      writer.write("Hello World!");
      yield* writer.drain();
      const data = yield* reader.read(100);
      printed.push(`client: Received: ${JSON.stringify(text(data))}`);
      printed.push("client: Close the connection");
      writer.close();
      yield* writer.waitClosed();

      server.close();
      yield* server.waitClosed();
    });
    assert.deepEqual(printed, [
      `client: Send: "Hello World!"`,
      `server: Received "Hello World!" from ${HOST}`,
      `server: Send: "Hello World!"`,
      "server: Close the connection",
      `client: Received: "Hello World!"`,
      "client: Close the connection",
    ]);
  });

  test("a program that closes everything exits by itself once run() returns", async () => {
    const outcome = await runFixture("tests/fixtures/net_exit_main.ts", ["clean"], () => {});
    const detail = JSON.stringify(outcome);
    assert.equal(outcome.timedOut, false, detail);
    assert.deepEqual(outcome.stdout.split("\n").filter((line) => line !== ""), ["echo ping", "run() returned"], detail);
    assert.equal(outcome.code, 0, detail);
  });

  test("a program that leaves a server and a connection open still exits: closing the loop releases them", async () => {
    const outcome = await runFixture("tests/fixtures/net_exit_main.ts", ["left-open"], () => {});
    const detail = JSON.stringify(outcome);
    assert.equal(outcome.timedOut, false, detail);
    assert.deepEqual(outcome.stdout.split("\n").filter((line) => line !== ""), ["echo ping", "run() returned"], detail);
    assert.equal(outcome.code, 0, detail);
  });
});

describe("peers that are not spindle", () => {
  test("a spindle server answers a plain node:net client line by line and sees the client's address", async () => {
    let peername: unknown;
    let sockname: unknown;
    await run(function* main() {
      const server = yield* startServer(
        function* (reader, writer) {
          peername = writer.getExtraInfo("peername");
          sockname = writer.getExtraInfo("sockname");
          for (;;) {
            const line = yield* reader.readline();
            if (line.length === 0) break;
            writer.write(text(line).toUpperCase());
          }
          writer.write("bye\n");
          writer.close();
        },
        HOST,
        0,
      );
      const port = server.address().port;
      const answer = yield* until(
        new Promise<{ text: string; localPort: number }>((resolve, reject) => {
          let localPort = 0;
          const client = net.connect(port, HOST, () => (localPort = client.localPort!));
          let received = "";
          client.setEncoding("utf8");
          client.on("data", (chunk: string) => (received += chunk));
          client.on("error", reject);
          client.on("end", () => resolve({ text: received, localPort }));
          client.write("first line\nsecond ");
          client.write("line\n");
          client.end();
        }),
      );
      assert.equal(answer.text, "FIRST LINE\nSECOND LINE\nbye\n");
      assert.deepEqual(peername, [HOST, answer.localPort]);
      assert.deepEqual(sockname, [HOST, port]);
      server.close();
      yield* server.waitClosed();
    });
  });

  test("a spindle client talks to a plain node:net server, sees its address, and half-closes with writeEof()", async () => {
    const plain = await plainServer((socket) => {
      let request = "";
      socket.setEncoding("utf8");
      socket.write("greeting\n");
      socket.on("data", (chunk: string) => (request += chunk));
      // Answers only once the client's EOF came: the client must still be able to read after writeEof().
      socket.on("end", () => socket.end(`got ${request.length} bytes: ${request}`));
    });
    try {
      await run(function* main() {
        const [reader, writer] = yield* openConnection(HOST, plain.port);
        assert.deepEqual(writer.getExtraInfo("peername"), [HOST, plain.port]);
        const [, localPort] = writer.getExtraInfo("sockname") as [string, number];
        assert.equal(localPort, plain.accepted[0]!.socket.remotePort);
        assert.equal(writer.getExtraInfo("no such thing", "fallback"), "fallback");
        assert.equal(text(yield* reader.readline()), "greeting\n");
        writer.write("abc");
        writer.write(encoder.encode("def"));
        assert.equal(writer.canWriteEof(), true);
        writer.writeEof();
        assert.equal(text(yield* reader.read()), "got 6 bytes: abcdef");
        assert.equal(reader.atEof(), true);
        writer.close();
        yield* writer.waitClosed();
      });
    } finally {
      await plain.close();
    }
  });
});

describe("load", () => {
  test("1,000 concurrent connections each echo 100 messages, and nothing is lost", async () => {
    const CLIENTS = 1000;
    const MESSAGES = 100;
    const BATCH = 10;
    let echoed = 0;
    const wrong: string[] = [];
    await run(function* main() {
      const server = yield* startServer(echoLines, HOST, 0);
      const port = server.address().port;
      // Connecting 100 at a time keeps the listen backlog from overflowing (a dropped SYN waits 1 s);
      // the barrier then holds every client until all 1,000 connections are open at once.
      const connecting = new Semaphore(100);
      const allOpen = new Barrier(CLIENTS);
      function* client(id: number) {
        yield* connecting.acquire();
        let pair: [StreamReader, StreamWriter];
        try {
          pair = yield* openConnection(HOST, port);
        } finally {
          connecting.release();
        }
        const [reader, writer] = pair;
        yield* allOpen.wait();
        // Ten messages in flight at a time, then their ten echoes: 10 round trips of 10 messages.
        for (let batch = 0; batch < MESSAGES; batch += BATCH) {
          for (let i = batch; i < batch + BATCH; i++) writer.write(`client ${id} message ${i}\n`);
          yield* writer.drain();
          for (let i = batch; i < batch + BATCH; i++) {
            const message = `client ${id} message ${i}\n`;
            const echo = text(yield* reader.readline());
            if (echo === message) echoed += 1;
            else wrong.push(`${JSON.stringify(message)} came back as ${JSON.stringify(echo)}`);
          }
        }
        writer.close();
        yield* writer.waitClosed();
      }
      const clients: Task<void>[] = [];
      for (let id = 0; id < CLIENTS; id++) clients.push(createTask(client(id)));
      yield* gather(clients);
      server.close();
      yield* server.waitClosed();
    });
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.equal(echoed, CLIENTS * MESSAGES);
  });

  test("64 MiB through one connection arrive intact, and the writer's buffer stays bounded while the reader is slow", async () => {
    const TOTAL = 64 * MiB;
    const CHUNK = 64 * KiB;
    let readerMax = 0;
    const result = await run(function* main() {
      const server = yield* startServer(
        function* (reader, writer) {
          const hash = createHash("sha256");
          let received = 0;
          let reads = 0;
          for (;;) {
            const block = yield* reader.read(CHUNK);
            if (block.length === 0) break;
            // What the reader holds (its toString() says): reading pauses above twice its limit.
            const held = Number(/^<StreamReader (\d+) bytes/.exec(String(reader))![1]);
            readerMax = Math.max(readerMax, held);
            hash.update(block);
            received += block.length;
            // A slow reader: the kernel's buffers fill, and the writer must wait in drain().
            if (++reads % 16 === 0) yield* sleep(1);
          }
          writer.write(`${received} ${hash.digest("hex")}\n`);
          writer.close();
          yield* writer.waitClosed();
        },
        HOST,
        0,
      );

      const [reader, writer] = yield* openConnection(HOST, server.address().port);
      const sink = writer.transport.sink!;
      const hash = createHash("sha256");
      const chunk = new Uint8Array(CHUNK);
      for (let i = 0; i < CHUNK; i++) chunk[i] = (i * 7919) & 255;
      const view = new DataView(chunk.buffer);
      let maxBuffered = 0;
      let waits = 0;
      for (let i = 0; i < TOTAL / CHUNK; i++) {
        view.setUint32(0, i); // every chunk differs, so a lost or repeated one changes the hash
        hash.update(chunk);
        writer.write(chunk);
        const before = sink.bufferedAmount();
        maxBuffered = Math.max(maxBuffered, before);
        yield* writer.drain();
        if (before > HIGH_WATER) {
          // drain() had to wait, and did until the transport was down to the low-water mark.
          waits += 1;
          assert.ok(sink.bufferedAmount() <= LOW_WATER, `drain() returned at ${sink.bufferedAmount()} bytes`);
        }
      }
      writer.writeEof();
      const answer = text(yield* reader.readline());
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
      return { answer, digest: hash.digest("hex"), maxBuffered, waits };
    });
    assert.equal(result.answer, `${TOTAL} ${result.digest}\n`);
    assert.ok(result.waits > 0, "drain() never had to wait");
    // At most one chunk beyond the high-water mark: write() never blocks, drain() does.
    assert.ok(result.maxBuffered <= HIGH_WATER + CHUNK, `the writer buffered ${result.maxBuffered} bytes`);
    // The reader (limit 64 KiB) pauses its transport above 128 KiB, past which at most the chunk that
    // crossed the mark lands: up to one read of the runtime (Bun reads 512 KiB at once, Node 64 KiB).
    assert.ok(readerMax <= 2 * 64 * KiB + 512 * KiB, `the reader held ${readerMax} bytes`);
  });
});

describe("cancellation", () => {
  test("a task cancelled in read(), readline() or readexactly() leaves at once; the connection goes on working", async () => {
    await run(function* main() {
      const server = yield* startServer(echoLines, HOST, 0);
      const [reader, writer] = yield* openConnection(HOST, server.address().port);
      for (const read of [() => reader.read(10), () => reader.readline(), () => reader.readexactly(5)]) {
        const blocked = createTask(read());
        yield* sleep(0);
        assert.equal(blocked.done(), false);
        blocked.cancel();
        assert.ok((yield* caught(() => blocked)) instanceof CancelledError);
      }
      writer.write("still here\n");
      assert.equal(text(yield* reader.readline()), "still here\n");
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
    });
  });

  test("a task cancelled in drain() leaves at once while the peer reads nothing; abort() then frees the socket", async () => {
    // pauseOnConnect: the plain server never reads, so the client's buffers fill and stay full.
    const plain = await plainServer(() => {}, { pauseOnConnect: true });
    try {
      await run(function* main() {
        const [, writer] = yield* openConnection(HOST, plain.port);
        const sink = writer.transport.sink!;
        const writing = createTask(function* () {
          const block = new Uint8Array(MiB);
          for (;;) {
            writer.write(block);
            yield* writer.drain(); // blocks for good once the kernel's buffers are full
          }
        }());
        // Wait (by polling the loop, not the clock) until drain() is stuck above the high-water mark.
        while (sink.bufferedAmount() <= HIGH_WATER) yield* sleep(1);
        writing.cancel();
        assert.ok((yield* caught(() => writing)) instanceof CancelledError);
        writer.transport.abort();
        yield* writer.waitClosed();
        assert.equal(sink.bufferedAmount(), 0);
      });
      // The server's end sees the connection end once it reads what the kernel still holds: nothing dangles.
      plain.accepted[0]!.socket.resume();
      await plain.accepted[0]!.closed;
    } finally {
      await plain.close();
    }
  });

  test("a task cancelled while openConnection() waits for a TLS handshake aborts the attempt and closes the socket", async () => {
    // A plain TCP server that never answers: the TLS handshake waits forever. It reads (and drops)
    // what comes, so that it sees the client's end.
    const plain = await plainServer((socket) => socket.resume());
    try {
      await run(function* main() {
        const arrived = plain.nextConnection();
        const connecting = createTask(openConnection(HOST, plain.port, { tls: true }));
        yield* until(arrived);
        yield* sleep(0);
        assert.equal(connecting.done(), false);
        connecting.cancel();
        assert.ok((yield* caught(() => connecting)) instanceof CancelledError);
      });
      await plain.accepted[0]!.closed;
    } finally {
      await plain.close();
    }
  });

  test("a task cancelled just after openConnection() started leaves no connection behind", async () => {
    const plain = await plainServer((socket) => socket.resume());
    try {
      await run(function* main() {
        const connecting = createTask(openConnection(HOST, plain.port));
        yield* sleep(0); // the attempt has started
        connecting.cancel();
        assertError(yield* caught(() => connecting), CancelledError);
      });
      // A later connection is accepted after any the attempt made (the kernel queues them in order):
      // once it is in, every earlier one must close.
      const probe = net.connect(plain.port, HOST);
      probe.on("error", () => {});
      const probed = plain.nextConnection();
      await probed;
      const earlier = plain.accepted.slice(0, -1);
      await Promise.all(earlier.map(({ closed }) => closed));
      probe.destroy();
    } finally {
      await plain.close();
    }
  });

  test("Server.waitClosed() waits, after close(), until every connection the server accepted has closed", async () => {
    const log: string[] = [];
    await run(function* main() {
      const server = yield* startServer(echoLines, HOST, 0);
      const port = server.address().port;
      const [reader, writer] = yield* openConnection(HOST, port);
      writer.write("before\n");
      assert.equal(text(yield* reader.readline()), "before\n");
      server.close();
      assert.equal(server.isServing(), false);
      const waiting = createTask(function* () {
        yield* server.waitClosed();
        log.push("server closed");
      }());
      // The accepted connection is still served, so the server is not closed yet.
      writer.write("after close()\n");
      assert.equal(text(yield* reader.readline()), "after close()\n");
      log.push("connection still served");
      assert.equal(waiting.done(), false);
      const refused = yield* caught(() => openConnection(HOST, port));
      assert.equal((refused as { code?: unknown }).code, "ECONNREFUSED", String(refused));
      log.push("client closes");
      writer.close();
      yield* writer.waitClosed();
      yield* waiting;
      // Once closed, waitClosed() returns at once.
      yield* server.waitClosed();
    });
    assert.deepEqual(log, ["connection still served", "client closes", "server closed"]);
  });

  test("serveForever() cancelled closes the server and waits for its connections before raising CancelledError", async () => {
    const log: string[] = [];
    await run(function* main() {
      const server = yield* startServer(echoLines, HOST, 0);
      const serving = createTask(function* () {
        try {
          yield* server.serveForever();
        } finally {
          log.push(`serveForever() ended, serving ${server.isServing()}`);
        }
      }());
      yield* sleep(0);
      assertError(
        yield* caught(() => server.serveForever()),
        RuntimeError,
        `${String(server)} is already being served by serveForever()`,
      );
      const [reader, writer] = yield* openConnection(HOST, server.address().port);
      writer.write("hello\n");
      assert.equal(text(yield* reader.readline()), "hello\n");
      serving.cancel();
      writer.write("served while closing\n");
      assert.equal(text(yield* reader.readline()), "served while closing\n");
      log.push("client closes");
      writer.close();
      yield* writer.waitClosed();
      assert.ok((yield* caught(() => serving)) instanceof CancelledError);
      assertError(
        yield* caught(() => server.serveForever()),
        RuntimeError,
        `${String(server)} is closed: start a new server`,
      );
    });
    assert.deepEqual(log, ["client closes", "serveForever() ended, serving false"]);
  });

  test("a handler that fails is reported to the loop's exception handler and its connection is closed", async () => {
    const seen: ExceptionContext[] = [];
    await run(function* main() {
      getRunningLoop().setExceptionHandler((_loop, context) => void seen.push(context));
      const failure = new Error("the handler failed");
      const server = yield* startServer(
        function* (reader) {
          yield* reader.readline();
          throw failure;
        },
        HOST,
        0,
      );
      const [reader, writer] = yield* openConnection(HOST, server.address().port);
      writer.write("trigger\n");
      assert.equal((yield* reader.read()).length, 0); // EOF: the server closed the connection
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.message, "Unhandled exception in client_connected_cb");
      assert.equal(seen[0]!.exception, failure);
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
    });
  });

  test("a handler task that is cancelled has its connection closed, as asyncio does", async () => {
    await run(function* main() {
      let handler: Task<unknown> | undefined;
      const server = yield* startServer(
        function* (reader) {
          handler = currentTask()!;
          yield* reader.readline(); // waits: the client sends nothing
        },
        HOST,
        0,
      );
      const [reader, writer] = yield* openConnection(HOST, server.address().port);
      while (handler === undefined) yield* sleep(1);
      handler.cancel();
      assert.equal((yield* reader.read()).length, 0); // EOF
      writer.close();
      yield* writer.waitClosed();
      server.close();
      yield* server.waitClosed();
    });
  });
});

describe("errors", () => {
  test("a refused connection raises the runtime's error with code ECONNREFUSED", async () => {
    const port = await freePort();
    await run(function* main() {
      const error = yield* caught(() => openConnection(HOST, port));
      assert.ok(error instanceof Error, String(error));
      assert.equal((error as { code?: unknown }).code, "ECONNREFUSED", String(error));
    });
  });

  test("listening on a port in use raises the runtime's error with code EADDRINUSE", async () => {
    const plain = await plainServer(() => {});
    try {
      await run(function* main() {
        const error = yield* caught(() => startServer(() => {}, HOST, plain.port));
        assert.equal((error as { code?: unknown }).code, "EADDRINUSE", String(error));
      });
    } finally {
      await plain.close();
    }
  });

  test("readexactly() on a connection that ends early raises IncompleteReadError with the partial bytes", async () => {
    const plain = await plainServer((socket) => socket.end("only 12 byte"));
    try {
      await run(function* main() {
        const [reader, writer] = yield* openConnection(HOST, plain.port);
        const error = yield* caught(() => reader.readexactly(100));
        assertError(error, IncompleteReadError, "12 bytes read on a total of 100 expected bytes");
        assert.equal(text((error as IncompleteReadError).partial), "only 12 byte");
        writer.close();
        yield* writer.waitClosed();
      });
    } finally {
      await plain.close();
    }
  });

  test("over the reader's limit, readline() raises RangeError and readuntil() LimitOverrunError", async () => {
    const plain = await plainServer((socket) => socket.end(`${"x".repeat(100)}\n${"y".repeat(100)};`));
    try {
      await run(function* main() {
        const [reader, writer] = yield* openConnection(HOST, plain.port, { limit: 50 });
        assertError(
          yield* caught(() => reader.readline()),
          RangeError,
          "Separator is found, but chunk is longer than limit",
        );
        const overrun = yield* caught(() => reader.readuntil(";"));
        assertError(overrun, LimitOverrunError);
        // The bytes stay buffered: reading them whole still works.
        assert.equal(text(yield* reader.read()), `${"y".repeat(100)};`);
        writer.close();
        yield* writer.waitClosed();
      });
    } finally {
      await plain.close();
    }
  });

  test("a reset by the peer fails the reader, drain() and waitClosed() with ConnectionResetError (code ECONNRESET)", async () => {
    const plain = await plainServer((socket) => socket.once("data", () => socket.resetAndDestroy()));
    try {
      await run(function* main() {
        const [reader, writer] = yield* openConnection(HOST, plain.port);
        writer.write("provoke\n");
        const error = yield* caught(() => reader.read(10));
        assertError(error, ConnectionResetError, "Connection reset by peer");
        assert.equal((error as { code?: unknown }).code, "ECONNRESET");
        assert.equal(yield* caught(() => writer.drain()), error);
        assert.equal(yield* caught(() => writer.waitClosed()), error);
        assert.equal(writer.isClosing(), true);
      });
    } finally {
      await plain.close();
    }
  });
});

describe("TLS", () => {
  /** A CA and a certificate it signed for localhost and 127.0.0.1, made with openssl in a temporary directory. */
  function makeCertificates(): { dir: string; ca: string; key: Buffer; cert: Buffer } {
    const dir = mkdtempSync(join(tmpdir(), "spindle-tls-"));
    const openssl = (...args: string[]) => {
      const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      if (result.error !== undefined || result.status !== 0) {
        throw new Error(`openssl ${args[0]} failed (the TLS tests need openssl): ${result.error ?? result.stderr}`);
      }
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=spindle test CA");
    openssl("req", ...ec, "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost");
    writeFileSync(
      join(dir, "leaf.ext"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "cert.pem",
      "-days",
      "2",
      "-extfile",
      "leaf.ext",
    );
    return {
      dir,
      ca: join(dir, "ca.pem"),
      key: readFileSync(join(dir, "key.pem")),
      cert: readFileSync(join(dir, "cert.pem")),
    };
  }

  /** A node:tls server answering each line with "echo: <line>". */
  async function tlsServer(key: Buffer, cert: Buffer): Promise<{ port: number; close(): Promise<void> }> {
    const sockets: tls.TLSSocket[] = [];
    const server = tls.createServer({ key, cert }, (socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
      socket.setEncoding("utf8");
      socket.on("data", (line: string) => socket.write(`echo: ${line}`));
      socket.on("end", () => socket.end());
    });
    server.on("tlsClientError", () => {}); // the untrusted-certificate test makes clients give up
    server.listen(0, HOST);
    await once(server, "listening");
    return {
      port: (server.address() as net.AddressInfo).port,
      async close() {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  test("openConnection(..., { tls: true }) speaks TLS to a server whose CA the runtime trusts", async () => {
    const certs = makeCertificates();
    const server = await tlsServer(certs.key, certs.cert);
    try {
      const { cmd, args } = await fixtureCommand("tests/fixtures/net_tls_client.ts", [String(server.port)]);
      // The runtime's trust store gets the test's CA: Node and Bun read NODE_EXTRA_CA_CERTS, Deno DENO_CERT.
      const child = spawn(cmd, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1", NODE_EXTRA_CA_CERTS: certs.ca, DENO_CERT: certs.ca },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const [code] = await once(child, "close");
      const detail = JSON.stringify({ stdout, stderr, code });
      assert.deepEqual(
        stdout.split("\n").filter((line) => line !== ""),
        ["answer echo: hello over tls", "peer port true", "run() returned"],
        detail,
      );
      assert.equal(code, 0, detail);
    } finally {
      await server.close();
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });

  test("a TLS server whose certificate the runtime does not trust fails openConnection() and leaves nothing open", async () => {
    const certs = makeCertificates();
    const server = await tlsServer(certs.key, certs.cert);
    try {
      await run(function* main() {
        const error = yield* caught(() => openConnection("localhost", server.port, { tls: true }));
        assert.ok(error instanceof Error, String(error));
        assert.ok(!(error instanceof CancelledError), String(error));
      });
    } finally {
      await server.close();
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});
