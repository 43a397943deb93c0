/**
 * A macrotask queue over one MessageChannel, for hosts without
 * `setImmediate` (Deno, browsers). The channel exists only while callbacks
 * are queued: an open port with a handler keeps Deno and Node alive, and a
 * finished program must be able to exit.
 *
 * @module
 */

let channel: MessageChannel | null = null;
const queue: (() => void)[] = [];

function deliver(): void {
  const fn = queue.shift();
  if (queue.length === 0 && channel !== null) {
    channel.port1.close();
    channel = null;
  }
  fn?.();
}

/** Runs `fn` on the next macrotask (FIFO with other queued callbacks). */
export function messageChannelMacrotask(fn: () => void): void {
  queue.push(fn);
  if (channel === null) {
    channel = new MessageChannel();
    channel.port1.onmessage = deliver;
  }
  channel.port2.postMessage(null);
}
