/**
 * Browsers and other web-like hosts: a MessageChannel for macrotasks, no
 * process signals, no environment.
 *
 * @module
 */

import { messageChannelMacrotask } from "./_message_channel.ts";
import type { HostTimer, Platform } from "./types.ts";
import { webWorkers } from "./worker_web.ts";

export const webPlatform: Platform = {
  name: "browser",
  macrotask: messageChannelMacrotask,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (timer: HostTimer) => clearTimeout(timer as number),
  onInterrupt: () => undefined,
  onSignal: () => undefined,
  interruptDefault() {},
  env: () => undefined,
  net: undefined,
  processes: undefined,
  workers: webWorkers,
  files: undefined,
};
