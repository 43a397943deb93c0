/**
 * Types for `import mod from "./x.wasm"`: runtimes and bundlers that load
 * WebAssembly as a module (workerd, Vercel Edge, wrangler's esbuild) hand
 * over a compiled `WebAssembly.Module`, not bytes.
 *
 * @module
 */

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
