/**
 * The script of the pages tests/tools/browser.mjs opens in Chromium. It
 * checks the page itself (which core spindle picked, whether the page lets
 * code compile WebAssembly), then imports each bundled test file in turn and
 * runs what it registered through the node:test shim, one file at a time.
 *
 * It talks to the runner in two ways: a console line `@@spindle <json>` per
 * finished file (so a hang still shows how far the run got), and the
 * promise `globalThis.spindleReport`, which settles with every file's
 * results and never rejects.
 *
 * The page's query names what the runner expects: `SPINDLE_CORE=js` on the
 * page whose Content-Security-Policy refuses WebAssembly. spindle never
 * reads it; it must pick that core by itself.
 *
 * @module
 */

import { coreKind } from "../../host/mod.ts";
import { describeError, runRegisteredTests, test, type TestResult } from "../shims/node_test.ts";
import assert from "../shims/node_assert.ts";

/** What the runner writes to manifest.json. */
interface Manifest {
  /** Test files in run order: the source path (for reports) and the bundle's URL. */
  files: { name: string; url: string }[];
  /** The per-test limit, in milliseconds. */
  timeoutMs: number;
}

/** One file's outcome, as the runner prints it. */
export interface FileReport {
  file: string;
  passed: number;
  failed: number;
  results: TestResult[];
  ms: number;
}

/** The whole page's outcome. */
export interface PageReport {
  core: string;
  userAgent: string;
  files: FileReport[];
}

/** The smallest valid WebAssembly module: its header. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function compileRefused(): boolean {
  try {
    new WebAssembly.Module(EMPTY_MODULE);
    return false;
  } catch {
    return true;
  }
}

/** The page's own checks: they make a passing CSP page prove the fallback, not just a passing suite. */
function registerPageChecks(expected: "wasm" | "js"): void {
  if (expected === "js") {
    test("the page's Content-Security-Policy refuses to compile WebAssembly", () => {
      assert.equal(compileRefused(), true, "WebAssembly compiled: the CSP header did not take effect");
    });
    test("spindle picked its JavaScript fallback core by itself", () => {
      assert.equal(coreKind(), "js");
    });
  } else {
    test("the page lets code compile WebAssembly", () => {
      assert.equal(compileRefused(), false);
    });
    test("spindle runs on its WebAssembly core", () => {
      assert.equal(coreKind(), "wasm");
    });
  }
}

function report(file: FileReport): void {
  console.log(`@@spindle ${JSON.stringify(file)}`);
}

async function runFile(name: string, load: () => Promise<unknown>, timeoutMs: number): Promise<FileReport> {
  const started = performance.now();
  const results: TestResult[] = [];
  try {
    await load();
  } catch (error) {
    // A file that cannot load still runs what it registered before failing.
    results.push({ name: "loading the file", ok: false, error: describeError(error), ms: 0 });
  }
  const summary = await runRegisteredTests({ timeoutMs });
  results.push(...summary.results);
  const failed = results.filter((result) => !result.ok).length;
  const file = { file: name, passed: results.length - failed, failed, results, ms: performance.now() - started };
  report(file);
  return file;
}

async function main(): Promise<PageReport> {
  const expected = new URLSearchParams(location.search).get("SPINDLE_CORE") === "js" ? "js" : "wasm";
  const files: FileReport[] = [];
  try {
    const response = await fetch("./manifest.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
    const manifest = await response.json() as Manifest;
    files.push(await runFile("[page checks]", () => Promise.resolve(registerPageChecks(expected)), manifest.timeoutMs));
    for (const { name, url } of manifest.files) {
      files.push(await runFile(name, () => import(url), manifest.timeoutMs));
    }
  } catch (error) {
    const failure = { name: "running the page", ok: false, error: describeError(error), ms: 0 };
    const file = { file: "[page]", passed: 0, failed: 1, results: [failure], ms: 0 };
    report(file);
    files.push(file);
  }
  return { core: coreKind(), userAgent: navigator.userAgent, files };
}

(globalThis as { spindleReport?: Promise<PageReport> }).spindleReport = main();
