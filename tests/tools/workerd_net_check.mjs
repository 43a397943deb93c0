// Checks spindle's workerd TCP adapter (host/platform/net_workerd.ts) end to end (npm run test:workerd runs it after the suite):
// `node tests/tools/workerd_net_check.mjs`.
//
// A plain node:net server in this process (127.0.0.1, a free port) answers each line with its upper
// case and sends its own EOF once the client's came. A worker, bundled with esbuild (spindle/workerd,
// whose platform must carry the workerd TCP adapter), runs openConnection()
// against it from a fetch handler: a line and its answer, writeEof() then the server's last words,
// getExtraInfo("peername"), close()/waitClosed(); then startServer(), which must fail with a
// RuntimeError naming workerd, and a refused connection. workerd reaches loopback only through a
// network service that allows "local" addresses, set as the worker's globalOutbound.
// Prints what the worker saw and exits non-zero if anything differs from what is expected.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(".");
const WORKERD = join(ROOT, "node_modules", ".bin", "workerd");
const DATE = "2026-11-17";
/** Only a bound, so a hung worker cannot hang the check. */
const LIMIT_MS = 30_000;

const WORKER = `
import { openConnection, run, startServer, RuntimeError } from ${JSON.stringify(join(ROOT, "host", "workerd.ts"))};
import { platform } from ${JSON.stringify(join(ROOT, "host", "platform", "detect.ts"))};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const port = Number(url.searchParams.get("port"));
    const refusedPort = Number(url.searchParams.get("refused"));
    const wired = platform.net !== undefined && platform.name === "workerd";
    const seen = await run(function* () {
      const seen = { wired };
      const decoder = new TextDecoder();
      const [reader, writer] = yield* openConnection("127.0.0.1", port);
      writer.write("hello from workerd\\n");
      yield* writer.drain();
      seen.answer = decoder.decode(yield* reader.readline());
      seen.peername = writer.getExtraInfo("peername");
      writer.writeEof();
      seen.rest = decoder.decode(yield* reader.read());
      seen.atEof = reader.atEof();
      writer.close();
      yield* writer.waitClosed();
      try {
        yield* startServer(() => {}, "127.0.0.1", 0);
        seen.listen = "listened?!";
      } catch (error) {
        seen.listen = (error instanceof RuntimeError ? "RuntimeError: " : "other: ") + error.message;
      }
      try {
        yield* openConnection("127.0.0.1", refusedPort);
        seen.refused = "connected?!";
      } catch (error) {
        seen.refused = String(error?.message ?? error);
      }
      return seen;
    });
    return Response.json(seen);
  },
};
`;

function listen(server) {
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server.address().port)));
}

const echo = createServer({ allowHalfOpen: true }, (socket) => {
  let pending = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      socket.write(pending.slice(0, nl + 1).toUpperCase());
      pending = pending.slice(nl + 1);
    }
  });
  socket.on("end", () => socket.end("bye after your EOF"));
  socket.on("error", () => {});
});
const port = await listen(echo);
const closed = createServer();
const refusedPort = await listen(closed);
await new Promise((done) => closed.close(done));

const dir = mkdtempSync(join(tmpdir(), "spindle-workerd-net-"));
let child;
let failed = false;
try {
  writeFileSync(join(dir, "entry.js"), WORKER);
  await build({
    entryPoints: [join(dir, "entry.js")],
    outfile: join(dir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker"],
    target: "es2022",
    logLevel: "warning",
    plugins: [{
      name: "core-wasm",
      setup(b) {
        b.onResolve({ filter: /core\.wasm$/ }, () => ({ path: "./core.wasm", external: true }));
      },
    }],
  });
  copyFileSync(join(ROOT, "build", "core.wasm"), join(dir, "core.wasm"));
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = (
      modules = [
        (name = "worker.js", esModule = embed "worker.js"),
        (name = "core.wasm", wasm = embed "core.wasm"),
      ],
      compatibilityDate = "${DATE}",
      globalOutbound = "loopback",
    )),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
`,
  );
  child = spawn(WORKERD, ["serve", join(dir, "config.capnp"), "--control-fd=3", "--verbose"], {
    stdio: ["ignore", "inherit", "inherit", "pipe"],
  });
  const workerPort = await new Promise((done, fail) => {
    let pending = "";
    child.stdio[3].on("data", (chunk) => {
      pending += chunk;
      const nl = pending.indexOf("\n");
      if (nl >= 0) {
        const message = JSON.parse(pending.slice(0, nl));
        if (message.event === "listen") done(message.port);
      }
    });
    child.on("exit", (code) => fail(new Error(`workerd exited (${code}) before it listened`)));
  });
  const seen = await new Promise((done, fail) => {
    const req = request(
      { host: "127.0.0.1", port: workerPort, path: `/?port=${port}&refused=${refusedPort}` },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => {
          try {
            done(JSON.parse(body));
          } catch {
            fail(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 2000)}`));
          }
        });
      },
    );
    req.setTimeout(LIMIT_MS, () => req.destroy(new Error(`no answer within ${LIMIT_MS} ms`)));
    req.on("error", fail);
    req.end();
  });
  console.log(JSON.stringify(seen, null, 2));
  const expected = {
    wired: true,
    answer: "HELLO FROM WORKERD\n",
    peername: ["127.0.0.1", port],
    rest: "bye after your EOF",
    atEof: true,
  };
  for (const [key, value] of Object.entries(expected)) {
    if (JSON.stringify(seen[key]) !== JSON.stringify(value)) {
      console.log(`MISMATCH ${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(seen[key])}`);
      failed = true;
    }
  }
  if (!/^RuntimeError: .*workerd/.test(seen.listen)) {
    console.log(`MISMATCH listen: expected a RuntimeError naming workerd, got ${seen.listen}`);
    failed = true;
  }
  if (seen.refused === "connected?!") {
    console.log("MISMATCH refused: a connection to a closed port succeeded");
    failed = true;
  }
} catch (error) {
  console.log(`workerd net check failed: ${error?.stack ?? error}`);
  failed = true;
} finally {
  child?.kill();
  echo.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? "workerd net check: FAILED" : "workerd net check: ok");
process.exit(failed ? 1 : 0);
