/**
 * The part of `node:assert/strict` spindle's tests use, for hosts that have
 * no `node:assert` (browsers, workerd). Bundlers alias `node:assert/strict`
 * to this file.
 *
 * Ground rules
 * - Only ECMAScript: no `node:*` module, no runtime namespace.
 * - Strict semantics as in Node: `equal` is `Object.is`; `deepEqual` compares
 *   primitives with `Object.is`, requires the same prototypes and
 *   `Object.prototype.toString` tags, compares own enumerable string and
 *   symbol keys, Maps and Sets by content (in any order), typed arrays and
 *   ArrayBuffers byte by byte, Dates by time, RegExps by source and flags,
 *   boxed primitives by value, Errors also by `name` and `message` (and
 *   `cause` and `errors` where present), and survives cycles.
 * - `throws` and `rejects` validate like Node: a class by `instanceof`, a
 *   RegExp against `String(error)`, an object key by key (RegExp values
 *   match string properties), any other function as a validator that must
 *   return `true`; a string second argument is the message.
 * - Failures are {@linkcode AssertionError}s whose messages show the values
 *   (and a line diff for structures), so a browser run's report is enough to
 *   see what went wrong.
 *
 * @module
 */

// ---- inspecting values for messages ----

const MAX_DEPTH = 4;
const MAX_ITEMS = 60;
const BREAK_LENGTH = 72;

const ESCAPES: Record<string, string> = { "\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function quote(text: string): string {
  let out = "'";
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += ESCAPES[c] ?? (code < 0x20 ? `\\x${code.toString(16).padStart(2, "0")}` : c);
  }
  return out + "'";
}

function formatKey(key: string | symbol): string {
  if (typeof key === "symbol") return `[${String(key)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

function tag(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

function constructorName(value: object): string | null {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return null;
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "Object";
}

function ownKeys(value: object): (string | symbol)[] {
  return Reflect.ownKeys(value).filter((key) => Object.prototype.propertyIsEnumerable.call(value, key));
}

/** Joins parts as `open a, b close` on one line when short, else one part per indented line. */
function wrap(open: string, parts: string[], close: string, indent: string): string {
  if (parts.length === 0) return `${open}${close}`;
  const line = `${open} ${parts.join(", ")} ${close}`;
  if (line.length + indent.length <= BREAK_LENGTH && !line.includes("\n")) return line;
  const inner = indent + "  ";
  return `${open}\n${parts.map((part) => inner + part).join(",\n")}\n${indent}${close}`;
}

/** How many objects one rendering may show: a message about a loop or a task must stay readable. */
const MAX_OBJECTS = 400;

/** A Node-like rendering of `value` for messages (not `util.inspect`, but close). */
export function inspect(value: unknown): string {
  return render(value, "", 0, [], { left: MAX_OBJECTS });
}

function render(value: unknown, indent: string, depth: number, seen: object[], budget: { left: number }): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
    case "boolean":
    case "undefined":
      return String(value);
    case "function": {
      const source = Function.prototype.toString.call(value);
      const name = value.name === "" ? "(anonymous)" : value.name;
      return source.startsWith("class") ? `[class ${name}]` : `[Function: ${name}]`;
    }
  }
  if (value === null) return "null";
  const object = value as object;
  if (seen.includes(object)) return "[Circular]";
  const name = constructorName(object);
  const prefix = name === null ? "[Object: null prototype]" : name;
  if (depth > MAX_DEPTH || budget.left <= 0) return Array.isArray(object) ? "[Array]" : `[${name ?? "Object"}]`;
  budget.left--;
  const nested = [...seen, object];
  const show = (inner: unknown) => render(inner, indent + "  ", depth + 1, nested, budget);
  // Accessors are named, not called: rendering a message must not run user code.
  const props = (skip: (key: string | symbol) => boolean) =>
    ownKeys(object).filter((key) => !skip(key)).map((key) => {
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      const shown = descriptor !== undefined && "value" in descriptor ? show(descriptor.value) : "[Getter/Setter]";
      return `${formatKey(key)}: ${shown}`;
    });
  const limit = (parts: string[], total: number) =>
    total > MAX_ITEMS ? [...parts.slice(0, MAX_ITEMS), `... ${total - MAX_ITEMS} more items`] : parts;
  const isIndex = (key: string | symbol) => typeof key === "string" && /^(0|[1-9]\d*)$/.test(key);

  if (object instanceof Error) {
    const head = `${object.name}: ${object.message}`;
    const extra = props((key) => key === "stack" || key === "message" || key === "name");
    return extra.length === 0 ? `[${head}]` : wrap(`[${head}] {`, extra, "}", indent);
  }
  if (Array.isArray(object)) {
    const items: string[] = [];
    for (let i = 0; i < Math.min(object.length, MAX_ITEMS + 1); i++) {
      items.push(i in object ? show(object[i]) : "<empty>");
    }
    const parts = [...limit(items, object.length), ...props(isIndex)];
    return wrap(name === "Array" ? "[" : `${prefix}(${object.length}) [`, parts, "]", indent);
  }
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    const array = object as unknown as ArrayLike<number | bigint>;
    const items = Array.from({ length: Math.min(array.length, MAX_ITEMS + 1) }, (_, i) => show(array[i]));
    return wrap(`${prefix}(${array.length}) [`, limit(items, array.length), "]", indent);
  }
  if (object instanceof ArrayBuffer) {
    const bytes = Array.from(new Uint8Array(object).subarray(0, MAX_ITEMS + 1), (b) => b.toString(16).padStart(2, "0"));
    return `ArrayBuffer { byteLength: ${object.byteLength}, <${limit(bytes, object.byteLength).join(" ")}> }`;
  }
  if (object instanceof Map) {
    const entries = [...object].slice(0, MAX_ITEMS + 1).map(([k, v]) => `${show(k)} => ${show(v)}`);
    return wrap(`${prefix}(${object.size}) {`, [...limit(entries, object.size), ...props(() => false)], "}", indent);
  }
  if (object instanceof Set) {
    const entries = [...object].slice(0, MAX_ITEMS + 1).map(show);
    return wrap(`${prefix}(${object.size}) {`, [...limit(entries, object.size), ...props(() => false)], "}", indent);
  }
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString();
  if (object instanceof RegExp) return String(object);
  if (object instanceof Promise) return "Promise { <state unknown> }";
  if (object instanceof WeakMap || object instanceof WeakSet) return `${prefix} { <items unknown> }`;
  const boxed = boxedValue(object);
  if (boxed.boxed) return `[${tag(object)}: ${show(boxed.value)}]`;
  const parts = props(() => false);
  return wrap(name === "Object" ? "{" : `${prefix} {`, parts, "}", indent);
}

function boxedValue(object: object): { boxed: boolean; value?: unknown } {
  for (
    const type of [Number, String, Boolean, BigInt, Symbol] as unknown as {
      prototype: { valueOf(): unknown };
    }[]
  ) {
    try {
      return { boxed: true, value: type.prototype.valueOf.call(object) };
    } catch {
      // not this kind of box
    }
  }
  return { boxed: false };
}

// ---- strict deep equality ----

type Memo = Map<object, Set<object>>;

/** Node's `isDeepStrictEqual`: the comparison `deepEqual` makes. */
export function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  return deepEqualInner(a, b, new Map());
}

function deepEqualInner(a: unknown, b: unknown, memo: Memo): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (tag(a) !== tag(b)) return false;
  // A pair already under comparison is assumed equal; any real difference shows elsewhere.
  let pairs = memo.get(a);
  if (pairs?.has(b)) return true;
  if (pairs === undefined) memo.set(a, pairs = new Set());
  pairs.add(b);
  try {
    return compareObjects(a, b, memo);
  } finally {
    pairs.delete(b);
  }
}

function sameBytes(a: ArrayBufferView | ArrayBuffer, b: ArrayBufferView | ArrayBuffer): boolean {
  const x = a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function compareObjects(a: object, b: object, memo: Memo): boolean {
  let skip = (_key: string | symbol) => false;
  if (Array.isArray(a)) {
    if (a.length !== (b as unknown[]).length) return false;
  } else if (ArrayBuffer.isView(a)) {
    if (!sameBytes(a, b as ArrayBufferView)) return false;
    skip = (key) => typeof key === "string" && /^(0|[1-9]\d*)$/.test(key);
  } else if (a instanceof ArrayBuffer) {
    if (!sameBytes(a, b as ArrayBuffer)) return false;
  } else if (a instanceof Date) {
    if (!Object.is(a.getTime(), (b as Date).getTime())) return false;
  } else if (a instanceof RegExp) {
    const y = b as RegExp;
    if (a.source !== y.source || a.flags !== y.flags || a.lastIndex !== y.lastIndex) return false;
  } else if (a instanceof WeakMap || a instanceof WeakSet) {
    return false; // their contents cannot be compared; only the same object is equal
  } else if (a instanceof Error) {
    const y = b as Error;
    if (a.name !== y.name || a.message !== y.message) return false;
    for (const key of ["cause", "errors"] as const) {
      const inA = Object.prototype.hasOwnProperty.call(a, key);
      if (inA !== Object.prototype.hasOwnProperty.call(y, key)) return false;
      if (inA && !deepEqualInner((a as never)[key], (y as never)[key], memo)) return false;
    }
  } else {
    const boxedA = boxedValue(a);
    if (boxedA.boxed && !Object.is(boxedA.value, boxedValue(b).value)) return false;
  }
  if (a instanceof Map && !sameMaps(a, b as Map<unknown, unknown>, memo)) return false;
  if (a instanceof Set && !sameSets(a, b as Set<unknown>, memo)) return false;
  const keysA = ownKeys(a).filter((key) => !skip(key));
  const keysB = ownKeys(b).filter((key) => !skip(key));
  if (keysA.length !== keysB.length) return false;
  const inB = new Set(keysB);
  for (const key of keysA) {
    if (!inB.has(key)) return false;
    const x = (a as Record<string | symbol, unknown>)[key];
    const y = (b as Record<string | symbol, unknown>)[key];
    if (!deepEqualInner(x, y, memo)) return false;
  }
  return true;
}

function sameSets(a: Set<unknown>, b: Set<unknown>, memo: Memo): boolean {
  if (a.size !== b.size) return false;
  const unmatched: unknown[] = [];
  for (const item of a) {
    if (b.has(item)) continue;
    if (typeof item !== "object" || item === null) return false; // a primitive must be there as itself
    unmatched.push(item);
  }
  if (unmatched.length === 0) return true;
  const candidates = [...b].filter((item) => typeof item === "object" && item !== null && !a.has(item));
  for (const item of unmatched) {
    const at = candidates.findIndex((candidate) => deepEqualInner(item, candidate, memo));
    if (at < 0) return false;
    candidates.splice(at, 1);
  }
  return true;
}

function sameMaps(a: Map<unknown, unknown>, b: Map<unknown, unknown>, memo: Memo): boolean {
  if (a.size !== b.size) return false;
  const unmatched: [unknown, unknown][] = [];
  for (const [key, value] of a) {
    if (b.has(key)) {
      if (!deepEqualInner(value, b.get(key), memo)) return false;
    } else if (typeof key !== "object" || key === null) {
      return false;
    } else {
      unmatched.push([key, value]);
    }
  }
  if (unmatched.length === 0) return true;
  const candidates = [...b].filter(([key]) => typeof key === "object" && key !== null && !a.has(key));
  for (const [key, value] of unmatched) {
    const at = candidates.findIndex(([k, v]) => deepEqualInner(key, k, memo) && deepEqualInner(value, v, memo));
    if (at < 0) return false;
    candidates.splice(at, 1);
  }
  return true;
}

// ---- AssertionError ----

/** What {@linkcode AssertionError}'s constructor takes (as Node's). */
export interface AssertionErrorOptions {
  message?: string | undefined;
  actual?: unknown;
  expected?: unknown;
  operator?: string;
}

/** The error every failed assertion throws (Node's `assert.AssertionError`). */
export class AssertionError extends Error {
  override name = "AssertionError";
  readonly code = "ERR_ASSERTION";
  readonly actual: unknown;
  readonly expected: unknown;
  readonly operator: string | undefined;
  generatedMessage: boolean;

  constructor(options: AssertionErrorOptions) {
    const generated = options.message === undefined;
    super(
      generated
        ? `${inspect(options.actual)} ${options.operator ?? "=="} ${inspect(options.expected)}`
        : options.message,
    );
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator;
    this.generatedMessage = generated;
  }
}

type Message = string | Error | undefined;

function fail_(message: Message, generated: string, details: AssertionErrorOptions): never {
  if (message instanceof Error) throw message;
  const error = new AssertionError({ ...details, message: message ?? generated });
  error.generatedMessage = message === undefined;
  throw error;
}

/** A line diff of two renderings, `+` for actual and `-` for expected, common runs trimmed. */
function diff(actual: string, expected: string): string {
  const a = actual.split("\n");
  const b = expected.split("\n");
  // Longest common subsequence table; renderings are small.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: { mark: string; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: " ", text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      lines.push({ mark: "+", text: a[i++]! }); // actual first, as Node prints it
    } else {
      lines.push({ mark: "-", text: b[j++]! });
    }
  }
  // Keep three lines of context around each change.
  const keep = lines.map((_line, at) => lines.slice(Math.max(0, at - 3), at + 4).some((near) => near.mark !== " "));
  const out: string[] = [];
  lines.forEach((line, at) => {
    if (keep[at]) out.push(`${line.mark} ${line.text}`);
    else if (at === 0 || keep[at - 1]) out.push("..."); // one marker per trimmed run
  });
  return out.join("\n");
}

/** The most lines a generated message keeps. */
const MAX_LINES = 200;

function clip(text: string): string {
  const lines = text.split("\n");
  if (lines.length <= MAX_LINES) return text;
  return [...lines.slice(0, MAX_LINES), `... ${lines.length - MAX_LINES} more lines`].join("\n");
}

function comparison(title: string, actual: unknown, expected: unknown): string {
  const a = inspect(actual);
  const b = inspect(expected);
  if (a === b) return clip(`Values have same structure but are not reference-equal:\n\n${a}\n`);
  if (!a.includes("\n") && !b.includes("\n") && a.length + b.length < BREAK_LENGTH) {
    return `${title}:\n\n${a} !== ${b}\n`;
  }
  return clip(`${title}:\n+ actual - expected\n\n${diff(a, b)}\n`);
}

// ---- the assertions ----

/** Fails unless `value` is truthy. */
export function ok(value: unknown, message?: Message): asserts value {
  if (value) return;
  fail_(message, `The expression evaluated to a falsy value: ${inspect(value)}`, {
    actual: value,
    expected: true,
    operator: "==",
  });
}

/** Fails unless `Object.is(actual, expected)`. */
export function equal<T>(actual: unknown, expected: T, message?: Message): asserts actual is T {
  if (Object.is(actual, expected)) return;
  fail_(message, comparison("Expected values to be strictly equal", actual, expected), {
    actual,
    expected,
    operator: "strictEqual",
  });
}

/** Fails when `Object.is(actual, expected)`. */
export function notEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (!Object.is(actual, expected)) return;
  fail_(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`, {
    actual,
    expected,
    operator: "notStrictEqual",
  });
}

/** Fails unless `actual` and `expected` are deeply, strictly equal. */
export function deepEqual<T>(actual: unknown, expected: T, message?: Message): asserts actual is T {
  if (isDeepStrictEqual(actual, expected)) return;
  fail_(message, comparison("Expected values to be strictly deep-equal", actual, expected), {
    actual,
    expected,
    operator: "deepStrictEqual",
  });
}

/** Fails when `actual` and `expected` are deeply, strictly equal. */
export function notDeepEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (!isDeepStrictEqual(actual, expected)) return;
  fail_(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`, {
    actual,
    expected,
    operator: "notDeepStrictEqual",
  });
}

/** Always fails, with `message` (default "Failed"); an Error message is thrown as it is. */
export function fail(message?: Message): never {
  fail_(message, "Failed", { operator: "fail" });
}

function checkRegExp(argument: string, value: unknown): asserts value is RegExp {
  if (!(value instanceof RegExp)) {
    throw new TypeError(`The "${argument}" argument must be an instance of RegExp. Received ${inspect(value)}`);
  }
}

/** Fails unless `text` is a string that `regexp` matches. */
export function match(text: unknown, regexp: RegExp, message?: Message): void {
  checkRegExp("regexp", regexp);
  if (typeof text === "string" && regexp.test(text)) return;
  const generated = typeof text === "string"
    ? `The input did not match the regular expression ${String(regexp)}. Input:\n\n${inspect(text)}\n`
    : `The "string" argument must be of type string. Received type ${typeof text} (${inspect(text)})`;
  fail_(message, generated, { actual: text, expected: regexp, operator: "match" });
}

/** Fails when `text` is a string that `regexp` matches. */
export function doesNotMatch(text: unknown, regexp: RegExp, message?: Message): void {
  checkRegExp("regexp", regexp);
  if (typeof text === "string" && !regexp.test(text)) return;
  const generated = typeof text === "string"
    ? `The input was expected to not match the regular expression ${String(regexp)}. Input:\n\n${inspect(text)}\n`
    : `The "string" argument must be of type string. Received type ${typeof text} (${inspect(text)})`;
  fail_(message, generated, { actual: text, expected: regexp, operator: "doesNotMatch" });
}

/** What `throws` and `rejects` accept as their second argument (besides a message string). */
// deno-lint-ignore no-explicit-any
export type ErrorValidator = RegExp | object | ((new (...args: any[]) => unknown) | ((error: any) => unknown));

const NO_ERROR: unique symbol = Symbol("no error");

function describeActual(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : inspect(value);
}

/** Checks a caught `actual` against `expected` the way Node's `expectedException` does. */
function validate(operator: string, actual: unknown, expected: ErrorValidator, message: Message): void {
  if (typeof expected !== "function") {
    if (expected instanceof RegExp) {
      const text = String(actual);
      if (expected.test(text)) return;
      fail_(
        message,
        `The input did not match the regular expression ${String(expected)}. Input:\n\n${inspect(text)}\n`,
        {
          actual,
          expected,
          operator,
        },
      );
    }
    if (typeof actual !== "object" || actual === null) {
      fail_(message, comparison("Expected values to be strictly deep-equal", actual, expected), {
        actual,
        expected,
        operator,
      });
    }
    const keys: (string | symbol)[] = Object.keys(expected);
    if (expected instanceof Error) keys.push("name", "message");
    else if (keys.length === 0) throw new TypeError(`The "error" argument may not be an empty object`);
    for (const key of keys) {
      const have = (actual as Record<string | symbol, unknown>)[key];
      const want = (expected as Record<string | symbol, unknown>)[key];
      if (typeof have === "string" && want instanceof RegExp && want.test(have)) continue;
      if (key in actual && isDeepStrictEqual(have, want)) continue;
      const pick = (from: object) =>
        Object.fromEntries(keys.map((k) => [k, (from as Record<string | symbol, unknown>)[k]]));
      fail_(message, comparison("Expected values to be strictly deep-equal", pick(actual), pick(expected)), {
        actual,
        expected,
        operator,
      });
    }
    return;
  }
  if (expected.prototype !== undefined && actual instanceof expected) return;
  if (Object.prototype.isPrototypeOf.call(Error, expected)) {
    let generated = `The error is expected to be an instance of "${expected.name}". Received `;
    if (actual instanceof Error) {
      const name = actual.constructor?.name || actual.name;
      generated += expected.name === name ? "an error with identical name but a different prototype." : `"${name}"`;
      if (actual.message) generated += `\n\nError message:\n\n${actual.message}`;
    } else {
      generated += `"${inspect(actual)}"`;
    }
    fail_(message, generated, { actual, expected, operator });
  }
  const verdict: unknown = Reflect.apply(expected, {}, [actual]);
  if (verdict === true) return;
  const name = expected.name ? `"${expected.name}" ` : "";
  let generated = `The ${name}validation function is expected to return "true". Received ${inspect(verdict)}`;
  if (actual instanceof Error) generated += `\n\nCaught error:\n\n${describeActual(actual)}`;
  fail_(message, generated, { actual, expected, operator });
}

function expectError(
  operator: "throws" | "rejects",
  actual: unknown,
  expected: ErrorValidator | string | undefined,
  message: Message,
  argumentCount: number,
): void {
  if (typeof expected === "string") {
    if (argumentCount === 4) {
      throw new TypeError(`The "error" argument must be of type function or an instance of Error, RegExp, or Object`);
    }
    if (typeof actual === "object" && actual !== null && (actual as { message?: unknown }).message === expected) {
      throw new TypeError(`The error message "${expected}" is identical to the message: pass an error validator`);
    }
    if (actual === expected) throw new TypeError(`The error "${expected}" is identical to the message`);
    message = expected;
    expected = undefined;
  } else if (
    expected !== undefined && expected !== null && typeof expected !== "object" && typeof expected !== "function"
  ) {
    throw new TypeError(
      `The "error" argument must be of type function or an instance of Error, RegExp, or Object. Received ${
        inspect(expected)
      }`,
    );
  }
  if (actual === NO_ERROR) {
    if (message instanceof Error) throw message;
    const named = typeof expected === "function" && expected.name ? ` (${expected.name})` : "";
    const kind = operator === "rejects" ? "rejection" : "exception";
    const error = new AssertionError({
      message: `Missing expected ${kind}${named}${message ? `: ${message}` : "."}`,
      actual: undefined,
      expected,
      operator,
    });
    error.generatedMessage = false; // as Node sets it for a missing exception
    throw error;
  }
  if (expected === undefined || expected === null) return;
  validate(operator, actual, expected, message);
}

/** Fails unless `fn()` throws an error that `expected` (if given) accepts. */
export function throws(fn: () => unknown, ...rest: [expected?: ErrorValidator | string, message?: Message]): void {
  if (typeof fn !== "function") {
    throw new TypeError(`The "fn" argument must be of type function. Received ${inspect(fn)}`);
  }
  let actual: unknown = NO_ERROR;
  try {
    fn();
  } catch (error) {
    actual = error;
  }
  expectError("throws", actual, rest[0], rest[1], rest.length + 1);
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  const candidate = value as { then?: unknown; catch?: unknown } | null;
  return typeof candidate === "object" && candidate !== null && typeof candidate.then === "function" &&
    typeof candidate.catch === "function";
}

/**
 * Fails unless the promise (or the promise `fn()` returns) rejects with an
 * error that `expected` (if given) accepts. A function that throws instead
 * of returning a promise makes `rejects` reject with that error, as in Node.
 */
export async function rejects(
  promiseOrFn: PromiseLike<unknown> | (() => PromiseLike<unknown>),
  ...rest: [expected?: ErrorValidator | string, message?: Message]
): Promise<void> {
  let promise: PromiseLike<unknown>;
  if (typeof promiseOrFn === "function") {
    const returned: unknown = promiseOrFn();
    if (!isPromise(returned)) {
      throw new TypeError(
        `Expected instance of Promise to be returned from the "promiseFn" function but got ${inspect(returned)}`,
      );
    }
    promise = returned;
  } else if (isPromise(promiseOrFn)) {
    promise = promiseOrFn;
  } else {
    throw new TypeError(
      `The "promiseFn" argument must be of type function or an instance of Promise. Received ${inspect(promiseOrFn)}`,
    );
  }
  let actual: unknown = NO_ERROR;
  try {
    await promise;
  } catch (error) {
    actual = error;
  }
  expectError("rejects", actual, rest[0], rest[1], rest.length + 1);
}

/** The assertion functions, as `import assert from "node:assert/strict"` gives them. */
export interface Assert {
  (value: unknown, message?: Message): asserts value;
  ok(value: unknown, message?: Message): asserts value;
  equal<T>(actual: unknown, expected: T, message?: Message): asserts actual is T;
  strictEqual<T>(actual: unknown, expected: T, message?: Message): asserts actual is T;
  notEqual(actual: unknown, expected: unknown, message?: Message): void;
  notStrictEqual(actual: unknown, expected: unknown, message?: Message): void;
  deepEqual<T>(actual: unknown, expected: T, message?: Message): asserts actual is T;
  deepStrictEqual<T>(actual: unknown, expected: T, message?: Message): asserts actual is T;
  notDeepEqual(actual: unknown, expected: unknown, message?: Message): void;
  notDeepStrictEqual(actual: unknown, expected: unknown, message?: Message): void;
  fail(message?: Message): never;
  match(text: unknown, regexp: RegExp, message?: Message): void;
  doesNotMatch(text: unknown, regexp: RegExp, message?: Message): void;
  throws(fn: () => unknown, ...rest: [expected?: ErrorValidator | string, message?: Message]): void;
  rejects(
    promiseOrFn: PromiseLike<unknown> | (() => PromiseLike<unknown>),
    ...rest: [expected?: ErrorValidator | string, message?: Message]
  ): Promise<void>;
  AssertionError: typeof AssertionError;
  strict: Assert;
}

const assert: Assert = Object.assign((value: unknown, message?: Message) => ok(value, message), {
  ok,
  equal,
  strictEqual: equal,
  notEqual,
  notStrictEqual: notEqual,
  deepEqual,
  deepStrictEqual: deepEqual,
  notDeepEqual,
  notDeepStrictEqual: notDeepEqual,
  fail,
  match,
  doesNotMatch,
  throws,
  rejects,
  AssertionError,
}) as Omit<Assert, "strict"> as Assert;
(assert as { strict: Assert }).strict = assert;

export {
  assert as strict,
  deepEqual as deepStrictEqual,
  equal as strictEqual,
  notDeepEqual as notDeepStrictEqual,
  notEqual as notStrictEqual,
};
export default assert;
