// Profiles one workload under Node and prints the functions with the most
// self time, mapped back to their TypeScript sources:
//
//   node bench/profile.mjs W4 [--peer spindle] [--top 20] [--mode quick|full]
//
// Runs the esbuild bundle of bench/_child.ts with `node --cpu-prof`; the
// .cpuprofile is left in node_modules/.cache/spindle-bench/profiles/ (open it
// in Chrome DevTools → Performance). Run `npm run build` first.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const OUT = join("node_modules", ".cache", "spindle-bench");
const PROFILES = join(OUT, "profiles");

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const workload = (argv.find((a) => /^W\d$/i.test(a)) ?? "").toUpperCase();
if (!workload) {
  console.error("usage: node bench/profile.mjs W1..W7 [--peer spindle] [--top 20] [--mode quick|full]");
  process.exit(2);
}
const peer = option("peer", "spindle");
const top = Number(option("top", "20"));
const mode = option("mode", "quick");

mkdirSync(OUT, { recursive: true });
const bundle = join(OUT, "child.profile.mjs");
await build({
  entryPoints: ["bench/_child.ts"],
  outfile: bundle,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: "external",
  logLevel: "warning",
});

rmSync(PROFILES, { recursive: true, force: true });
mkdirSync(PROFILES, { recursive: true });
const r = spawnSync(process.execPath, [
  "--cpu-prof",
  `--cpu-prof-dir=${PROFILES}`,
  "--expose-gc",
  bundle,
  "--workload",
  workload,
  "--peer",
  peer,
  "--mode",
  mode,
], { encoding: "utf8" });
const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
if (!line || line.includes('"error"')) {
  console.error(line ?? r.stderr);
  process.exit(1);
}
const file = readdirSync(PROFILES).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(join(PROFILES, file), "utf8"));
const map = new SourceMap(JSON.parse(readFileSync(bundle + ".map", "utf8")));
const bundleUrl = pathToFileURL(join(root, bundle)).href;

// Self time per node: samples × the mean interval.
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const total = profile.samples.length;
const byFunction = new Map();
for (const node of profile.nodes) {
  const hits = counts.get(node.id) ?? 0;
  if (hits === 0) continue;
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  let where = url ? url.replace(/^file:\/\//, "") : "";
  if (url === bundleUrl && lineNumber >= 0) {
    const entry = map.findEntry(lineNumber, columnNumber);
    if (entry?.originalSource) {
      const source = entry.originalSource.replace(/^file:\/\//, "");
      where = `${relative(root, join(dirname(bundle), source)).replace(/^(\.\.\/)+/, "")}:${entry.originalLine + 1}`;
    }
  } else if (where.startsWith(root)) {
    where = relative(root, where) + (lineNumber >= 0 ? `:${lineNumber + 1}` : "");
  }
  const key = `${functionName || "(anonymous)"}  ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
}
const ranked = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
const ms = (profile.endTime - profile.startTime) / 1000;
console.log(`${workload} ${peer} (${mode}) under node --cpu-prof: ${total} samples over ${ms.toFixed(0)} ms`);
console.log(`profile: ${join(PROFILES, file)}`);
console.log("self %   function  source");
for (const [key, hits] of ranked) console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}  ${key}`);
