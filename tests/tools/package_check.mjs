// Checks the package as its users see it: `import "spindle"` from a project
// that depends on it resolves, per runtime and bundler condition, to the
// entry package.json promises, and runs. `node tests/tools/package_check.mjs`
// after `npm run build`; part of `npm test`.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(".");
const project = mkdtempSync(join(tmpdir(), "spindle-user-"));
mkdirSync(join(project, "node_modules"));
symlinkSync(root, join(project, "node_modules", "spindle"), "dir");
writeFileSync(
  join(project, "package.json"),
  JSON.stringify({ type: "module", dependencies: { spindle: "*" } }),
);
// A small program: sleeps, gathers, echoes a line over loopback TCP (the net
// adapter is a chunk of its own in dist/, loaded on first use), and says which
// core and entry ran.
const program = `
import { coreKind, gather, openConnection, run, sleep, startServer } from "spindle";
const out = run(function* () {
  const xs = yield* gather([(function* () { yield* sleep(1); return 1; })(), (function* () { return 2; })()]);
  const server = yield* startServer(function* (reader, writer) {
    writer.write(yield* reader.readline());
    yield* writer.drain();
    writer.close();
  }, "127.0.0.1", 0);
  const [reader, writer] = yield* openConnection("127.0.0.1", server.address().port);
  writer.write(new TextEncoder().encode("2\\n"));
  const echoed = new TextDecoder().decode(yield* reader.readline()).trim();
  writer.close();
  server.close();
  yield* server.waitClosed();
  return xs.join("+") + "=" + echoed;
});
out.then((v) => console.log(JSON.stringify({ result: v, core: coreKind(), entry: import.meta.resolve("spindle") })));
`;
writeFileSync(join(project, "main.mjs"), program);
writeFileSync(join(project, "main.ts"), program);

let failures = 0;
function check(label, ok, detail) {
  console.log(`${ok ? "ok  " : "FAIL"} ${label}${ok ? "" : `: ${detail}`}`);
  if (!ok) failures++;
}

function runIn(label, command, args, expectedEntry, core = "wasm") {
  const env = core === "js" ? { ...process.env, SPINDLE_CORE: "js" } : process.env;
  const result = spawnSync(command, args, { cwd: project, encoding: "utf8", timeout: 60_000, env });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  let report;
  try {
    report = JSON.parse(line);
  } catch {
    check(label, false, `no report (exit ${result.status}): ${result.stderr.trim().slice(-400)}`);
    return;
  }
  check(
    `${label} imports ${expectedEntry} and runs on the ${report.core} core`,
    report.result === "1+2=2" && report.core === core && String(report.entry).endsWith(expectedEntry),
    JSON.stringify(report),
  );
}

const bin = (name) => join(root, "node_modules", ".bin", name);
try {
  runIn("node", process.execPath, ["main.mjs"], "dist/spindle.js");
  runIn("bun", bin("bun"), ["main.ts"], "dist/spindle.js");
  runIn("deno", bin("deno"), ["run", "-A", "--no-check", "main.ts"], "dist/spindle.js");
  // The fallback core, as SPINDLE_CORE=js picks it, from the package too.
  runIn("node (SPINDLE_CORE=js)", process.execPath, ["main.mjs"], "dist/spindle.js", "js");
  runIn("bun (SPINDLE_CORE=js)", bin("bun"), ["main.ts"], "dist/spindle.js", "js");
  runIn("deno (SPINDLE_CORE=js)", bin("deno"), ["run", "-A", "--no-check", "main.ts"], "dist/spindle.js", "js");

  // Bundlers pick the browser and workerd builds, and neither may import node:*.
  for (
    const [label, options, expected] of [
      ["browser bundle", { platform: "browser" }, "dist/spindle.browser.js"],
      ["workerd bundle", { platform: "neutral", conditions: ["workerd", "worker"] }, "dist/spindle.workerd.js"],
    ]
  ) {
    const result = await build({
      entryPoints: [join(project, "main.mjs")],
      bundle: true,
      write: false,
      format: "esm",
      metafile: true,
      logLevel: "silent",
      external: ["*.wasm"],
      ...options,
    });
    const inputs = Object.keys(result.metafile.inputs);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    check(
      `${label} uses ${expected} and imports no node:* module`,
      inputs.some((i) => i.endsWith(expected)) && !imports.some((p) => p.startsWith("node:")),
      `inputs ${inputs.join(", ")}; imports ${imports.join(", ")}`,
    );
  }

  // TypeScript users get the declarations.
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", noEmit: true, types: [] },
      files: ["typed.ts"],
    }),
  );
  writeFileSync(
    join(project, "typed.ts"),
    `import { Queue, run, sleep } from "spindle";\nimport * as edge from "spindle/workerd";\n` +
      `const q: Queue<number> = new Queue<number>();\nconst n: Promise<number> = run(function* () {\n` +
      `  yield* sleep(1);\n  return q.qsize();\n});\nvoid n;\nvoid edge.coreKind;\n`,
  );
  const tsc = spawnSync(bin("tsc"), ["-p", project], { encoding: "utf8" });
  check("TypeScript resolves spindle's types (NodeNext)", tsc.status === 0, tsc.stdout + tsc.stderr);
} finally {
  rmSync(project, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`package: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("package: all checks passed");
