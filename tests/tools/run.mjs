// Runs every tests/*_test.ts under one runtime:
// `node tests/tools/run.mjs node|deno|bun [filter] [--core wasm|js]`.
// Node 20 cannot strip types, so its files are bundled with esbuild first;
// Deno and Bun run the sources. All three use node:test + node:assert/strict.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

// `--core js` runs the suite on the JavaScript fallback core (SPINDLE_CORE=js).
const argv = process.argv.slice(2);
const coreAt = argv.indexOf("--core");
const core = coreAt >= 0 ? argv.splice(coreAt, 2)[1] : "wasm";
if (core !== "wasm" && core !== "js") {
  console.error(`unknown core "${core}": use wasm or js`);
  process.exit(2);
}
const env = { ...process.env, SPINDLE_CORE: core };
const [runtime = "node", filter = ""] = argv;
const files = readdirSync("tests")
  .filter((f) => f.endsWith("_test.ts") && f.includes(filter))
  .sort()
  .map((f) => join("tests", f));
if (files.length === 0) {
  console.error(`no test files match "${filter}"`);
  process.exit(1);
}
const bin = (name) => join("node_modules", ".bin", name);
// A deadlock must fail the suite, not hang it: each test gets a minute, each runtime ten.
const TEST_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 600_000;

let result;
if (runtime === "node") {
  const outdir = join("tests", ".out");
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: files,
    outdir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    sourcemap: "inline",
    packages: "external",
    logLevel: "warning",
  });
  const bundled = files.map((f) => join(outdir, f.slice("tests/".length).replace(/\.ts$/, ".mjs")));
  result = spawnSync(
    process.execPath,
    ["--enable-source-maps", "--test", "--test-reporter=spec", `--test-timeout=${TEST_TIMEOUT_MS}`, ...bundled],
    { stdio: "inherit", timeout: RUN_TIMEOUT_MS, env },
  );
} else if (runtime === "deno") {
  result = spawnSync(bin("deno"), ["test", "-A", "--no-check", ...files], {
    stdio: "inherit",
    timeout: RUN_TIMEOUT_MS,
    env,
  });
} else if (runtime === "bun") {
  result = spawnSync(bin("bun"), ["test", `--timeout=${TEST_TIMEOUT_MS}`, ...files.map((f) => "./" + f)], {
    stdio: "inherit",
    timeout: RUN_TIMEOUT_MS,
    env,
  });
} else {
  console.error(`unknown runtime "${runtime}": use node, deno or bun`);
  process.exit(2);
}
if (result.error) console.error(`${runtime}: ${result.error.message}`);
process.exit(result.status ?? 1);
