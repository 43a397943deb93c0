/**
 * The cores the main entry (mod.ts) carries: the WebAssembly core as base64
 * (release and debug builds) and the JavaScript fallback, for loops made
 * where no core module was given. workerd's entry (workerd.ts) leaves them
 * out: its core comes from core.wasm, and every isolate would parse about
 * 70 KB it never runs.
 *
 * @module
 */

import { setEmbeddedCores } from "./_core.ts";
import { createFallbackCore } from "./_core_fallback.ts";
import { coreDebugWasmBase64, coreWasmBase64 } from "./_core_wasm.ts";

setEmbeddedCores({ wasmBase64: coreWasmBase64, debugWasmBase64: coreDebugWasmBase64, createFallbackCore });
