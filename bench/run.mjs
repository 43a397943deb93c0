// spindle's benchmarks: the workloads W1–W8 of ../shared/BENCH.md, for
// spindle and its peers, on Node, Deno and Bun (and CPython asyncio / uvloop
// when present), side by side in one run.
//
//   node bench/run.mjs [--only W1,W3] [--runtimes node,deno,bun] [--peers spindle,floor]
//                      [--quick] [--rounds N] [--no-python] [--markdown FILE] [--json FILE]
//
// `npm run bench` builds the core first and runs everything. Each runtime,
// workload and peer runs in a process of its own (bench/_child.ts; Node gets
// an esbuild bundle, Deno and Bun run the sources), which prints its samples
// as JSON; this driver prints one table per workload and checks BENCH.md's
// targets. Progress goes to stderr, results to stdout.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { checkTargets, figures, markdownTable, tableCells, textTable } from "./_report.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const OUT = join("node_modules", ".cache", "spindle-bench");
const RUNTIMES = ["node", "deno", "bun"];
const WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"];
/** A child that takes longer than this is stopped and reported as timed out. */
const CHILD_TIMEOUT_MS = 300_000;
/** spindle on its JavaScript fallback core (SPINDLE_CORE=js), measured as a peer of its own. */
const JS_CORE_PEER = "spindle-js";
const JS_CORE_NOTE =
  "spindle-js: spindle on the JavaScript fallback core (SPINDLE_CORE=js), W3 bytes leave out that core's ArrayBuffer memory";

// ---- arguments ----

const argv = process.argv.slice(2);
function option(name) {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`--${name} needs a value`);
    process.exit(2);
  }
  return value;
}
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 12).join("\n"));
  process.exit(0);
}
const list = (value, all, what) => {
  if (value === undefined) return all;
  const picked = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of picked) {
    if (all !== null && !all.includes(p)) {
      console.error(`unknown ${what} "${p}": choose from ${all.join(", ")}`);
      process.exit(2);
    }
  }
  return picked;
};
const only = list(option("only")?.toUpperCase(), WORKLOADS, "workload");
const runtimes = list(option("runtimes"), RUNTIMES, "runtime");
const peerFilter = list(option("peers"), null, "peer");
const quick = argv.includes("--quick");
const mode = quick ? "quick" : "full";
/** Processes per peer for rates and W3, taken in turn with the other peers' (see measureJs). */
const peerRounds = Number(option("rounds") ?? (quick ? 1 : 3));
if (!Number.isInteger(peerRounds) || peerRounds < 1) {
  console.error("--rounds needs a whole number of at least 1");
  process.exit(2);
}
const withPython = !argv.includes("--no-python");
const jsonPath = option("json") ?? join(OUT, "results.json");
const markdownPath = option("markdown") ?? join(OUT, "results.md");
const command = `node bench/run.mjs${argv.length ? " " + argv.join(" ") : ""}`;
const wantPeer = (name) => peerFilter === null || peerFilter.includes(name) || name === "spindle";

const log = (line) => process.stderr.write(line + "\n");
const bin = (name) => join("node_modules", ".bin", name);
const started = performance.now();

// ---- the machine ----

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim().split("\n")[0];
}

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

function busiestProcesses() {
  const r = spawnSync("ps", ["-eo", "pcpu=,comm=", "--sort=-pcpu"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim().split("\n").slice(0, 4).map((l) => l.trim().replace(/\s+/, "% ")).join(", ");
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

function pythonSetup() {
  if (!withPython) return { asyncio: null, uvloop: null, message: "Python peers: skipped (--no-python)." };
  const asyncio = firstLine("python3", ["--version"]) ? "python3" : null;
  let uvloop = null;
  for (const exe of ["python3", "/usr/bin/python3"]) {
    if (exe === "python3" && asyncio === null) continue;
    const r = spawnSync(exe, ["-c", "import uvloop"], { encoding: "utf8" });
    if (!r.error && r.status === 0) {
      uvloop = exe;
      break;
    }
  }
  const describe = (exe) => {
    const info = spawnSync(exe, ["-c", "import sys; print(sys.version.split()[0], sys.executable)"], {
      encoding: "utf8",
    }).stdout.trim().split(" ");
    // Run the interpreter itself, not a wrapper such as pyenv's shim (a shell script that costs ~100 ms a start).
    return { exe: info[1] || exe, version: info[0], path: info[1] };
  };
  const a = asyncio ? describe(asyncio) : null;
  const u = uvloop ? describe(uvloop) : null;
  const lines = [];
  lines.push(
    a
      ? `asyncio runs on python3 ${a.version} (${a.path})`
      : "python3 not found: the CPython asyncio and uvloop rows are missing",
  );
  if (a) {
    lines.push(
      u
        ? `uvloop ${
          firstLine(u.exe, ["-c", "import uvloop; print(uvloop.__version__)"])
        } runs on ${uvloop} ${u.version} (${u.path})`
        : "uvloop is not installed for python3 or /usr/bin/python3 (Debian: apt-get install python3-uvloop): the uvloop rows are missing",
    );
  }
  return { asyncio: a, uvloop: u, message: lines.join("; ") + "." };
}

const machine = {
  cpu: cpuModel(),
  cores: cpus().length,
  memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
  kernel: release(),
  loadAtStart: load(),
  busiest: busiestProcesses(),
  node: process.versions.node,
  deno: firstLine(bin("deno"), ["--version"])?.replace(/^deno /, "") ?? "not found",
  bun: firstLine(bin("bun"), ["--version"]) ?? "not found",
};
const python = pythonSetup();

/** The commit measured, and whether the library's sources differ from it. */
function revision() {
  const head = firstLine("git", ["rev-parse", "--short", "HEAD"]);
  if (head === null) return "not a git checkout";
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "host", "assembly"], { encoding: "utf8" }).stdout
    .trim();
  return dirty ? `${head} with uncommitted changes in host/ or assembly/` : head;
}
const measured = revision();

function sizes() {
  const out = {};
  if (existsSync("build/core.wasm")) {
    const wasm = readFileSync("build/core.wasm");
    out.coreWasm = wasm.length;
    out.coreWasmGzip = gzipSync(wasm).length;
  }
  return out;
}

// ---- building what Node runs ----

const COLD_ENTRIES = ["bare", "floor", "spindle", "effection"];

async function buildForNode() {
  mkdirSync(OUT, { recursive: true });
  const common = {
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  };
  await build({ ...common, entryPoints: ["bench/_child.ts"], outfile: join(OUT, "child.mjs") });
  for (const name of COLD_ENTRIES) {
    // Node's W8 rows run these bundles; spindle's row runs the package itself (measureColdStart).
    if (name === "spindle") continue;
    await build({ ...common, entryPoints: [`bench/cold_start/${name}.ts`], outfile: join(OUT, `cold_${name}.mjs`) });
  }
  // What a browser would download: host/mod.ts with the embedded core, minified.
  const browser = await build({
    entryPoints: ["host/mod.ts"],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "warning",
  });
  const bytes = browser.outputFiles[0].contents;
  return { browserBundle: bytes.length, browserBundleGzip: gzipSync(bytes).length };
}

/** How to start `script` (a .ts path under bench/) on `runtime`. */
function runtimeCommand(runtime, script, args, { gc = true } = {}) {
  if (runtime === "node") {
    const bundled = script === "bench/_child.ts"
      ? join(OUT, "child.mjs")
      : join(OUT, `cold_${script.replace(/^.*\//, "").replace(/\.ts$/, "")}.mjs`);
    return [process.execPath, [...(gc ? ["--expose-gc"] : []), bundled, ...args]];
  }
  if (runtime === "deno") {
    return [bin("deno"), ["run", "-A", ...(gc ? ["--v8-flags=--expose-gc"] : []), script, ...args]];
  }
  return [bin("bun"), [script, ...args]];
}

function runChild(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 << 20, env });
  if (r.error?.code === "ETIMEDOUT") return { error: `timed out after ${CHILD_TIMEOUT_MS / 1000} s` };
  if (r.error) return { error: r.error.message };
  const line = r.stdout.split("\n").reverse().find((l) => l.startsWith("BENCH_RESULT "));
  if (!line) {
    const tail = (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" / ");
    return { error: `no result (exit ${r.status}): ${tail}` };
  }
  const result = JSON.parse(line.slice("BENCH_RESULT ".length));
  if (result.error) return { error: result.error.split("\n")[0] };
  return result;
}

// ---- measuring ----

const results = []; // every row, for results.json
const byWorkload = {}; // id → rows
let plan = null; // runtime → { version, workloads }

function listPeers() {
  plan = {};
  for (const runtime of runtimes) {
    const [cmd, args] = runtimeCommand(runtime, "bench/_child.ts", ["--list"]);
    const listed = runChild(cmd, args);
    if (listed.error) {
      log(`${runtime}: cannot list the workloads: ${listed.error}`);
      continue;
    }
    if (!listed.gc) log(`${runtime}: no callable GC: samples are not preceded by a full collection`);
    plan[runtime] = listed;
  }
}

function addRow(id, row, tookMs) {
  if (row.result && !row.result.error) row.figures = figures(row.result);
  else if (row.result?.error) row.error = row.result.error;
  (byWorkload[id] ??= []).push(row);
  results.push({ workload: id, ...row });
  const f = row.figures;
  const what = f ? `median ${f.value.toPrecision(4)} (n=${f.n})` : `failed: ${row.error}`;
  const took = tookMs === undefined ? "" : ` [${(tookMs / 1000).toFixed(1)} s]`;
  log(`  ${row.runtime.padEnd(6)} ${id} ${(row.label ?? row.peer).padEnd(28)} ${what}${took}`);
}

/** A peer whose single run takes longer than this is timed by its first process alone (bench/_child.ts). */
const SLOW_RUN_MS = 1500;

/**
 * Rates and W3: each peer's measurement is split over `peerRounds` processes,
 * started in turn with the other peers' (spindle, spindle-js, floor, ...,
 * then again), and their samples pooled: a burst of load from elsewhere on
 * a shared machine then falls on every peer alike instead of on whichever
 * process it met, which shifted the ratios from run to run.
 */
function measureJs(id) {
  for (const runtime of runtimes) {
    const w = plan[runtime]?.workloads.find((x) => x.id === id);
    if (!w) continue;
    const entries = [];
    for (const peer of w.peers) {
      if (!wantPeer(peer.name)) continue;
      const args = ["--workload", id, "--peer", peer.name, "--mode", mode, "--rounds", String(peerRounds)];
      const [cmd, cmdArgs] = runtimeCommand(runtime, "bench/_child.ts", args);
      entries.push({ row: { runtime, peer: peer.name, note: peer.note }, cmd, cmdArgs, env: process.env, parts: [] });
      if (peer.name === "spindle" && wantPeer(JS_CORE_PEER)) {
        // The same workload on the JavaScript fallback core: what the WebAssembly core is worth.
        entries.push({
          row: { runtime, peer: JS_CORE_PEER, note: `${peer.note}, on the JavaScript fallback core` },
          cmd,
          cmdArgs,
          env: { ...process.env, SPINDLE_CORE: "js" },
          parts: [],
        });
      }
    }
    for (const e of entries) e.tookMs = 0;
    for (let round = 0; round < peerRounds; round++) {
      for (const e of entries) {
        if (round > 0 && !wantsMoreRounds(e.parts[0])) continue;
        const t0 = performance.now();
        e.parts.push(runChild(e.cmd, e.cmdArgs, e.env));
        e.tookMs += performance.now() - t0;
      }
    }
    for (const e of entries) addRow(id, { ...e.row, result: pooled(e.parts) }, e.tookMs);
  }
}

/** False for a failed first process and for a peer too slow to time in parts (see SLOW_RUN_MS). */
function wantsMoreRounds(first) {
  if (first.error) return false;
  if (first.kind === "rate") return first.method === "mitata";
  return first.elapsedMs.length > 0 && first.elapsedMs[0] <= SLOW_RUN_MS;
}

/** One result from a peer's processes: the first one's, with every process's samples. */
function pooled(parts) {
  const failed = parts.find((p) => p.error);
  if (failed) return failed;
  const [first] = parts;
  if (first.kind === "rate") return { ...first, samplesMs: parts.flatMap((p) => p.samplesMs), processes: parts.length };
  // W3: the heap as the first process weighed it; the overhead runs of all of them.
  return { ...first, elapsedMs: parts.flatMap((p) => p.elapsedMs), processes: parts.length };
}

function measurePython(id) {
  const loops = [];
  if (python.asyncio && wantPeer("asyncio")) loops.push(["asyncio", python.asyncio]);
  if (python.uvloop && wantPeer("uvloop")) loops.push(["uvloop", python.uvloop]);
  for (const [loop, py] of loops) {
    const t0 = performance.now();
    const result = runChild(py.exe, [
      "bench/peers/asyncio_peer.py",
      "--loop",
      loop,
      "--workload",
      id,
      "--mode",
      mode,
    ]);
    addRow(
      id,
      { runtime: "python", peer: loop, label: `${loop} (CPython ${py.version})`, result },
      performance.now() - t0,
    );
  }
}

/** W8: spawn fresh processes, round-robin over the peers so drift hits all alike. */
function measureColdStart() {
  if (wantPeer("spindle") && !existsSync("dist/spindle.js")) {
    console.error("W8: dist/spindle.js is missing: run `npm run build` first (npm run bench does)");
    process.exit(1);
  }
  const rounds = quick ? 3 : 20;
  const warmup = 2;
  const entries = [];
  for (const runtime of runtimes) {
    if (!plan[runtime]) continue;
    for (const name of COLD_ENTRIES) {
      if (!wantPeer(name)) continue;
      const [cmd, args] = runtimeCommand(runtime, `bench/cold_start/${name}.ts`, [], { gc: false });
      if (name === "spindle") {
        // What the package gives every runtime (package.json exports): dist/spindle.js, which
        // loads its chunks on first use, imported as is. Deno and Bun can also load the sources.
        const pkg = [...(runtime === "deno" ? ["run", "-A"] : []), "bench/cold_start/spindle_package.mjs"];
        entries.push({ runtime, peer: "spindle", cmd, args: pkg, samples: [] });
        if (runtime !== "node" && wantPeer("spindle (sources)")) {
          entries.push({ runtime, peer: "spindle (sources)", cmd, args, samples: [] });
        }
        continue;
      }
      entries.push({ runtime, peer: name === "bare" ? "bare script" : name, cmd, args, samples: [] });
    }
  }
  if (python.asyncio) {
    const py = ({ exe, version }, what) => ({
      runtime: "python",
      peer: what === "bare" ? `bare script (CPython ${version})` : what,
      label: what === "bare" ? undefined : `${what} (CPython ${version})`,
      cmd: exe,
      args: ["bench/peers/cold_start.py", what],
      samples: [],
    });
    const a = python.asyncio;
    entries.push(py(a, "bare"));
    if (wantPeer("asyncio")) entries.push(py(a, "asyncio"));
    const u = python.uvloop;
    if (u && wantPeer("uvloop")) {
      if (u.exe !== a.exe) entries.push(py(u, "bare"));
      entries.push(py(u, "uvloop"));
    }
  }
  const method = timeWithHyperfine(entries, warmup, rounds)
    ? "hyperfine -N (each command's runs in a row)"
    : "spawnSync from this driver, round-robin over the peers";
  if (!method.startsWith("hyperfine")) timeSpawns(entries, warmup, rounds);
  coldStartMethod = `${warmup} warm-up rounds, then ${rounds} timed; ${method}`;
  for (const e of entries) {
    const result = e.error ? { error: e.error } : { kind: "cold", samplesMs: e.samples };
    addRow("W8", { runtime: e.runtime, peer: e.peer, label: e.label, result });
  }
}

let coldStartMethod = "";

/** Times the entries with hyperfine when it is installed; false when it is not (or fails). */
function timeWithHyperfine(entries, warmup, rounds) {
  if (firstLine("hyperfine", ["--version"]) === null) return false;
  const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const file = join(OUT, "hyperfine.json");
  const r = spawnSync("hyperfine", [
    "-N",
    "--style",
    "none",
    "--warmup",
    String(warmup),
    "--runs",
    String(rounds),
    "--export-json",
    file,
    ...entries.map((e) => [e.cmd, ...e.args].map(quote).join(" ")),
  ], { encoding: "utf8", timeout: CHILD_TIMEOUT_MS });
  if (r.error || r.status !== 0) {
    log(
      `hyperfine failed (${r.error?.message ?? (r.stderr || "").trim().split("\n").pop()}): timing spawns here instead`,
    );
    return false;
  }
  const { results: timed } = JSON.parse(readFileSync(file, "utf8"));
  entries.forEach((e, i) => {
    e.samples = timed[i].times.map((t) => t * 1000);
  });
  return true;
}

/** Times the entries with spawnSync, round-robin, so drift on a shared machine hits every peer alike. */
function timeSpawns(entries, warmup, rounds) {
  for (let round = 0; round < warmup + rounds; round++) {
    for (const e of entries) {
      if (e.error) continue;
      const t0 = performance.now();
      const r = spawnSync(e.cmd, e.args, { stdio: ["ignore", "ignore", "pipe"], timeout: 60_000 });
      const t = performance.now() - t0;
      if (r.error || r.status !== 0) {
        e.error = `exit ${r.status ?? r.error?.message}: ${String(r.stderr ?? "").trim().split("\n").pop()}`;
      } else if (round >= warmup) {
        e.samples.push(t);
      }
    }
  }
}

// ---- output ----

const out = [];
const md = [];
function print(line = "") {
  console.log(line);
  out.push(line);
}

function header(extra) {
  print(`spindle benchmarks — ${mode} run — ${new Date().toISOString()}`);
  print(`command: ${command}`);
  print(`spindle: commit ${measured}`);
  print(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}; load average at start ${machine.loadAtStart}`,
  );
  if (machine.busiest) print(`busiest processes at start: ${machine.busiest}`);
  print(`runtimes: Node ${machine.node}, Deno ${machine.deno}, Bun ${machine.bun}`);
  print(python.message);
  if (extra.coreWasm) {
    print(
      `core.wasm: ${extra.coreWasm} bytes (${extra.coreWasmGzip} gzipped); browser bundle (host/mod.ts, esbuild --minify): ${extra.browserBundle} bytes (${extra.browserBundleGzip} gzipped)`,
    );
  }
  print(`${JS_CORE_NOTE}.`);
  const processes = peerRounds === 1 ? "1 process" : `${peerRounds} processes`;
  print(
    `Rates and W3: ${processes} per peer, in turn with the other peers', samples pooled (a peer slower than ${SLOW_RUN_MS} ms per run: its first process only).`,
  );
  print("Ratios: spindle's figure ÷ the peer's, same runtime, same run (Python rows: ÷ spindle on Node).");
}

const TITLES = {
  W8: { kind: "cold", title: "cold start: fresh process, import the library, run a main that sleeps 0 and exits" },
};

function printWorkload(id, loadBefore) {
  const rows = byWorkload[id] ?? [];
  const listed = Object.values(plan).map((p) => p.workloads.find((w) => w.id === id)).find(Boolean);
  const w = listed ?? { id, ...TITLES[id] };
  const better = w.kind === "rate" ? "higher is better" : "lower is better";
  const cells = tableCells(w, rows);
  print();
  print(`${id} ${w.title} — ${better} — load average before: ${loadBefore}`);
  print(textTable(cells));
  if (id === "W8") cells.notes.push(`Timing: ${coldStartMethod}.`);
  for (const note of cells.notes) print(`  note: ${note}`);
  md.push(`### ${id} ${w.title}`, "", `${better}; load average before: ${loadBefore}`, "", markdownTable(cells), "");
  for (const note of cells.notes) md.push(`- ${note}`);
  const notes = [...new Map(rows.filter((r) => r.note).map((r) => [r.peer, r.note])).entries()];
  if (notes.length > 0) {
    const escape = (text) => text.replaceAll("*", "\\*");
    md.push("", "How each peer runs it: " + notes.map(([p, n]) => `**${escape(p)}**: ${escape(n)}`).join("; ") + ".");
  }
  md.push("");
}

// ---- main ----

const extra = { ...sizes(), ...(await buildForNode()) };
header(extra);
log(`building done; listing workloads per runtime (${runtimes.join(", ")})`);
listPeers();

for (const id of only) {
  const loadBefore = load();
  log(`${id} (${mode})`);
  if (id === "W8") measureColdStart();
  else {
    measureJs(id);
    measurePython(id);
  }
  printWorkload(id, loadBefore);
}

const targets = checkTargets(byWorkload, runtimes.filter((r) => plan[r]));
if (targets.length > 0) {
  print();
  print("BENCH.md targets (spindle on the WebAssembly core):");
  const cells = {
    head: ["runtime", "target", "measured", "met"],
    body: targets.map((t) => [t.runtime, t.target, t.measured, t.met === null ? "—" : t.met ? "yes" : "NO"]),
  };
  print(textTable(cells));
  md.push("### Targets", "", markdownTable(cells), "");
}
const minutes = (performance.now() - started) / 60_000;
print();
print(`load average at end: ${load()}; the run took ${minutes.toFixed(1)} min`);

const summary = {
  command,
  mode,
  date: new Date().toISOString(),
  revision: measured,
  machine: { ...machine, loadAtEnd: load() },
  python: python.message,
  sizes: extra,
  jsCore: JS_CORE_NOTE,
  minutes,
  results,
  targets,
};
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, JSON.stringify(summary, null, 2) + "\n");
mkdirSync(dirname(markdownPath), { recursive: true });
writeFileSync(markdownPath, md.join("\n"));
log(`results: ${jsonPath}, tables in Markdown: ${markdownPath}`);
