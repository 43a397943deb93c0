/**
 * The host's side of the WebAssembly core (assembly/index.ts): loading,
 * typed-array views over its memory, and the command inbox.
 *
 * Ground rules
 * - The compiled module is made once per process and shared; every loop
 *   instantiates its own core (its own memory, its own tables).
 * - Where WebAssembly is missing or refused (a CSP without
 *   'wasm-unsafe-eval' makes compiling throw), or SPINDLE_CORE=js, loops run
 *   the JavaScript fallback core: the same release build through wasm2js,
 *   with the same exports. coreKind() says which one runs.
 * - The main entry brings the WebAssembly core's bytes and the fallback
 *   (_core_embedded.ts); workerd's entry brings neither and injects its
 *   module with setCoreModule().
 * - Per-task requests are stores into the inbox view, never calls; the
 *   next call into the core applies them in order. Calls that may allocate
 *   (alloc, tick, flush, armTimer) can grow memory, which detaches every
 *   view, so each is followed by refresh().
 *
 * @module
 */

import { RuntimeError } from "./errors.ts";
import { describe } from "./operation.ts";
import { platform } from "./platform/detect.ts";

/** The core's exports (assembly/index.ts documents each). */
interface CoreExports {
  readonly memory: WebAssembly.Memory;
  inboxPtr(): number;
  payloadPtr(): number;
  outboxPtr(): number;
  statusPtr(): number;
  statsPtr(): number;
  inboxCapacity(): number;
  init(shuffle: number, seed: number): void;
  alloc(kind: number): number;
  armTimer(index: number, gen: number, deadline: number, pending: number): number;
  cancelCallback(index: number, gen: number, pending: number): number;
  tick(now: number, pending: number, max: number): number;
  drainMore(max: number): number;
  flush(pending: number): void;
  stats(pending: number): void;
  listAlloc(): number;
  wakeFirst(index: number, gen: number, pending: number): number;
  removeWaiter(index: number, gen: number, pending: number): number;
  wakeSleeper(index: number, gen: number, pending: number): number;
  deadlineOf(index: number, gen: number, pending: number): number;
}

/** Slot kinds (assembly/slots.ts). */
export const KIND_TASK = 1;
export const KIND_CALLBACK = 2;

/** Inbox opcodes, pre-shifted into the top byte of a command word (assembly/index.ts). */
export const OP_SCHEDULE = 1 << 24;
export const OP_START = 2 << 24;
export const OP_SUSPEND = 3 << 24;
export const OP_SLEEP = 4 << 24;
export const OP_FINISH = 5 << 24;
export const OP_FINISH_CANCELLED = 6 << 24;
export const OP_WAIT = 8 << 24;
/** OP_FINISH, and the task's slot becomes the ready entry that runs its done callbacks. */
export const OP_FINISH_NOTIFY = 9 << 24;
export const OP_FINISH_CANCELLED_NOTIFY = 10 << 24;

/** Error codes (assembly/errors.ts) and what they mean to a user. */
const ERROR_TEXT: Record<number, string> = {
  [-1]: "the handle does not name a slot",
  [-2]: "the handle is stale: its task or callback has already finished",
  [-3]: "the transition is not allowed in the slot's current state",
  [-4]: "the operation does not apply to this kind of slot",
  [-5]: "the task table is full (16,777,215 live tasks and callbacks)",
  [-6]: "the command is unknown",
  [-7]: "the deadline is NaN",
};

/** STATUS cells (assembly/index.ts). */
const S_READY = 0;
const S_TIMERS = 1;
const S_ERRORS = 2;
const S_LAST_ERROR = 3;
const S_LAST_ERROR_INDEX = 4;
const S_LAST_ERROR_OP = 5;
const S_ALLOC_GEN = 6;
const S_LIST_GEN = 7;
const S_NEXT_DEADLINE_F64 = 8; // byte 64 as an f64 index

let compiled: WebAssembly.Module | undefined;
let compiledDebug: WebAssembly.Module | undefined;
/** setCoreModule() gave the module: debug mode runs it too (there are no debug build bytes to compile). */
let injected = false;

/** @internal true when setCoreModule() gave the core (debug loops then run the release build) */
export function coreInjected(): boolean {
  return injected;
}

/** The cores an entry carries, for loops made where no module was given (see _core_embedded.ts). */
export interface EmbeddedCores {
  /** The release core, base64. */
  readonly wasmBase64: string;
  /** The build that checks the core's assertions (debug mode), base64. */
  readonly debugWasmBase64: string;
  /** A new instance of the JavaScript fallback core. */
  readonly createFallbackCore: (env: { abort(): never }) => unknown;
}

let embedded: EmbeddedCores | null = null;

/** @internal called once by the main entry (_core_embedded.ts) */
export function setEmbeddedCores(cores: EmbeddedCores): void {
  embedded = cores;
}

function embeddedCores(): EmbeddedCores {
  if (embedded === null) {
    throw new RuntimeError(
      "spindle has no core to run: this entry carries none (workerd's gets it from core.wasm), " +
        "so call setCoreModule() with the compiled core.wasm before making a loop",
    );
  }
  return embedded;
}

/** What loops call on a core: a module given to setCoreModule() must export all of it (the type lists every name). */
const CORE_EXPORTS: Record<keyof CoreExports, true> = {
  memory: true,
  inboxPtr: true,
  payloadPtr: true,
  outboxPtr: true,
  statusPtr: true,
  statsPtr: true,
  inboxCapacity: true,
  init: true,
  alloc: true,
  armTimer: true,
  cancelCallback: true,
  tick: true,
  drainMore: true,
  flush: true,
  stats: true,
  listAlloc: true,
  wakeFirst: true,
  removeWaiter: true,
  wakeSleeper: true,
  deadlineOf: true,
};

/**
 * Uses `module` as the core for loops created from now on, for platforms
 * that forbid compiling WebAssembly from bytes at run time (workerd).
 *
 * @throws {TypeError} when `module` is not a WebAssembly.Module of spindle's core.wasm
 */
export function setCoreModule(module: WebAssembly.Module): void {
  if (typeof WebAssembly !== "object" || !(module instanceof WebAssembly.Module)) {
    throw new TypeError(`setCoreModule() needs spindle's core.wasm as a WebAssembly.Module, got ${describe(module)}`);
  }
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = Object.keys(CORE_EXPORTS).filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new TypeError(
      `setCoreModule() got a WebAssembly.Module that is not spindle's core.wasm: it does not export ${
        missing.join(", ")
      }`,
    );
  }
  compiled = module;
  injected = true;
  kind = "wasm";
}

/** Which core loops run: "wasm", or "js" for the JavaScript fallback. */
export type CoreKind = "wasm" | "js";

let kind: CoreKind | undefined;

/** Which core loops created now run (decided once per process, on first use). */
export function coreKind(): CoreKind {
  if (kind !== undefined) return kind;
  if (platform.env("SPINDLE_CORE") === "js" || typeof WebAssembly !== "object") return kind = "js";
  const cores = embeddedCores();
  try {
    compiled ??= compile(cores.wasmBase64);
    kind = "wasm";
  } catch {
    kind = "js"; // compiling refused (CompileError under a CSP without 'wasm-unsafe-eval')
  }
  return kind;
}

function compile(base64: string): WebAssembly.Module {
  return new WebAssembly.Module(decodeBase64(base64));
}

/**
 * The embedded core's bytes. Decoding is part of every process's first
 * run(), and atob plus a copy loop took 1.1-2.3 ms on Deno, 0.7 on Bun and
 * 0.4 on Node, against 0.03-0.1 ms natively (W8, cold start).
 */
function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const fromBase64 = (Uint8Array as { fromBase64?: (text: string) => Uint8Array<ArrayBuffer> }).fromBase64;
  if (typeof fromBase64 === "function") return fromBase64.call(Uint8Array, base64);
  if (platform.decodeBase64 !== undefined) return platform.decodeBase64(base64);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The release core, or in debug mode the build that checks its assertions
 * (unless setCoreModule() gave the core). coreKind() compiles the release
 * build first, to learn whether bytes may be compiled at all, so `compiled`
 * is set by then: it does not tell whether the module was given.
 */
function coreModule(debug: boolean): WebAssembly.Module {
  if (debug && !injected) return compiledDebug ??= compile(embeddedCores().debugWasmBase64);
  return compiled ??= compile(embeddedCores().wasmBase64);
}

function abort(): never {
  throw new RuntimeError("spindle's core failed an internal assertion: please report this as a bug");
}

/** Raw figures from the core for loop.stats(). */
export interface CoreStats {
  readonly tasksByState: { created: number; ready: number; running: number; waiting: number };
  readonly callbacks: number;
  readonly ready: number;
  readonly timers: number;
  readonly steps: number;
  readonly tasksCreated: number;
  readonly tasksDone: number;
  readonly tasksCancelled: number;
  readonly slotCapacity: number;
  readonly waitLists: number;
}

/**
 * The core's exports in a plain object of one shape. An instance's exports
 * object is a dictionary (V8 gives it slow properties, and on Deno a map of
 * its own per instance), so every call through it was a hash lookup, and
 * call sites that saw a few loops' cores went megamorphic.
 */
function withFastProperties(x: CoreExports): CoreExports {
  return {
    memory: x.memory,
    inboxPtr: x.inboxPtr,
    payloadPtr: x.payloadPtr,
    outboxPtr: x.outboxPtr,
    statusPtr: x.statusPtr,
    statsPtr: x.statsPtr,
    inboxCapacity: x.inboxCapacity,
    init: x.init,
    alloc: x.alloc,
    armTimer: x.armTimer,
    cancelCallback: x.cancelCallback,
    tick: x.tick,
    drainMore: x.drainMore,
    flush: x.flush,
    stats: x.stats,
    listAlloc: x.listAlloc,
    wakeFirst: x.wakeFirst,
    removeWaiter: x.removeWaiter,
    wakeSleeper: x.wakeSleeper,
    deadlineOf: x.deadlineOf,
  };
}

/** A closed loop's core: its instance went back to the pool, and nothing it is asked can reach it. */
const RELEASED: CoreExports = withFastProperties({
  memory: { buffer: new ArrayBuffer(0) } as WebAssembly.Memory,
  inboxPtr: () => 0,
  payloadPtr: () => 0,
  outboxPtr: () => 0,
  statusPtr: () => 0,
  statsPtr: () => 0,
  inboxCapacity: () => 0,
  init: () => {},
  alloc: () => released(),
  armTimer: () => released(),
  cancelCallback: () => released(),
  tick: () => 0,
  drainMore: () => 0,
  flush: () => {},
  stats: () => {},
  listAlloc: () => released(),
  wakeFirst: () => released(),
  removeWaiter: () => released(),
  wakeSleeper: () => released(),
  deadlineOf: () => -1,
});

/** What released cores' views look at (see Core.#viewReleased), made on the first release. */
let releasedBuffer: ArrayBuffer | null = null;

function released(): never {
  throw new RuntimeError("Event loop is closed: its core was released");
}

/** An idle core instance, kept for the next loop. */
interface PooledCore {
  readonly x: CoreExports;
  readonly kind: CoreKind;
  readonly debug: boolean;
}

/**
 * Instances of closed loops' cores, for the next loops: an instance costs
 * 0.2-1.5 ms to make (Bun, Node) and run() makes a loop each time (an edge
 * function, per request). Few, and small ones only: an idle instance keeps
 * its linear memory.
 */
const pool: PooledCore[] = [];
const POOL_SIZE = 2;
const POOL_MAX_BYTES = 16 * 1024 * 1024;

function takePooled(kind: CoreKind, debug: boolean): CoreExports | null {
  const at = pool.findIndex((p) => p.kind === kind && p.debug === debug);
  if (at < 0) return null;
  return pool.splice(at, 1)[0]!.x;
}

/** One loop's core instance and the views over its memory. */
export class Core {
  #x: CoreExports;
  readonly #debug: boolean;
  #buffer: ArrayBuffer | undefined;
  /** Commands written since the last call into the core. */
  pending = 0;
  /** Commands written since the last call that may make work ready (OP_SCHEDULE). */
  pendingReady = 0;
  /** Sleep commands written since the last call (they arm timers). */
  pendingSleeps = 0;
  readonly #capacity: number;
  inbox!: Uint32Array;
  payload!: Float64Array;
  #payloadU32!: Uint32Array;
  outbox!: Uint32Array;
  #status: Int32Array | undefined;
  #statusU32!: Uint32Array;
  #statusF64!: Float64Array;
  #stats!: Float64Array;
  #errorsSeen = 0;

  /** Which core this is. */
  readonly kind: CoreKind;
  /** @internal the build that checks the core's assertions (a debug loop's WebAssembly core, from bytes) */
  readonly checksAssertions: boolean;

  constructor(shuffle: boolean, seed: number, debug = false) {
    this.kind = coreKind();
    this.#debug = debug;
    this.checksAssertions = this.kind === "wasm" && debug && !injected;
    const pooled = takePooled(this.kind, debug);
    if (pooled !== null) {
      this.#x = pooled;
    } else if (this.kind === "wasm") {
      const instance = new WebAssembly.Instance(coreModule(debug), { env: { abort } });
      this.#x = withFastProperties(instance.exports as unknown as CoreExports);
    } else {
      this.#x = withFastProperties(embeddedCores().createFallbackCore({ abort }) as CoreExports);
    }
    this.#capacity = this.#x.inboxCapacity();
    this.#x.init(shuffle ? 1 : 0, seed >>> 0);
    this.refresh();
  }

  /**
   * Gives the instance back for another loop (the loop closed): from now on
   * this core answers nothing. An instance that rejected a command, whose
   * memory grew large, or (not `reusable`) whose loop broke, is dropped
   * instead.
   */
  release(reusable = true): void {
    const x = this.#x;
    if (x === RELEASED) return;
    this.#x = RELEASED;
    this.#buffer = undefined;
    this.#status = undefined;
    this.pending = this.pendingReady = this.pendingSleeps = 0;
    this.refresh();
    if (
      reusable && this.#errorsSeen === 0 && x.memory.buffer.byteLength <= POOL_MAX_BYTES && pool.length < POOL_SIZE
    ) {
      pool.push({ x, kind: this.kind, debug: this.#debug });
    }
  }

  /**
   * Re-derives the views when memory grew. memory.grow detaches the old
   * buffer, and a view of a detached buffer has length 0: checking one
   * view's length is a plain load, where reading memory.buffer is a call.
   */
  refresh(): void {
    // The fallback core replaces its ArrayBuffer on growth without detaching the old one.
    if (this.#status !== undefined && this.#status.length !== 0 && this.kind === "wasm") return;
    if (this.#x === RELEASED) {
      if (this.#buffer === undefined) this.#viewReleased(); // once: these views never move
      return;
    }
    const buffer = this.#x.memory.buffer;
    if (buffer === this.#buffer) return;
    this.#buffer = buffer;
    const x = this.#x;
    this.inbox = new Uint32Array(buffer, x.inboxPtr(), this.#capacity * 2);
    this.payload = new Float64Array(buffer, x.payloadPtr(), this.#capacity);
    this.#payloadU32 = new Uint32Array(buffer, x.payloadPtr(), this.#capacity * 2);
    this.outbox = new Uint32Array(buffer, x.outboxPtr(), 4096);
    this.#status = new Int32Array(buffer, x.statusPtr(), 16);
    this.#statusU32 = new Uint32Array(buffer, x.statusPtr(), 16);
    this.#statusF64 = new Float64Array(buffer, x.statusPtr(), 10);
    this.#stats = new Float64Array(buffer, x.statsPtr(), 32);
  }

  /**
   * A released core's views: over a buffer of their own, where a closed
   * loop's stray commands land harmlessly and the status reads "idle".
   */
  #viewReleased(): void {
    const capacity = this.#capacity;
    const bytes = capacity * 16 + 4096 * 4 + 80 + 32 * 8;
    // One buffer for every released core: only stray commands land in it, and nothing writes its status.
    if (releasedBuffer === null || releasedBuffer.byteLength < bytes) releasedBuffer = new ArrayBuffer(bytes);
    const buffer = releasedBuffer;
    this.#buffer = buffer;
    let at = 0;
    this.inbox = new Uint32Array(buffer, at, capacity * 2);
    this.payload = new Float64Array(buffer, at += capacity * 8, capacity);
    this.#payloadU32 = new Uint32Array(buffer, at, capacity * 2);
    this.outbox = new Uint32Array(buffer, at += capacity * 8, 4096);
    this.#status = new Int32Array(buffer, at += 4096 * 4, 16);
    this.#statusU32 = new Uint32Array(buffer, at, 16);
    this.#statusF64 = new Float64Array(buffer, at, 10);
    this.#statusF64[S_NEXT_DEADLINE_F64] = -1; // no timer
    this.#stats = new Float64Array(buffer, at + 80, 32);
  }

  /** Queues a command for slot (index, gen); applied in order by the next call. */
  command(op: number, index: number, gen: number): void {
    let at = this.pending;
    if (at === this.#capacity) {
      this.flush();
      at = 0;
    }
    this.inbox[at * 2] = op | index;
    this.inbox[at * 2 + 1] = gen;
    this.pending = at + 1;
  }

  /** Queues OP_SCHEDULE: the slot becomes ready (first step, yield, wake-up, callSoon). */
  schedule(index: number, gen: number): void {
    let at = this.pending;
    if (at === this.#capacity) {
      this.flush();
      at = 0;
    }
    this.inbox[at * 2] = OP_SCHEDULE | index;
    this.inbox[at * 2 + 1] = gen;
    this.pending = at + 1;
    this.pendingReady++;
  }

  /**
   * Queues OP_FINISH_NOTIFY: the running task ends, and its slot becomes
   * the ready entry that runs its done callbacks.
   */
  finishNotify(index: number, gen: number, cancelled: boolean): void {
    this.command(cancelled ? OP_FINISH_CANCELLED_NOTIFY : OP_FINISH_NOTIFY, index, gen);
    this.pendingReady++;
  }

  /** Queues OP_SLEEP: the running task waits until `deadline`. */
  sleep(index: number, gen: number, deadline: number): void {
    let at = this.pending;
    if (at === this.#capacity) {
      this.flush();
      at = 0;
    }
    this.inbox[at * 2] = OP_SLEEP | index;
    this.inbox[at * 2 + 1] = gen;
    this.payload[at] = deadline;
    this.pending = at + 1;
    this.pendingSleeps++;
  }

  /** Queues OP_WAIT: the running task joins the tail of wait list (list, listGen). */
  waitIn(index: number, gen: number, list: number, listGen: number): void {
    let at = this.pending;
    if (at === this.#capacity) {
      this.flush();
      at = 0;
    }
    this.inbox[at * 2] = OP_WAIT | index;
    this.inbox[at * 2 + 1] = gen;
    this.#payloadU32[at * 2] = list;
    this.#payloadU32[at * 2 + 1] = listGen;
    this.pending = at + 1;
  }

  /** Takes an empty wait list; returns its index and leaves its generation in listGen(). */
  listAlloc(): number {
    const index = this.#x.listAlloc();
    this.refresh();
    if (index < 0) throw new RuntimeError(`Cannot form a wait line: ${ERROR_TEXT[index]}`);
    return index;
  }

  /** Generation of the list the last listAlloc() returned. */
  listGen(): number {
    return this.#statusU32[S_LIST_GEN]!;
  }

  /** Wakes the first waiter of a list; returns its slot (0 if none). */
  wakeFirst(list: number, listGen: number): number {
    const pending = this.#takePending();
    const slot = this.#x.wakeFirst(list, listGen, pending);
    this.#afterDirect(slot);
    return slot;
  }

  /** Wakes a sleeping task early: true if its sleep was cut short, false if its timer had fired. */
  wakeSleeper(index: number, gen: number): boolean {
    const pending = this.#takePending();
    const result = this.#x.wakeSleeper(index, gen, pending);
    this.#afterDirect(result);
    return result === 1;
  }

  /** When slot (index, gen)'s timer fires (a sleeping task's wake-up), or -1 when it has none. */
  deadlineOf(index: number, gen: number): number {
    const pending = this.#takePending();
    const deadline = this.#x.deadlineOf(index, gen, pending);
    this.refresh();
    this.#checkRejected();
    return deadline;
  }

  /** Takes a waiting task out of its list, making it ready. */
  removeWaiter(index: number, gen: number): void {
    const pending = this.#takePending();
    this.#afterDirect(this.#x.removeWaiter(index, gen, pending));
  }

  #afterDirect(code: number): void {
    this.refresh();
    this.#checkRejected();
    if (code < 0) {
      throw new RuntimeError(
        `spindle's core refused to wake a task: ${ERROR_TEXT[code]}; please report this as a bug`,
      );
    }
  }

  /** Takes a slot of `kind`; returns its index and leaves its generation in allocGen(). */
  alloc(kind: number): number {
    const index = this.#x.alloc(kind);
    this.refresh();
    if (index < 0) throw new RuntimeError(`Cannot create a task or callback: ${ERROR_TEXT[index]}`);
    return index;
  }

  /** Generation of the slot the last alloc() returned. */
  allocGen(): number {
    return this.#statusU32[S_ALLOC_GEN]!;
  }

  /** Arms a callback slot's timer; returns the core's code (0 = OK). */
  armTimer(index: number, gen: number, deadline: number): number {
    const pending = this.#takePending();
    const code = this.#x.armTimer(index, gen, deadline, pending);
    this.refresh();
    this.#checkRejected();
    return code;
  }

  /** Cancels a callback slot that has not run; returns the core's code (0 = OK). */
  cancelCallback(index: number, gen: number): number {
    const pending = this.#takePending();
    const code = this.#x.cancelCallback(index, gen, pending);
    this.refresh();
    this.#checkRejected();
    return code;
  }

  /** Applies the inbox, fires timers due at `now`, and drains up to `max` entries into `outbox`. */
  tick(now: number, max: number): number {
    const pending = this.#takePending();
    const n = this.#x.tick(now, pending, max);
    this.refresh();
    this.#checkRejected();
    return n;
  }

  /** Hands out up to `max` more entries already in the ring (no commands applied, no timers fired). */
  drainMore(max: number): number {
    const n = this.#x.drainMore(max);
    this.refresh();
    return n;
  }

  /** Applies the inbox so readyCount() and nextDeadline() are exact. */
  flush(): void {
    const pending = this.#takePending();
    this.#x.flush(pending);
    this.refresh();
    this.#checkRejected();
  }

  /** Entries in the ready ring as of the last call. */
  readyCount(): number {
    return this.#status![S_READY]!;
  }

  /** True when a timer may be due: timers armed, or sleeps queued since the last call. */
  mayHaveTimers(): boolean {
    return this.pendingSleeps > 0 || this.#status![S_TIMERS]! > 0;
  }

  /** Earliest armed deadline as of the last call, or -1 when none. */
  nextDeadline(): number {
    return this.#statusF64[S_NEXT_DEADLINE_F64]!;
  }

  stats(): CoreStats {
    const pending = this.#takePending();
    this.#x.stats(pending);
    this.refresh();
    this.#checkRejected();
    const s = this.#stats;
    return {
      tasksByState: { created: s[0]!, ready: s[1]!, running: s[2]!, waiting: s[3]! },
      callbacks: s[4]!,
      ready: s[5]!,
      timers: s[6]!,
      steps: s[7]!,
      tasksCreated: s[8]!,
      tasksDone: s[9]!,
      tasksCancelled: s[10]!,
      slotCapacity: s[11]!,
      waitLists: s[12]!,
    };
  }

  /** The commands written since the last call, which the next call applies: the count resets. */
  #takePending(): number {
    const pending = this.pending;
    this.pending = 0;
    this.pendingReady = 0;
    this.pendingSleeps = 0;
    return pending;
  }

  /** Throws when the core rejected a command: the host broke its own rules. */
  #checkRejected(): void {
    const errors = this.#status![S_ERRORS]!;
    if (errors === this.#errorsSeen) return;
    this.#errorsSeen = errors;
    const code = this.#status![S_LAST_ERROR]!;
    throw new RuntimeError(
      `spindle's core rejected command ${this.#status![S_LAST_ERROR_OP]} for slot ` +
        `${this.#status![S_LAST_ERROR_INDEX]}: ${ERROR_TEXT[code] ?? code}; please report this as a bug`,
    );
  }
}
