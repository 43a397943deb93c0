// Bundles the edge example for workerd: `node examples/edge/build.mjs <outdir>`
// writes <outdir>/worker.js, core.wasm and config.capnp; then
// `UPSTREAM_URL=http://127.0.0.1:8000 npx workerd serve <outdir>/config.capnp`.
// Needs `npm run build` first (it writes build/core.wasm).
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/** Writes the worker bundle, the core and the config into `outdir`. */
export async function buildEdgeExample(outdir) {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, "worker.ts")],
    outfile: join(outdir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker"],
    target: "es2022",
    logLevel: "warning",
    plugins: [{
      name: "core-wasm-module",
      setup(b) {
        // workerd compiles the core when it loads the worker: keep it a module import.
        b.onResolve({ filter: /core\.wasm$/ }, () => ({ path: "./core.wasm", external: true }));
      },
    }],
  });
  await copyFile(join(here, "..", "..", "build", "core.wasm"), join(outdir, "core.wasm"));
  await copyFile(join(here, "config.capnp"), join(outdir, "config.capnp"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2];
  if (outdir === undefined) {
    console.error("usage: node examples/edge/build.mjs <outdir>");
    process.exit(2);
  }
  await buildEdgeExample(outdir);
  console.log(`built ${outdir}: UPSTREAM_URL=http://127.0.0.1:8000 npx workerd serve ${join(outdir, "config.capnp")}`);
}
