/**
 * spindle: Python's asyncio for TypeScript, on every JavaScript runtime.
 * This module only re-exports the API (_api.ts: each concept lives in its
 * own file), and brings the cores loops run where no core module is given:
 * the WebAssembly core as bytes and the JavaScript fallback.
 *
 * @module
 */

import "./_core_embedded.ts";

export * from "./_api.ts";
