/**
 * The asyncio tutorial's TCP echo server and client ("Streams"), in one
 * program: the server listens on a free port, the client sends
 * "Hello World!" and prints the echo, then the server closes.
 * `node tests/tools/run_ts.mjs examples/echo.ts`, `deno run -A examples/echo.ts`,
 * `bun examples/echo.ts`.
 *
 * @module
 */

import { openConnection, run, startServer, type StreamReader, type StreamWriter } from "../host/mod.ts";

const decoder = new TextDecoder();

function* handleEcho(reader: StreamReader, writer: StreamWriter) {
  const data = yield* reader.read(100);
  const message = decoder.decode(data);
  const addr = writer.getExtraInfo("peername") as [string, number];
  console.log(`Received ${JSON.stringify(message)} from ${addr.join(":")}`);

  console.log(`Send: ${JSON.stringify(message)}`);
  writer.write(data);
  yield* writer.drain();

  console.log("Close the connection");
  writer.close();
  yield* writer.waitClosed();
}

function* tcpEchoClient(message: string, port: number) {
  const [reader, writer] = yield* openConnection("127.0.0.1", port);

  console.log(`Send: ${JSON.stringify(message)}`);
  writer.write(message);
  yield* writer.drain();

  const data = yield* reader.read(100);
  console.log(`Received: ${JSON.stringify(decoder.decode(data))}`);

  console.log("Close the connection");
  writer.close();
  yield* writer.waitClosed();
}

await run(function* main() {
  const server = yield* startServer(handleEcho, "127.0.0.1", 0);
  const { hostname, port } = server.address();
  console.log(`Serving on ${hostname}:${port}`);

  yield* tcpEchoClient("Hello World!", port);

  server.close();
  yield* server.waitClosed();
});
