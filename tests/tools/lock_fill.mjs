// Fills package-lock.json with the optional platform packages that npm
// could not resolve here: this machine's registry mirror lacks deno's and
// workerd's darwin/windows/arm builds (404), so `npm install` leaves them out of the
// lock, and `npm ci` then refuses the lock as out of sync. Each missing
// optional dependency is recorded with its os/cpu from the parent's
// platform table, so `npm ci` skips it on other platforms without fetching.
// Run after `npm install` changes the lock: `node tests/tools/lock_fill.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

// deno's and workerd's optional packages: name suffix → [os, cpu, libc?]
const PLATFORMS = {
  "darwin-64": ["darwin", "x64"],
  "linux-64": ["linux", "x64"],
  "linux-arm64": ["linux", "arm64"],
  "windows-64": ["win32", "x64"],
  "darwin-arm64": ["darwin", "arm64"],
  "darwin-x64": ["darwin", "x64"],
  "linux-arm64-glibc": ["linux", "arm64", "glibc"],
  "linux-x64-glibc": ["linux", "x64", "glibc"],
  "win32-arm64": ["win32", "arm64"],
  "win32-x64": ["win32", "x64"],
};

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages;
let added = 0;
for (const entry of Object.values(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // Only deno's and workerd's platform builds are known to be missing from the mirror.
    if (!name.startsWith("@deno/") && !name.startsWith("@cloudflare/workerd-")) continue;
    const key = `node_modules/${name}`;
    if (packages[key] !== undefined) continue;
    const platform = PLATFORMS[(name.split("/")[1] ?? "").replace(/^workerd-/, "")];
    if (platform === undefined) {
      console.error(`${name} is missing from the lock and has no known platform: add it to PLATFORMS`);
      process.exitCode = 1;
      continue;
    }
    const [os, cpu, libc] = platform;
    packages[key] = {
      version,
      cpu: [cpu],
      dev: entry.dev ?? false,
      ...(libc ? { libc: [libc] } : {}),
      license: entry.license,
      optional: true,
      os: [os],
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log(`lock_fill: ${added} optional platform package(s) added`);
