// Runs the whole test suite in headless Chromium, twice:
// `node tests/tools/browser.mjs [filter] [--page wasm|csp] [--verbose]`.
//
// 1. Bundles every tests/*_test.ts (and the browser-only tests/browser/*_test.ts)
//    with esbuild for the browser. `node:test` and `node:assert/strict` become the
//    runtime-neutral shims in tests/shims/; any other platform module (`node:*`, a
//    bare Node built-in, `bun:*`, `cloudflare:*`) fails the build. That failure is
//    the proof that importing spindle pulls no platform module into a browser bundle.
//    Files marked `// @needs os: <reason>` (child processes, signals, sockets) are
//    skipped, and listed with their reason.
// 2. Serves the bundles from 127.0.0.1 on a free port and opens two pages in
//    Debian's Chromium, driven by playwright-core: "wasm", a plain page where spindle
//    runs on its WebAssembly core, and "csp", whose Content-Security-Policy is
//    `script-src 'self'` without 'wasm-unsafe-eval', where compiling WebAssembly
//    throws and spindle must pick its JavaScript fallback core by itself. Each page
//    asserts the core it ran on (tests/browser/page.ts).
// 3. Prints each page's pass/fail count and every failure with its message, and
//    exits non-zero on any failed test, page error, crash, failed request or time-out.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = "/usr/bin/chromium";
// The flags PLATFORMS.md lists: the machine has no internet, and Chromium's
// background connections otherwise fail noisily.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// A deadlock must fail the suite, not hang it: each test gets a minute (as under
// tests/tools/run.mjs), each page ten.
const TEST_TIMEOUT_MS = 60_000;
const PAGE_TIMEOUT_MS = 600_000;
/** How long a page stays open after its report, so late errors still fail it. */
const LATE_ERRORS_MS = 250;
/** The lines a file's marker must sit in, and its form: `// @needs os: <reason>`. */
const MARKER_LINES = 20;
const MARKER = /^\/\/ @needs os\b:?\s*(.*)$/;

const PAGES = {
  wasm: { core: "wasm", path: "/", csp: undefined },
  // No 'wasm-unsafe-eval' (nor 'unsafe-eval'): compiling any WebAssembly throws a CompileError.
  csp: { core: "js", path: "/csp", csp: "script-src 'self'" },
};

// ---- arguments ----

const argv = process.argv.slice(2);
const verbose = take("--verbose", false);
const only = take("--page", true);
if (only !== undefined && !(only in PAGES)) usage(`unknown page "${only}": use wasm or csp`);
const [filter = "", ...extra] = argv;
if (extra.length > 0 || filter.startsWith("--")) usage(`unexpected arguments: ${argv.join(" ")}`);

function take(flag, withValue) {
  const at = argv.indexOf(flag);
  if (at < 0) return withValue ? undefined : false;
  const [, value] = argv.splice(at, withValue ? 2 : 1);
  if (withValue && value === undefined) usage(`${flag} needs a value`);
  return withValue ? value : true;
}

function usage(message) {
  console.error(`${message}\nusage: node tests/tools/browser.mjs [filename-filter] [--page wasm|csp] [--verbose]`);
  process.exit(2);
}

// ---- which files ----

/** Source files to run, relative to the repository: tests/*_test.ts, then tests/browser/*_test.ts. */
function testFiles() {
  const list = (dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith("_test.ts"))
      .sort()
      .map((f) => `${dir}/${f}`);
  return [...list("tests"), ...list("tests/browser")].filter((f) => f.includes(filter));
}

/** The reason a file gives for needing an OS process runtime, or undefined. */
function needsOs(file) {
  const head = readFileSync(join(ROOT, file), "utf8").split("\n").slice(0, MARKER_LINES);
  for (const line of head) {
    const match = MARKER.exec(line.trim());
    if (match) return match[1] || "(no reason given)";
  }
  return undefined;
}

// ---- bundling ----

const NODE_BUILTINS = new Set(builtinModules.map((name) => name.replace(/^node:/, "")));

/** node:test and node:assert/strict become the shims; every other platform module fails the build. */
const browserImports = {
  name: "browser-imports",
  setup(b) {
    const shims = {
      "node:test": join(ROOT, "tests", "shims", "node_test.ts"),
      "node:assert/strict": join(ROOT, "tests", "shims", "node_assert.ts"),
    };
    const refuse = (args) => ({
      errors: [{
        text: `"${args.path}" is a platform module, imported by ${relative(ROOT, args.importer)}: ` +
          `a browser bundle of spindle and its tests must not contain one. Load it at run time in a ` +
          `platform adapter (host/platform/), or mark a test file that needs an OS "// @needs os: <reason>"`,
      }],
    });
    b.onResolve({ filter: /^[a-z]+:/ }, (args) => {
      if (args.path in shims) return { path: shims[args.path] };
      if (/^(node|bun|deno|cloudflare|workerd):/.test(args.path)) return refuse(args);
      return undefined;
    });
    b.onResolve({ filter: /^[a-z_/]+$/ }, (args) => {
      const [first, second] = args.path.split("/");
      const name = second === undefined ? first : `${first}/${second}`;
      return NODE_BUILTINS.has(name) || NODE_BUILTINS.has(first) ? refuse(args) : undefined;
    });
  },
};

async function bundle(files, outdir) {
  const entryPoints = { page: join(ROOT, "tests", "browser", "page.ts") };
  const manifest = [];
  files.forEach((file, i) => {
    const out = `files/${String(i).padStart(3, "0")}_${file.split("/").pop().replace(/\.ts$/, "")}`;
    entryPoints[out] = join(ROOT, file);
    manifest.push({ name: file, url: `./${out}.js` });
  });
  const { warnings } = await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true, // one copy of spindle and of the shims, shared by the page and every file
    format: "esm",
    platform: "browser",
    target: "es2022",
    chunkNames: "chunks/[name]-[hash]",
    plugins: [browserImports],
    logLevel: "silent",
  });
  for (const w of warnings) {
    const where = w.location ? `${relative(ROOT, w.location.file)}:${w.location.line}: ` : "";
    console.log(`chromium: bundle warning: ${where}${w.text}`);
  }
  writeFileSync(join(outdir, "manifest.json"), JSON.stringify({ files: manifest, timeoutMs: TEST_TIMEOUT_MS }));
}

// ---- serving ----

const TYPES = { ".js": "text/javascript", ".json": "application/json", ".html": "text/html" };
const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spindle tests</title><link rel="icon" href="data:,">
<script type="module" src="/page.js"></script></head><body></body></html>
`;

/** Serves `dir`, and the page at each PAGES path (with its CSP header). Resolves with its origin. */
function serve(dir) {
  const pageAt = new Map(Object.values(PAGES).map((page) => [page.path, page]));
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const headers = { "cache-control": "no-store" };
    const page = pageAt.get(url.pathname);
    if (page !== undefined) {
      if (page.csp !== undefined) headers["content-security-policy"] = page.csp;
      response.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" });
      response.end(HTML);
      return;
    }
    const file = resolve(dir, "." + decodeURIComponent(url.pathname));
    if (!file.startsWith(dir + "/")) {
      response.writeHead(403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { ...headers, "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404, headers).end();
    }
  });
  return new Promise((resolveOrigin, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolveOrigin({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

// ---- running a page ----

/** Opens one page, streams its per-file reports, and returns its summary. */
async function runPage(browser, origin, name, page) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const problems = []; // page errors, crashes, failed requests: each fails the page
  const files = [];
  let timer;
  const started = Date.now();
  tab.on("console", (message) => {
    const text = message.text();
    if (text.startsWith("@@spindle ")) {
      const file = JSON.parse(text.slice("@@spindle ".length));
      files.push(file);
      printFile(name, file);
    } else if (verbose) {
      console.log(`  [${name} console.${message.type()}] ${text}`);
    }
  });
  tab.on("pageerror", (error) => problems.push(`uncaught error in the page: ${error.stack ?? error.message}`));
  tab.on(
    "requestfailed",
    (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  tab.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  const crashed = new Promise((_, reject) => tab.on("crash", () => reject(new Error("the page crashed"))));
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the page did not finish within ${PAGE_TIMEOUT_MS / 1000} s`)),
      PAGE_TIMEOUT_MS,
    );
  });
  let report;
  try {
    const url = `${origin}${page.path}?SPINDLE_CORE=${page.core}`;
    console.log(`chromium ${name}: ${url}`);
    report = await Promise.race([
      (async () => {
        await tab.goto(url);
        const done = await tab.evaluate(() => globalThis.spindleReport);
        // Errors thrown soon after the last test (a stray timer) surface as page errors here.
        await tab.waitForTimeout(LATE_ERRORS_MS);
        return done;
      })(),
      crashed,
      timedOut,
    ]);
  } catch (error) {
    problems.push(error.message);
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => {});
  }
  if (report === undefined && problems.length === 0) problems.push("the page never reported: page.js did not run");
  // A report that never came leaves what the console carried; the page's report is complete otherwise.
  const results = (report?.files ?? files).flatMap((file) => file.results.map((r) => ({ ...r, file: file.file })));
  const failed = results.filter((r) => !r.ok);
  return { name, page, core: report?.core, results, failed, problems, ms: Date.now() - started };
}

function printFile(pageName, file) {
  const mark = file.failed === 0 ? "ok" : "FAIL";
  console.log(
    `  ${mark.padEnd(4)} ${file.file}: ${file.passed} passed, ${file.failed} failed (${(file.ms / 1000).toFixed(1)} s)`,
  );
  // Only names here: the summary at the end repeats each failure with its message.
  for (const result of file.results) {
    if (result.ok && !verbose) continue;
    console.log(`       ${result.ok ? "✔" : "✖"} ${result.name}${result.ok ? "" : ` [${pageName}]`}`);
  }
}

function indent(text, prefix) {
  return text.split("\n").map((line) => prefix + line).join("\n");
}

// ---- main ----

const all = testFiles();
if (all.length === 0) {
  console.error(`no test files match "${filter}"`);
  process.exit(1);
}
const skipped = all.map((file) => ({ file, reason: needsOs(file) })).filter((f) => f.reason !== undefined);
const files = all.filter((file) => !skipped.some((s) => s.file === file));
for (const { file, reason } of skipped) console.log(`chromium: skipping ${file} (needs os: ${reason})`);

const outdir = await mkdtemp(join(tmpdir(), "spindle-browser-"));
let exitCode = 1;
let browser;
let server;
try {
  try {
    await bundle(files, outdir);
  } catch (error) {
    console.error("chromium: the browser bundle failed to build:");
    for (const e of error.errors ?? [{ text: error.message }]) {
      const where = e.location ? `${relative(ROOT, e.location.file)}:${e.location.line}: ` : "";
      console.error(`  ${where}${e.text}`);
    }
    throw new Error("build failed");
  }
  const served = await serve(outdir);
  server = served.server;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const summaries = [];
  for (const [name, page] of Object.entries(PAGES)) {
    if (only === undefined || only === name) summaries.push(await runPage(browser, served.origin, name, page));
  }
  exitCode = printSummaries(summaries);
} catch (error) {
  if (error.message !== "build failed") console.error(`chromium: ${error.stack ?? error.message}`);
} finally {
  await browser?.close().catch(() => {});
  server?.close();
  rmSync(outdir, { recursive: true, force: true });
}
process.exit(exitCode);

/** Prints each page's count and failures; returns the exit code. */
function printSummaries(summaries) {
  let bad = false;
  console.log("");
  for (const s of summaries) {
    const passed = s.results.length - s.failed.length;
    const coreNote = s.core === undefined ? "core unknown" : `${s.core} core`;
    console.log(
      `chromium ${s.name} (${coreNote}): ${passed} passed, ${s.failed.length} failed` +
        `${s.problems.length > 0 ? `, ${s.problems.length} page problems` : ""} (${(s.ms / 1000).toFixed(1)} s)`,
    );
    for (const r of s.failed) console.log(`  ✖ ${r.file} > ${r.name}\n${indent(r.error ?? "(no message)", "      ")}`);
    for (const p of s.problems) console.log(`  ✖ ${indent(p, "    ").trimStart()}`);
    if (s.failed.length > 0 || s.problems.length > 0 || s.results.length === 0) bad = true;
  }
  if (skipped.length > 0) console.log(`skipped (needs os): ${skipped.map((s) => s.file).join(", ")}`);
  return bad ? 1 : 0;
}
