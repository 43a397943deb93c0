/**
 * Net and process adapters that import their code on first use.
 *
 * Those adapters are most of the platform layer's code, and every process
 * that imports spindle parses what it imports (W8, cold start: about 1 ms per
 * 50 KB on this machine), while most programs never open a socket or start a
 * child. Their methods are asynchronous already, so waiting for the import
 * first changes no contract. In dist/spindle.js (code splitting) each adapter
 * is a chunk of its own; single-file bundles keep them inline, evaluated on
 * first use.
 *
 * @module
 */

import type { NetAdapter, ProcessAdapter } from "./io_types.ts";

// The methods `return await` the real call: that attaches a handler to its
// promise at once, where returning it would leave a rejection unhandled for
// a microtask (workerd with 2024 compatibility dates reports that).

/** A NetAdapter whose first call imports the real one with `load`. */
export function lazyNet(load: () => Promise<NetAdapter>): NetAdapter {
  let adapter: Promise<NetAdapter> | undefined;
  return {
    async connect(host, port, options) {
      const net = await (adapter ??= load());
      return await net.connect(host, port, options);
    },
    async listen(host, port, onConnection) {
      const net = await (adapter ??= load());
      return await net.listen(host, port, onConnection);
    },
  };
}

/** A ProcessAdapter whose first call imports the real one with `load`. */
export function lazyProcesses(load: () => Promise<ProcessAdapter>): ProcessAdapter {
  let adapter: Promise<ProcessAdapter> | undefined;
  return {
    async spawn(command, args, options) {
      const processes = await (adapter ??= load());
      return await processes.spawn(command, args, options);
    },
  };
}
