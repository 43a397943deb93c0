// Runs the whole test suite inside workerd (Cloudflare Workers' runtime), then
// the edge example end to end: `node tests/tools/workerd.mjs [filter] [--date YYYY-MM-DD]`.
//
// Each tests/*_test.ts (and tests/workerd/*_test.ts, what only workerd runs)
// becomes one worker: esbuild bundles spindle/workerd (host/workerd.ts, which
// imports the core as a WebAssembly module), the test file and
// tests/workerd/harness.ts, with node:test and node:assert/strict
// aliased to the runtime-neutral shims in tests/shims/. Any other node:*
// import fails the build: that is the proof spindle pulls no platform module
// into a workerd bundle. Files with a `// @needs os` line (processes,
// signals, sockets) are skipped, by name.
//
// One workerd process per compatibility date serves every worker on
// 127.0.0.1 (ports it picks, reported on --control-fd); a request to a
// worker runs its file's tests and answers with the results as JSON. Two
// dates: 2026-11-17, where workerd looks like Node (process, setImmediate,
// node:* modules: nodejs_compat is on by default), and 2024-09-23, which has
// none of that (not even MessageChannel). Each prints its own pass/fail
// count and every failure; the run exits non-zero on any failure.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(".");
const WORKERD = join(ROOT, "node_modules", ".bin", "workerd");
const CORE_WASM = join(ROOT, "build", "core.wasm");
/** The per-test limit inside a worker, as in the other runtimes' runs. */
const TEST_TIMEOUT_MS = 60_000;
/** One file's request: only a bound, so a hung worker cannot hang the run. */
const FILE_TIMEOUT_MS = 300_000;
/** Files run at once per workerd: most tests wait on virtual time, so a few overlap well. */
const CONCURRENCY = 4;
/**
 * Compatibility dates to run under: a recent one, where workerd imitates Node
 * (nodejs_compat is the default from 2026-08-04 on, and workerd refuses the
 * flag as redundant), and one from before any of that.
 */
const DATES = [
  { date: "2026-11-17", flags: [] },
  { date: "2024-09-23", flags: [] },
];

const argv = process.argv.slice(2);
const dateAt = argv.indexOf("--date");
const onlyDate = dateAt >= 0 ? argv.splice(dateAt, 2)[1] : undefined;
const [filter = ""] = argv;
const dates = DATES.filter((d) => onlyDate === undefined || d.date === onlyDate);
if (dates.length === 0) {
  console.error(`unknown --date ${onlyDate}: use ${DATES.map((d) => d.date).join(" or ")}`);
  process.exit(2);
}
if (!existsSync(CORE_WASM)) {
  console.error(`${CORE_WASM} is missing: run \`npm run build\` first`);
  process.exit(2);
}

// The shared suite, then what only workerd runs (tests/workerd/*_test.ts), as paths under tests/.
const testFiles = (dir) =>
  readdirSync(join("tests", dir)).filter((f) => f.endsWith("_test.ts")).map((f) => join(dir, f));
const all = [...testFiles(""), ...testFiles("workerd")].filter((f) => f.includes(filter)).sort();
/** Why each `// @needs os: reason` file cannot run in a worker. */
const needsOs = new Map();
for (const f of all) {
  const marker = /^\/\/ @needs os\b:?[ \t]*(.*)$/m.exec(readFileSync(join("tests", f), "utf8"));
  if (marker !== null) needsOs.set(f, marker[1] || "processes, signals or sockets");
}
const files = all.filter((f) => !needsOs.has(f));
const EDGE_EXAMPLE_TEST = "workerd/edge_example_test.mjs";
const runExample = EDGE_EXAMPLE_TEST.includes(filter);
if (files.length === 0 && !runExample) {
  console.error(`no test files match "${filter}"`);
  process.exit(1);
}
for (const [f, reason] of needsOs) console.log(`workerd: skipping ${f} (needs os: ${reason})`);

const work = mkdtempSync(join(tmpdir(), "spindle-workerd-"));
let failed = false;
try {
  if (files.length > 0) {
    const built = await bundleTests(files, work);
    if (built) copyFileSync(CORE_WASM, join(work, "core.wasm"));
    for (const { date, flags } of built ? dates : []) {
      if (!(await runDate(files, date, flags, work))) failed = true;
    }
    if (!built) failed = true;
  }
  if (runExample && !(await runEdgeExample())) failed = true;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/** Worker and socket name for a test file (a path under tests/): its path without `_test.ts`, as an identifier. */
function workerName(file) {
  return "t_" + file.replace(/_test\.ts$/, "").replace(/[^A-Za-z0-9_]/g, "_");
}

/** Bundles one worker per test file into `outdir`/<worker>.js; false (after saying why) if the build failed. */
async function bundleTests(files, outdir) {
  const entries = Object.fromEntries(files.map((f) => [workerName(f), `workerd-entry:${f}`]));
  const alias = {
    "node:test": join(ROOT, "tests", "shims", "node_test.ts"),
    "node:assert/strict": join(ROOT, "tests", "shims", "node_assert.ts"),
  };
  const workerdEntry = {
    name: "workerd-entry",
    setup(b) {
      b.onResolve({ filter: /^workerd-entry:/ }, (args) => ({ path: args.path.slice(14), namespace: "workerd-entry" }));
      // spindle/workerd first (it sets the core module), then the file's tests, then the harness's handler.
      b.onLoad({ filter: /.*/, namespace: "workerd-entry" }, (args) => ({
        contents: [
          `import ${JSON.stringify(join(ROOT, "host", "workerd.ts"))};`,
          `import ${JSON.stringify(join(ROOT, "tests", args.path))};`,
          `export { default } from ${JSON.stringify(join(ROOT, "tests", "workerd", "harness.ts"))};`,
        ].join("\n"),
        resolveDir: ROOT,
        loader: "js",
      }));
      // The core stays a module import: workerd compiles it when it loads the worker.
      b.onResolve({ filter: /core\.wasm$/ }, () => ({ path: "./core.wasm", external: true }));
      b.onResolve({ filter: /^node:/ }, (args) => {
        if (alias[args.path]) return { path: alias[args.path] };
        return {
          errors: [{
            text: `${args.importer} imports ${args.path}: a workerd bundle must not contain node:* modules ` +
              `(load them at run time, or mark the test file "// @needs os")`,
          }],
        };
      });
    },
  };
  let result;
  try {
    result = await build({
      entryPoints: entries,
      outdir,
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker"],
      target: "es2022",
      logLevel: "silent",
      metafile: true,
      plugins: [workerdEntry],
    });
  } catch (error) {
    for (const e of error.errors ?? [error]) console.log(`workerd: build failed: ${e.text ?? e.message}`);
    return false;
  }
  const platformImports = Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.path.startsWith("node:"));
  if (platformImports.length > 0) {
    console.log(`workerd: build failed: the bundles import ${platformImports.map((i) => i.path).join(", ")}`);
    return false;
  }
  return true;
}

/** The workerd config: one worker and one socket per test file, on 127.0.0.1 with a port workerd picks. */
function workerdConfig(files, date, flags) {
  const flagList = flags.map((f) => JSON.stringify(f)).join(", ");
  const services = files.map((f) => {
    const name = workerName(f);
    return `    (name = "${name}", worker = (
      modules = [
        (name = "worker.js", esModule = embed "${name}.js"),
        (name = "core.wasm", wasm = embed "core.wasm"),
      ],
      compatibilityDate = "${date}",
      compatibilityFlags = [${flagList}],
      bindings = [(name = "COMPATIBILITY_DATE", text = "${date}")],
    )),`;
  });
  const sockets = files.map((f) => {
    const name = workerName(f);
    return `    (name = "${name}", address = "127.0.0.1:0", http = (), service = "${name}"),`;
  });
  return [
    `using Workerd = import "/workerd/workerd.capnp";`,
    `const config :Workerd.Config = (`,
    `  services = [`,
    ...services,
    `  ],`,
    `  sockets = [`,
    ...sockets,
    `  ],`,
    `);`,
    ``,
  ].join("\n");
}

/**
 * Starts workerd on `configPath`; resolves with the process, each socket's
 * port, and its log once all sockets listen. `--verbose` makes workerd log
 * exceptions that escape a timer or event callback, which it otherwise
 * drops without a word: the run counts each as a failure.
 */
function startWorkerd(configPath, socketCount) {
  return new Promise((resolvePorts, reject) => {
    const child = spawn(WORKERD, ["serve", configPath, "config", "--control-fd=3", "--verbose"], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    const log = { stderr: "" };
    child.stdout.on("data", (chunk) => process.stdout.write(chunk));
    child.stderr.on("data", (chunk) => {
      log.stderr += chunk;
      process.stderr.write(chunk);
    });
    const ports = new Map();
    let pending = "";
    child.stdio[3].on("data", (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const message = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (message.event === "listen") ports.set(message.socket, message.port);
        if (ports.size === socketCount) resolvePorts({ child, ports, log });
      }
    });
    child.on("exit", (code, signal) => {
      reject(new Error(`workerd exited (${signal ?? code}) before it listened${log.stderr ? "" : " (no output)"}`));
    });
    child.on("error", reject);
  });
}

/** GETs `path` on 127.0.0.1:`port` and parses the JSON answer; no client-side timeout but ours. */
function getJson(port, path, timeoutMs) {
  return new Promise((resolveJson, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => body += chunk);
      res.on("end", () => {
        if (res.statusCode !== 200) {
          reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 2000)}`));
          return;
        }
        try {
          resolveJson(JSON.parse(body));
        } catch {
          reject(new Error(`not JSON: ${body.slice(0, 2000)}`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Runs every file's worker under one compatibility date; prints the count and failures; true if all passed. */
async function runDate(files, date, flags, dir) {
  const label = `workerd ${date}${flags.length > 0 ? ` (${flags.join(", ")})` : ""}`;
  const configPath = join(dir, `config-${date}.capnp`);
  writeFileSync(configPath, workerdConfig(files, date, flags));
  const started = performance.now();
  let server;
  try {
    server = await startWorkerd(configPath, files.length);
  } catch (error) {
    console.log(`${label}: FAILED to start: ${error.message}`);
    return false;
  }
  let passed = 0;
  let failedCount = 0;
  const failures = [];
  try {
    const queue = [...files];
    const runOne = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const port = server.ports.get(workerName(file));
        try {
          const summary = await getJson(port, `/?timeout=${TEST_TIMEOUT_MS}`, FILE_TIMEOUT_MS);
          passed += summary.passed;
          failedCount += summary.failed;
          for (const r of summary.results) {
            if (!r.ok) failures.push(`${file} > ${r.name}\n      ${String(r.error).replaceAll("\n", "\n      ")}`);
          }
        } catch (error) {
          failedCount++;
          failures.push(`${file}: the worker did not answer: ${error.message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, runOne));
  } finally {
    const exited = new Promise((resolveExit) => server.child.once("exit", resolveExit));
    server.child.kill("SIGTERM");
    await exited; // and so its whole log is in
  }
  for (const line of server.log.stderr.split("\n").filter((l) => /\bUncaught\b/.test(l))) {
    failedCount++;
    failures.push(`workerd logged an exception nothing caught: ${line}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  for (const f of failures) console.log(`  ✗ ${f}`);
  console.log(`${label}: ${passed} passed, ${failedCount} failed (${files.length} files, ${seconds} s)`);
  return failedCount === 0;
}

/** The edge example's end-to-end test (Node drives an upstream, workerd and requests); true if it passed. */
function runEdgeExample() {
  return new Promise((resolveRun) => {
    const child = spawn(
      process.execPath,
      ["--test", "--test-reporter=spec", `--test-timeout=${TEST_TIMEOUT_MS}`, join("tests", EDGE_EXAMPLE_TEST)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on("exit", (code) => {
      const count = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)`, "m").exec(out)?.[1] ?? 0);
      console.log(`workerd edge example: ${count("pass")} passed, ${count("fail")} failed`);
      resolveRun(code === 0);
    });
  });
}
