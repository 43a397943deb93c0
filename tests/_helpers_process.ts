/**
 * Runs a fixture program (tests/fixtures/*.ts) as a real child process on
 * the runtime running the test, and lets the test react to its output.
 * Tests wait for output, never for time; the limit only stops a broken
 * child from hanging the suite.
 *
 * @module
 */

import { spawn } from "node:child_process";

/** Only a bound so a broken child cannot hang the suite. */
const CHILD_LIMIT_MS = 60_000;

/** How to start `fixture` (a path under tests/fixtures) on the runtime running this test. */
export async function fixtureCommand(fixture: string, args: string[]): Promise<{ cmd: string; args: string[] }> {
  const g = globalThis as { Deno?: { execPath(): string }; Bun?: unknown };
  if (g.Deno !== undefined) return { cmd: g.Deno.execPath(), args: ["run", "-A", fixture, ...args] };
  if (g.Bun !== undefined) return { cmd: process.execPath, args: ["run", fixture, ...args] };
  // Node 20 cannot strip types: bundle the fixture as tests/tools/run.mjs bundles the tests.
  const { build } = await import("esbuild");
  const outfile = fixture.replace(/^tests\//, "tests/.out/").replace(/\.ts$/, ".mjs");
  await build({
    entryPoints: [fixture],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
  return { cmd: process.execPath, args: [outfile, ...args] };
}

/** What a fixture run produced. */
export interface ChildOutcome {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

/**
 * Runs `fixture` and calls `onStdout(all output so far, pid)` on each chunk
 * it prints, so the test can send it signals at the right moment.
 */
export async function runFixture(
  fixture: string,
  args: string[],
  onStdout: (stdout: string, pid: number) => void,
): Promise<ChildOutcome> {
  const { cmd, args: argv } = await fixtureCommand(fixture, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, CHILD_LIMIT_MS);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (child.pid !== undefined) onStdout(stdout, child.pid);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      resolve({ stdout, stderr, code, signal, timedOut });
    });
  });
}
