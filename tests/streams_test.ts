/**
 * StreamReader fed by hand (feedData/feedEof, as asyncio's own
 * test_streams.py does), StreamWriter over a scripted transport, and the
 * argument checks of openConnection()/startServer(). Nothing here opens a
 * socket, so it runs on every runtime, browsers and workerd included;
 * net_test.ts drives the same classes over real sockets.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  ConnectionResetError,
  createTask,
  IncompleteReadError,
  LimitOverrunError,
  openConnection,
  RuntimeError,
  sleep,
  startServer,
  StreamReader,
  StreamWriter,
} from "../host/mod.ts";
import { platform } from "../host/platform/detect.ts";
import type { ByteReceiver, ByteSink, ByteSource, Transport, WriteListener } from "../host/platform/io_types.ts";
import { assertError, caught, runVirtual, thrownBy } from "./_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
const text = (data: Uint8Array) => decoder.decode(data);
const KiB = 1024;

/** A reader already holding `chunks`, and at EOF if `eof`. */
function fed(chunks: string[], eof = false, limit?: number): StreamReader {
  const reader = new StreamReader(limit === undefined ? {} : { limit });
  for (const chunk of chunks) reader.feedData(bytes(chunk));
  if (eof) reader.feedEof();
  return reader;
}

/**
 * A transport whose peer is the test: it logs pause/resume/write/end/close
 * calls, holds written bytes until flush(), and reports through the
 * receiver and listener spindle gave it.
 */
class ScriptedTransport implements Transport {
  readonly log: string[] = [];
  receiver: ByteReceiver | null = null;
  listener: WriteListener | null = null;
  buffered = 0;
  readonly closed: Promise<void>;
  readonly source: ByteSource;
  readonly sink: ByteSink;
  #resolveClosed!: () => void;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.source = {
      start: (receiver) => {
        this.receiver = receiver;
      },
      pause: () => this.log.push("pause"),
      resume: () => this.log.push("resume"),
    };
    this.sink = {
      write: (chunk) => {
        this.buffered += chunk.length;
        this.log.push(`write ${chunk.length}`);
      },
      bufferedAmount: () => this.buffered,
      setListener: (listener) => {
        this.listener = listener;
      },
      end: () => this.log.push("end"),
    };
  }

  /** The system took `n` bytes. */
  flush(n: number): void {
    this.buffered -= n;
    this.listener!.progress();
  }

  /** The connection went away: `error` to both sides (a reset), or a clean EOF. */
  lose(error?: unknown): void {
    if (error === undefined) {
      this.receiver?.eof();
    } else {
      this.receiver?.error(error);
      this.listener?.error(error);
    }
    this.#resolveClosed();
  }

  extraInfo(name: string): unknown {
    return name === "peername" ? ["192.0.2.7", 4242] : undefined;
  }

  close(): void {
    this.log.push("close");
  }

  abort(): void {
    this.log.push("abort");
  }
}

describe("StreamReader.read()", () => {
  test("read(n) returns up to n bytes of what is buffered, without waiting for more", async () => {
    await runVirtual(function* () {
      const reader = fed(["hello ", "world"]);
      assert.equal(text(yield* reader.read(3)), "hel");
      assert.equal(text(yield* reader.read(100)), "lo world");
    });
  });

  test("read(n) on an empty buffer waits for the next chunk, and read(0) returns empty at once", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const reader = new StreamReader();
      assert.equal((yield* reader.read(0)).length, 0);
      const task = createTask(function* () {
        log.push("reading");
        const data = yield* reader.read(10);
        log.push(`read ${text(data)}`);
      }());
      yield* sleep(5);
      log.push("feeding");
      reader.feedData(bytes("abc"));
      yield* task;
    });
    assert.deepEqual(log, ["reading", "feeding", "read abc"]);
  });

  test("read() with no size returns everything up to EOF, across chunks and waits", async () => {
    await runVirtual(function* () {
      const reader = new StreamReader({ limit: 4 });
      const task = createTask(reader.read());
      reader.feedData(bytes("0123456789"));
      yield* sleep(1);
      reader.feedData(bytes("abc"));
      yield* sleep(1);
      assert.equal(task.done(), false);
      reader.feedEof();
      assert.equal(text(yield* task), "0123456789abc");
    });
  });

  test("at EOF read() returns an empty array, and atEof() is true once the buffer is empty", async () => {
    await runVirtual(function* () {
      const reader = fed(["xy"], true);
      assert.equal(reader.atEof(), false);
      assert.equal(text(yield* reader.read(1)), "x");
      assert.equal(text(yield* reader.read(5)), "y");
      assert.equal(reader.atEof(), true);
      assert.equal((yield* reader.read(5)).length, 0);
      assert.equal((yield* reader.read()).length, 0);
    });
  });

  test("read() of a size that is not an integer is a TypeError at the call", () => {
    const reader = new StreamReader();
    assertError(thrownBy(() => reader.read(1.5)), TypeError, "read() needs an integer number of bytes, got 1.5");
    assertError(thrownBy(() => reader.read("3" as unknown as number)), TypeError, /read\(\) needs an integer/);
  });

  test("the bytes returned are the caller's: feeding more or reading on does not change them", async () => {
    await runVirtual(function* () {
      const chunk = bytes("abcdef");
      const reader = new StreamReader();
      reader.feedData(chunk);
      chunk.fill(0); // the reader copied it
      const first = yield* reader.read(3);
      reader.feedData(bytes("ghi"));
      yield* reader.read(6);
      assert.equal(text(first), "abc");
    });
  });
});

describe("StreamReader.readline()", () => {
  test("returns each line with its newline, waiting for the rest of a line split across chunks", async () => {
    await runVirtual(function* () {
      const reader = fed(["one\ntw"]);
      assert.equal(text(yield* reader.readline()), "one\n");
      const task = createTask(reader.readline());
      yield* sleep(1);
      assert.equal(task.done(), false);
      reader.feedData(bytes("o\nthree"));
      assert.equal(text(yield* task), "two\n");
    });
  });

  test("at EOF returns the partial last line, then empty arrays", async () => {
    await runVirtual(function* () {
      const reader = fed(["last line without newline"], true);
      assert.equal(text(yield* reader.readline()), "last line without newline");
      assert.equal((yield* reader.readline()).length, 0);
      assert.equal((yield* reader.readline()).length, 0);
    });
  });

  test("a line longer than the limit is a RangeError, and the line is dropped up to its newline", async () => {
    await runVirtual(function* () {
      const reader = fed(["0123456789\nnext\n"], false, 4);
      const error = yield* caught(() => reader.readline());
      assertError(error, RangeError, "Separator is found, but chunk is longer than limit");
      assert.equal(text(yield* reader.readline()), "next\n");
    });
  });

  test("with no newline within the limit, readline() raises RangeError and clears the buffer", async () => {
    await runVirtual(function* () {
      const reader = fed(["0123456789"], false, 4);
      assertError(
        yield* caught(() => reader.readline()),
        RangeError,
        "Separator is not found, and chunk exceed the limit",
      );
      reader.feedData(bytes("ok\n"));
      assert.equal(text(yield* reader.readline()), "ok\n");
    });
  });
});

describe("StreamReader.readexactly()", () => {
  test("waits until exactly n bytes are there, across chunks, and leaves the rest", async () => {
    await runVirtual(function* () {
      const reader = fed(["ab"]);
      const task = createTask(reader.readexactly(5));
      reader.feedData(bytes("cd"));
      yield* sleep(1);
      assert.equal(task.done(), false);
      reader.feedData(bytes("efg"));
      assert.equal(text(yield* task), "abcde");
      assert.equal(text(yield* reader.read(10)), "fg");
    });
  });

  test("an early EOF is an IncompleteReadError holding the partial bytes and the expected size", async () => {
    await runVirtual(function* () {
      const reader = fed(["abc"], true);
      const error = yield* caught(() => reader.readexactly(10));
      assertError(error, IncompleteReadError, "3 bytes read on a total of 10 expected bytes");
      assert.equal(text((error as IncompleteReadError).partial), "abc");
      assert.equal((error as IncompleteReadError).expected, 10);
      assert.equal(reader.atEof(), true);
    });
  });

  test("readexactly(0) returns empty; a negative size is a RangeError and a fraction a TypeError", async () => {
    await runVirtual(function* () {
      const reader = new StreamReader();
      assert.equal((yield* reader.readexactly(0)).length, 0);
      assertError(
        thrownBy(() => reader.readexactly(-1)),
        RangeError,
        "readexactly() size can not be less than zero, got -1",
      );
      assertError(thrownBy(() => reader.readexactly(0.5)), TypeError, /readexactly\(\) needs an integer/);
    });
  });
});

describe("StreamReader.readuntil()", () => {
  test("reads up to and including a string or byte separator (newline by default)", async () => {
    await runVirtual(function* () {
      const reader = fed(["a\nb--c;d"]);
      assert.equal(text(yield* reader.readuntil()), "a\n");
      assert.equal(text(yield* reader.readuntil("--")), "b--");
      assert.equal(text(yield* reader.readuntil(bytes(";"))), "c;");
    });
  });

  test("finds a multi-byte separator that arrives split across chunks", async () => {
    await runVirtual(function* () {
      const reader = fed(["header\r"]);
      const task = createTask(reader.readuntil("\r\n\r\n"));
      for (const piece of ["\n", "\r", "\nbody"]) {
        yield* sleep(1);
        assert.equal(task.done(), false);
        reader.feedData(bytes(piece));
      }
      assert.equal(text(yield* task), "header\r\n\r\n");
      assert.equal(text(yield* reader.read(100)), "body");
    });
  });

  test("finds a multi-byte UTF-8 separator", async () => {
    await runVirtual(function* () {
      const reader = fed(["prix: 10€ puis 20€"]);
      assert.equal(text(yield* reader.readuntil("€")), "prix: 10€");
      assert.equal(text(yield* reader.readuntil("€")), " puis 20€");
    });
  });

  test("with several separators, the match that ends first wins, whatever the order given", async () => {
    await runVirtual(function* () {
      // "\r\n" ends at 5 and "\n" too: the same end, the longer match is kept whole.
      const reader = fed(["line\r\nnext;rest\n"]);
      assert.equal(text(yield* reader.readuntil(["\n", "\r\n"])), "line\r\n");
      // ";" ends before "\n": it wins although listed last.
      assert.equal(text(yield* reader.readuntil([bytes("\n"), ";"])), "next;");
      assert.equal(text(yield* reader.readuntil(["xyz", "\n"])), "rest\n");
    });
  });

  test("no separator within the limit: LimitOverrunError, and the bytes stay buffered", async () => {
    await runVirtual(function* () {
      const reader = fed(["0123456789"], false, 5);
      const error = yield* caught(() => reader.readuntil("!"));
      assertError(error, LimitOverrunError, "Separator is not found, and chunk exceed the limit");
      assert.equal((error as LimitOverrunError).consumed, 10);
      assert.equal(text(yield* reader.readexactly(10)), "0123456789");
    });
  });

  test("a separator found beyond the limit: LimitOverrunError with consumed at the separator", async () => {
    await runVirtual(function* () {
      const reader = fed(["0123456789!"], false, 5);
      const error = yield* caught(() => reader.readuntil("!"));
      assertError(error, LimitOverrunError, "Separator is found, but chunk is longer than limit");
      assert.equal((error as LimitOverrunError).consumed, 10);
      assert.equal(text(yield* reader.read(100)), "0123456789!");
    });
  });

  test("EOF before the separator: IncompleteReadError with everything buffered and expected null", async () => {
    await runVirtual(function* () {
      const reader = fed(["no end"], true);
      const error = yield* caught(() => reader.readuntil("."));
      assertError(error, IncompleteReadError, "6 bytes read on a total of undefined expected bytes");
      assert.equal(text((error as IncompleteReadError).partial), "no end");
      assert.equal((error as IncompleteReadError).expected, null);
    });
  });

  test("bad separators are refused at the call: empty (RangeError), none (RangeError), not bytes (TypeError)", () => {
    const reader = new StreamReader();
    assertError(
      thrownBy(() => reader.readuntil("")),
      RangeError,
      "readuntil() separators must be at least one byte long",
    );
    assertError(thrownBy(() => reader.readuntil([])), RangeError, "readuntil() needs at least one separator");
    assertError(thrownBy(() => reader.readuntil(["a", 7 as unknown as string])), TypeError, /separators must be/);
    assertError(thrownBy(() => reader.readuntil(7 as unknown as string)), TypeError, /readuntil\(\) needs a separator/);
  });
});

describe("StreamReader errors and waiters", () => {
  test("setException() fails the waiting read, every later read, and is what exception() returns", async () => {
    await runVirtual(function* () {
      const reader = fed(["buffered"]);
      const boom = new Error("connection reset");
      const task = createTask(reader.readexactly(100));
      yield* sleep(1);
      reader.setException(boom);
      assert.equal(yield* caught(() => task), boom);
      assert.equal(reader.exception(), boom);
      assert.equal(yield* caught(() => reader.read(1)), boom);
      assert.equal(yield* caught(() => reader.readline()), boom);
    });
  });

  test("a second task waiting for data while one already waits gets a RuntimeError; the first still reads", async () => {
    await runVirtual(function* () {
      const reader = new StreamReader();
      const first = createTask(reader.read(10));
      yield* sleep(1);
      const error = yield* caught(() => reader.readline());
      assertError(
        error,
        RuntimeError,
        // readline() waits inside readuntil(), which the message names, as asyncio's does.
        "readuntil() called while another task is already waiting for incoming data: read from one task at a time",
      );
      reader.feedData(bytes("data"));
      assert.equal(text(yield* first), "data");
    });
  });

  test("a task cancelled while waiting in read() leaves at once, and another task can then read", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const reader = new StreamReader();
      const task = createTask(reader.read(10));
      yield* sleep(1);
      task.cancel();
      assert.ok((yield* caught(() => task)) instanceof CancelledError);
      log.push("cancelled");
      const next = createTask(reader.readline());
      yield* sleep(1);
      reader.feedData(bytes("after\n"));
      log.push(`read ${text(yield* next)}`);
    });
    assert.deepEqual(log, ["cancelled", "read after\n"]);
  });

  test("feedData() after feedEof() is a RuntimeError, and anything but a Uint8Array is a TypeError", () => {
    const reader = new StreamReader();
    assertError(
      thrownBy(() => reader.feedData("text" as unknown as Uint8Array)),
      TypeError,
      /feedData\(\) needs a Uint8Array/,
    );
    reader.feedEof();
    assertError(
      thrownBy(() => reader.feedData(bytes("late"))),
      RuntimeError,
      "feedData() was called after feedEof(): the stream has ended",
    );
  });

  test("the limit must be a positive integer (RangeError), and is 64 KiB by default", () => {
    assert.equal(new StreamReader().limit, 64 * KiB);
    assert.equal(new StreamReader({ limit: 10 }).limit, 10);
    assertError(thrownBy(() => new StreamReader({ limit: 0 })), RangeError, /limit must be a positive integer/);
    assertError(thrownBy(() => new StreamReader({ limit: 2.5 })), RangeError, /limit must be a positive integer/);
  });
});

describe("StreamReader flow control", () => {
  test("holding more than twice the limit pauses the transport; reading down to the limit resumes it", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const reader = new StreamReader({ limit: 10 });
      reader._attach(transport);
      const receiver = transport.receiver!;
      receiver.data(new Uint8Array(15));
      receiver.data(new Uint8Array(6)); // 21 > 2 × 10
      assert.deepEqual(transport.log, ["pause"]);
      receiver.data(new Uint8Array(4)); // still delivered while paused: 25 held
      yield* reader.readexactly(10); // 15 left: above the limit, stays paused
      assert.deepEqual(transport.log, ["pause"]);
      yield* reader.readexactly(5); // 10 left: at the limit
      assert.deepEqual(transport.log, ["pause", "resume"]);
    });
  });

  test("a read that has to wait resumes a paused transport first", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const reader = new StreamReader({ limit: 4 });
      reader._attach(transport);
      transport.receiver!.data(bytes("0123456789"));
      assert.deepEqual(transport.log, ["pause"]);
      // No separator in 10 bytes: readuntil() must wait for more, so reading resumes.
      const task = createTask(reader.readuntil("0123456789!"));
      yield* sleep(1);
      assert.deepEqual(transport.log, ["pause", "resume"]);
      transport.receiver!.data(bytes("!"));
      assert.equal(text(yield* task), "0123456789!");
    });
  });

  test("the transport's eof() and error() reach the reader", async () => {
    await runVirtual(function* () {
      const clean = new ScriptedTransport();
      const reader = new StreamReader();
      reader._attach(clean);
      clean.receiver!.data(bytes("tail"));
      clean.lose();
      assert.equal(text(yield* reader.read()), "tail");
      assert.equal(reader.atEof(), true);

      const failing = new ScriptedTransport();
      const broken = new StreamReader();
      broken._attach(failing);
      const reset = new ConnectionResetError("Connection reset by peer");
      failing.lose(reset);
      assert.equal(yield* caught(() => broken.read(1)), reset);
    });
  });
});

describe("StreamWriter", () => {
  test("drain() returns at once below the high-water mark (64 KiB)", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const writer = new StreamWriter(transport);
      writer.write(new Uint8Array(64 * KiB));
      const drain = createTask(writer.drain());
      yield* sleep(0);
      assert.equal(drain.done(), true);
      assert.deepEqual(transport.log, [`write ${64 * KiB}`]);
    });
  });

  test("above the high-water mark drain() waits until the transport is down to 16 KiB", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const writer = new StreamWriter(transport);
      writer.write(new Uint8Array(64 * KiB));
      writer.write("x"); // 64 KiB + 1
      const drain = createTask(function* () {
        yield* writer.drain();
        log.push(`drained at ${transport.buffered}`);
      }());
      yield* sleep(1);
      transport.flush(32 * KiB);
      yield* sleep(1);
      log.push(`waiting at ${transport.buffered}`);
      transport.flush(16 * KiB + 1);
      yield* drain;
    });
    assert.deepEqual(log, [`waiting at ${32 * KiB + 1}`, `drained at ${16 * KiB}`]);
  });

  test("write() copies a Uint8Array and encodes strings as UTF-8; anything else is a TypeError", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const written: Uint8Array[] = [];
      const sink = transport.sink;
      sink.write = (chunk) => written.push(chunk);
      const writer = new StreamWriter(transport);
      const data = bytes("abc");
      writer.write(data);
      data.fill(0);
      writer.writelines(["é", bytes("!")]);
      assert.deepEqual(written.map(text), ["abc", "é", "!"]);
      assertError(
        thrownBy(() => writer.write(42 as unknown as string)),
        TypeError,
        /write\(\) needs a Uint8Array or a string/,
      );
      yield* sleep(0);
    });
  });

  test("writeEof() ends the sink once; a write() after it is a RuntimeError", () => {
    const transport = new ScriptedTransport();
    const writer = new StreamWriter(transport);
    assert.equal(writer.canWriteEof(), true);
    writer.writeEof();
    writer.writeEof();
    assert.deepEqual(transport.log, ["end"]);
    assertError(
      thrownBy(() => writer.write("late")),
      RuntimeError,
      "write() was called after writeEof(): the write side is shut",
    );
  });

  test("a lost connection fails waiting drains with its error; later drains raise ConnectionResetError", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const writer = new StreamWriter(transport);
      writer.write(new Uint8Array(100 * KiB));
      const drain = createTask(writer.drain());
      yield* sleep(1);
      const reset = new Error("reset by the scripted peer");
      transport.lose(reset);
      assert.equal(yield* caught(() => drain), reset);
      assert.equal(writer.isClosing(), true);
      assertError(yield* caught(() => writer.drain()), ConnectionResetError, "Connection lost");
      // asyncio's wait_closed() raises what the connection failed with.
      assert.equal(yield* caught(() => writer.waitClosed()), reset);
    });
  });

  test("drain() raises the reader's exception first, as asyncio does", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const reader = new StreamReader();
      const writer = new StreamWriter(transport, reader);
      const failure = new Error("read side failed");
      reader.setException(failure);
      assert.equal(yield* caught(() => writer.drain()), failure);
    });
  });

  test("close() closes the transport; waitClosed() returns once it is closed; getExtraInfo() asks the transport", async () => {
    const log: string[] = [];
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const writer = new StreamWriter(transport);
      assert.deepEqual(writer.getExtraInfo("peername"), ["192.0.2.7", 4242]);
      assert.equal(writer.getExtraInfo("cipher", "none"), "none");
      assert.equal(writer.isClosing(), false);
      writer.close();
      assert.equal(writer.isClosing(), true);
      const waiting = createTask(function* () {
        yield* writer.waitClosed();
        log.push("waitClosed returned");
      }());
      yield* sleep(1);
      log.push("transport closes");
      transport.lose();
      yield* waiting;
    });
    assert.deepEqual(log, ["transport closes", "waitClosed returned"]);
  });

  test("a task cancelled in drain() leaves at once; the writer stays usable", async () => {
    await runVirtual(function* () {
      const transport = new ScriptedTransport();
      const writer = new StreamWriter(transport);
      writer.write(new Uint8Array(100 * KiB));
      const drain = createTask(writer.drain());
      yield* sleep(1);
      drain.cancel();
      assert.ok((yield* caught(() => drain)) instanceof CancelledError);
      const again = createTask(writer.drain());
      yield* sleep(1);
      assert.equal(again.done(), false);
      transport.flush(100 * KiB);
      yield* again;
    });
  });
});

describe("openConnection() and startServer() arguments", () => {
  test("a host that is not a non-empty string is a TypeError, a bad port a RangeError, at the call", () => {
    assertError(
      thrownBy(() => openConnection("", 80)),
      TypeError,
      'openConnection() needs a host name or address string, got ""',
    );
    assertError(thrownBy(() => openConnection(7 as unknown as string, 80)), TypeError, /needs a host name/);
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      assertError(thrownBy(() => openConnection("127.0.0.1", port)), RangeError, /needs a port number from 0 to 65535/);
    }
    assertError(thrownBy(() => startServer(() => {}, "127.0.0.1", 70000)), RangeError, /startServer\(\) needs a port/);
  });

  test("bad options and handlers are refused at the call", () => {
    assertError(
      thrownBy(() => openConnection("localhost", 1, { tls: "yes" as unknown as boolean })),
      TypeError,
      'openConnection() option tls must be a boolean, got "yes"',
    );
    assertError(thrownBy(() => openConnection("localhost", 1, { limit: 0 })), RangeError, /limit must be a positive/);
    assertError(
      thrownBy(() => startServer("nope" as never, "127.0.0.1", 0)),
      TypeError,
      /startServer\(\) needs a function/,
    );
  });

  test("where the platform has no TCP, both are RuntimeErrors naming the platform and what is missing", () => {
    const mutable = platform as { net: unknown };
    const saved = mutable.net;
    mutable.net = undefined;
    try {
      assertError(
        thrownBy(() => openConnection("127.0.0.1", 80)),
        RuntimeError,
        `openConnection() needs TCP sockets, which ${platform.name} does not provide`,
      );
      assertError(
        thrownBy(() => startServer(() => {}, "127.0.0.1", 0)),
        RuntimeError,
        `startServer() needs TCP sockets, which ${platform.name} does not provide`,
      );
    } finally {
      mutable.net = saved;
    }
  });
});
