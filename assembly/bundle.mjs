// Packages spindle into dist/ after assembly/build.mjs has built the core:
//   dist/spindle.js          ESM for Node, Deno and other hosts (core embedded as bytes), with
//                            dist/chunks/ (code it loads on first use)
//   dist/spindle.browser.js  minified ESM for browsers (the size budget is its gzipped size)
//   dist/spindle.workerd.js  ESM for workerd / edge runtimes, importing dist/core.wasm as a module
//                            (and carrying no other core)
//   dist/types/              declarations for all of them
// Fails if a browser or workerd bundle would import a platform module
// (node:*): spindle loads those only at run time, on runtimes that have them.
// Run by `npm run build`.
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const DIST = "dist";
await rm(DIST, { recursive: true, force: true });
await mkdir(DIST, { recursive: true });

/** Keeps `import core from ".../core.wasm"` as an import of dist/core.wasm, for runtimes that load modules. */
const wasmModule = {
  name: "wasm-module",
  setup(build) {
    build.onResolve({ filter: /core\.wasm$/ }, () => ({ path: "./core.wasm", external: true }));
  },
};

/**
 * A bundle must never import a runtime's built-in module (`node:*`, `cloudflare:*`) statically: that
 * breaks the other runtimes and every bundler that resolves the bundle. With `staticImports: false`
 * it may import nothing statically at all; no source matching `leaveOut` may be in it.
 */
async function bundle(entry, outfile, { staticImports = true, leaveOut = [], ...options }) {
  const result = await build({
    entryPoints: Array.isArray(entry) ? entry : [entry],
    ...(outfile !== undefined ? { outfile } : {}),
    bundle: true,
    format: "esm",
    target: "es2022",
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    ...options,
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  const platformImports = imports.filter((i) => /^(node|cloudflare):/.test(i.path));
  if (platformImports.length > 0) {
    throw new Error(`${outfile} imports ${platformImports.map((i) => i.path).join(", ")}: load them at run time`);
  }
  const included = Object.keys(result.metafile.inputs).filter((input) => leaveOut.some((re) => re.test(input)));
  if (included.length > 0) throw new Error(`${outfile} must leave out ${included.join(", ")}`);
  // `staticImports: false`: the file must load alone (what it imports, it imports on first use).
  const loaded = imports.filter((i) => i.kind !== "dynamic-import");
  if (!staticImports && loaded.length > 0) {
    throw new Error(`${outfile} imports ${loaded.map((i) => i.path).join(", ")} statically: it must load alone`);
  }
  return outfile !== undefined ? readFile(outfile) : undefined;
}

// The net and process adapters load on first use (host/platform/_lazy_io.ts):
// dist/spindle.js leaves their import()s to files of their own in
// dist/chunks/, so importing spindle does not parse them. Not esbuild's code
// splitting: it moves what the adapters share with the main file (errors.ts)
// into chunks the main file imports statically, and each extra module costs
// Node about 0.4 ms to load. The chunks import the error classes from
// dist/spindle.js instead, so there is one RuntimeError class.
const LAZY_ADAPTERS = ["net_node", "net_deno", "net_bun", "net_workerd", "process_node", "process_deno", "process_bun"];
const lazyAdaptersExternal = {
  name: "lazy-adapters-external",
  setup(build) {
    build.onResolve({ filter: /^\.\/(net|process)_\w+\.ts$/ }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const name = args.path.slice(2, -3);
      if (!LAZY_ADAPTERS.includes(name)) throw new Error(`${args.path}: not a lazy adapter this build knows`);
      return { path: `./chunks/${name}.js`, external: true };
    });
  },
};
const errorsFromMain = {
  name: "errors-from-main",
  setup(build) {
    build.onResolve({ filter: /\/errors\.ts$/ }, () => ({ path: "../spindle.js", external: true }));
  },
};
await bundle("host/mod.ts", join(DIST, "spindle.js"), {
  platform: "neutral",
  plugins: [lazyAdaptersExternal],
  staticImports: false,
});
await bundle(LAZY_ADAPTERS.map((name) => `host/platform/${name}.ts`), undefined, {
  platform: "neutral",
  splitting: true,
  outdir: join(DIST, "chunks"),
  entryNames: "[name]",
  chunkNames: "shared-[hash]",
  plugins: [errorsFromMain],
});
const browser = await bundle("host/mod.ts", join(DIST, "spindle.browser.js"), { platform: "browser", minify: true });
// workerd's core is core.wasm: the embedded cores (host/_core_embedded.ts) must stay out.
await bundle("host/workerd.ts", join(DIST, "spindle.workerd.js"), {
  platform: "neutral",
  conditions: ["workerd", "worker"],
  plugins: [wasmModule],
  leaveOut: [/host\/_core_wasm\.ts$/, /host\/_core_fallback\.ts$/],
});
await copyFile("build/core.wasm", join(DIST, "core.wasm"));

// Declarations: tsc writes .d.ts files that import "./x.ts"; consumers resolve "./x.js" to x.d.ts.
execFileSync("node_modules/.bin/tsc", ["-p", "assembly/tsconfig.types.json"], { stdio: "inherit" });
const typesDir = join(DIST, "types");
for (const file of await readdir(typesDir, { recursive: true })) {
  if (!file.endsWith(".d.ts")) continue;
  const path = join(typesDir, file);
  const text = await readFile(path, "utf8");
  let rewritten = text.replace(/(from\s+"\.{1,2}\/[^"]*?)\.ts"/g, '$1.js"');
  // Locks and semaphores are Disposable: the entry points bring that lib along.
  if (file === "mod.d.ts" || file === "workerd.d.ts") {
    rewritten = `/// <reference lib="esnext.disposable" />\n${rewritten}`;
  }
  await writeFile(path, rewritten);
}

const core = await readFile("build/core.wasm");
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  `size budget: core.wasm ${kb(core.length)} (${kb(gzipSync(core).length)} gzipped); ` +
    `browser bundle ${kb(browser.length)} (${kb(gzipSync(browser).length)} gzipped, core embedded twice: ` +
    `WebAssembly bytes and the JavaScript fallback)`,
);
