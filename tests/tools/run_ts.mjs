// Runs one TypeScript entry point under Node: `node tests/tools/run_ts.mjs file.ts [args]`.
// Node 20 cannot strip types, so the file is bundled with esbuild first.
import { spawnSync } from "node:child_process";
import { basename, join } from "node:path";
import { build } from "esbuild";

const [entry, ...args] = process.argv.slice(2);
if (process.versions.bun !== undefined) {
  // Bun runs TypeScript itself (`bun --bun run demo`).
  await import(new URL(`../../${entry}`, import.meta.url).href);
  process.exit(0);
}
const outfile = join("tests", ".out", basename(entry).replace(/\.ts$/, ".mjs"));
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
const result = spawnSync(process.execPath, [outfile, ...args], { stdio: "inherit" });
process.exit(result.status ?? 1);
