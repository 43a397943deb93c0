/**
 * The types every waiting function speaks: an `Operation<T>` is anything
 * `yield*` can run to get a `T`, and a coroutine is a generator.
 *
 * @module
 */

/** Anything `yield*` runs to produce a `T`: futures, tasks, coroutines, `sleep()`, `gather()`... */
export interface Operation<T> {
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/** A coroutine: what calling a `function*` returns (like calling an `async def`). */
export type Coroutine<T = unknown> = Generator<unknown, T, unknown>;

/** What the functions that wrap awaitables accept. */
export type Awaitable<T> = Operation<T> | PromiseLike<T>;

/** %GeneratorPrototype%: the prototype of every generator function's `prototype`. */
const GENERATOR_PROTOTYPE: object = Object.getPrototypeOf(function* () {}.prototype);

/** The built-in generator methods, called directly by tasks (see isNativeGenerator). */
export const generatorNext = (GENERATOR_PROTOTYPE as Coroutine).next;
export const generatorThrow = (GENERATOR_PROTOTYPE as Coroutine).throw;

/**
 * True for objects made by a `function*`. Tasks resume those with
 * generatorNext.call(coro) rather than coro.next(): each generator function
 * has its own prototype, so the property lookup would be megamorphic.
 */
export function isNativeGenerator(value: object): boolean {
  const own = Object.getPrototypeOf(value);
  // Tasks come in runs of one generator function: its prototype, once checked, is let through at once
  // (so a next() or throw() defined on that prototype after its first task is not noticed).
  if (own === lastNativePrototype) return true;
  if (
    own === null || Object.getPrototypeOf(own) !== GENERATOR_PROTOTYPE ||
    Object.prototype.hasOwnProperty.call(own, "next") || Object.prototype.hasOwnProperty.call(own, "throw")
  ) return false;
  lastNativePrototype = own;
  return true;
}

/** The prototype of the last generator function isNativeGenerator() checked and found plain. */
let lastNativePrototype: object | null = null;

/** True for generator objects (coroutines). */
export function isCoroutine(value: unknown): value is Coroutine {
  if (typeof value !== "object" || value === null) return false;
  // Two prototype hops instead of property lookups: every generator function
  // has its own prototype object, so `value.next` is a megamorphic load.
  if (isNativeGenerator(value)) return true;
  return typeof (value as Coroutine).next === "function" &&
    typeof (value as Coroutine).throw === "function" &&
    typeof (value as Coroutine)[Symbol.iterator] === "function";
}

/** True for objects with a callable `then`. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function";
}

/** True for anything `yield*` can run. */
export function isOperation(value: unknown): value is Operation<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as Operation<unknown>)[Symbol.iterator] === "function";
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value !== "object" || value === null) return String(value);
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : "an object";
}
