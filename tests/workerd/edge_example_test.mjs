// The edge example (examples/edge/) end to end: a local origin (node:http on
// 127.0.0.1, port 0), workerd serving the example's bundle, real requests.
// Run by tests/tools/workerd.mjs (`node --test` on this file), not by the
// Node/Deno/Bun suites: it needs workerd and a built core.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdgeExample } from "../../examples/edge/build.mjs";

const WORKERD = join("node_modules", ".bin", "workerd");
/** Only a bound, so a broken worker fails the test instead of hanging it. */
const START_LIMIT_MS = 30_000;

const bundleDir = mkdtempSync(join(tmpdir(), "spindle-edge-"));
await buildEdgeExample(bundleDir);
after(() => rmSync(bundleDir, { recursive: true, force: true }));

/**
 * The origin: `/meet-*` parts answer only once every `/meet-*` part of the
 * same request has arrived (so only concurrent fetches get answers),
 * `/slow` never answers, `/gate` answers once a `/slow` request was
 * aborted (so only a worker that aborts the fetch it gave up on gets it),
 * `/missing` is a 404, anything else echoes its name.
 */
function startOrigin() {
  const meeting = [];
  const gates = [];
  let abortedSlow = 0;
  const answer = (res, body) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
  };
  const openGates = () => {
    for (const res of gates.splice(0)) answer(res, { part: "gate", opened: `after ${abortedSlow} aborted` });
  };
  const server = createServer((req, res) => {
    const part = decodeURIComponent(req.url.slice(1));
    if (part.startsWith("meet-")) {
      meeting.push({ part, res });
      if (meeting.length === 2) {
        const [a, b] = meeting.splice(0);
        answer(a.res, { part: a.part, met: b.part });
        answer(b.res, { part: b.part, met: a.part });
      }
    } else if (part === "slow") {
      // The client hanging up before we answered is the abort reaching the origin.
      res.on("close", () => {
        abortedSlow++;
        openGates();
      });
    } else if (part === "gate") {
      gates.push(res);
      if (abortedSlow > 0) openGates();
    } else if (part === "missing") {
      res.statusCode = 404;
      res.end("no such part");
    } else {
      answer(res, { part });
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        /** How many /slow requests the client aborted. */
        abortedSlow: () => abortedSlow,
        close() {
          server.closeAllConnections();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** Starts workerd on the example's config (with `date`) and resolves with its base URL once it listens. */
function startWorkerd(date, originUrl) {
  const dir = mkdtempSync(join(bundleDir, `${date}-`));
  for (const file of ["worker.js", "core.wasm"]) writeFileSync(join(dir, file), readFileSync(join(bundleDir, file)));
  const config = readFileSync(join(bundleDir, "config.capnp"), "utf8");
  const dated = config.replace(/compatibilityDate = "[0-9-]+"/, `compatibilityDate = "${date}"`);
  assert.match(dated, new RegExp(`compatibilityDate = "${date}"`));
  writeFileSync(join(dir, "config.capnp"), dated);
  // --verbose: workerd logs exceptions nothing caught, which it otherwise drops without a word.
  const child = spawn(WORKERD, [
    "serve",
    join(dir, "config.capnp"),
    "-s",
    "http=127.0.0.1:0",
    "--control-fd=3",
    "--verbose",
  ], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: { ...process.env, UPSTREAM_URL: originUrl },
  });
  const output = { text: "" };
  child.stdout.on("data", (chunk) => output.text += chunk);
  child.stderr.on("data", (chunk) => output.text += chunk);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => reject(new Error(`workerd did not listen: ${output.text}`)), START_LIMIT_MS);
    child.on("exit", (code) => reject(new Error(`workerd exited (${code}): ${output.text}`)));
    child.stdio[3].on("data", (chunk) => {
      const message = JSON.parse(String(chunk).split("\n")[0]);
      if (message.event !== "listen") return;
      clearTimeout(limit);
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        output,
        stop() {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
  });
}

/** GET `path` on the worker; returns the status, the parsed JSON body and the time it took. */
async function get(worker, path) {
  const started = performance.now();
  const response = await fetch(worker.url + path);
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`GET ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body, ms: performance.now() - started };
}

for (const date of ["2026-11-17", "2024-09-23"]) {
  describe(`edge example on workerd (compatibility date ${date})`, () => {
    let origin;
    let worker;
    before(async () => {
      origin = await startOrigin();
      worker = await startWorkerd(date, origin.url);
    });
    after(async () => {
      await worker?.stop();
      await origin?.close();
    });

    test("fetches every part at once (gather) and answers 200 with each part's JSON", async () => {
      // Each meet-* part is answered only once the other has arrived: fetched one after the other,
      // the first would wait out its deadline and the answer would be a 504.
      const { status, body } = await get(worker, "/?parts=meet-a,meet-b&deadline=5000");
      assert.equal(status, 200);
      assert.deepEqual(body, {
        parts: { "meet-a": { part: "meet-a", met: "meet-b" }, "meet-b": { part: "meet-b", met: "meet-a" } },
      });
    });

    test("a part slower than its deadline is cancelled and its fetch aborted at once, while the others go on: 504", async () => {
      assert.equal(origin.abortedSlow(), 0);
      // gate is answered only once the origin saw slow's request aborted: had the worker left that
      // fetch open after giving up on it, gate would wait out its own 5 s deadline too.
      const { status, body, ms } = await get(worker, "/?parts=user,slow:200,gate&deadline=5000");
      assert.equal(status, 504);
      assert.deepEqual(body, {
        parts: {
          user: { part: "user" },
          slow: { error: "timed out after 200 ms" },
          gate: { part: "gate", opened: "after 1 aborted" },
        },
      });
      assert.ok(ms >= 200 && ms < 5000, `answered after ${ms} ms`);
      assert.equal(origin.abortedSlow(), 1);
    });

    test("a part the origin fails is reported and the others still arrive: 502", async () => {
      const { status, body } = await get(worker, "/?parts=missing,user");
      assert.equal(status, 502);
      assert.deepEqual(body, {
        parts: { missing: { error: 'the origin answered 404 for "missing"' }, user: { part: "user" } },
      });
    });

    test("a bad query is a 400 that says what to send", async () => {
      const cases = [
        ["/?parts=", "Name the parts to fetch: ?parts=user,orders"],
        ["/?parts=user&deadline=soon", 'Deadline must be a number of milliseconds from 1 to 60000, got "soon"'],
        ["/?parts=user,orders:0", 'Each part is a name, or name:ms with ms from 1 to 60000, got "orders:0"'],
        ["/?parts=:100", 'Each part is a name, or name:ms with ms from 1 to 60000, got ":100"'],
      ];
      for (const [path, error] of cases) {
        const { status, body } = await get(worker, path);
        assert.equal(status, 400, path);
        assert.deepEqual(body, { error }, path);
      }
    });

    test("concurrent requests each run their own loop and get their own parts", async () => {
      const n = 20;
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) => get(worker, `/?parts=a${i},b${i}`)),
      );
      answers.forEach(({ status, body }, i) => {
        assert.equal(status, 200);
        assert.deepEqual(body, { parts: { [`a${i}`]: { part: `a${i}` }, [`b${i}`]: { part: `b${i}` } } });
      });
    });

    test("workerd logged no uncaught error", () => {
      const uncaught = worker.output.text.split("\n").filter((line) => /Uncaught|spindle: an error escaped/.test(line));
      assert.deepEqual(uncaught, []);
    });
  });
}
