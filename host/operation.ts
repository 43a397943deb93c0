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

/** True for generator objects (coroutines). */
export function isCoroutine(value: unknown): value is Coroutine {
  return typeof value === "object" && value !== null &&
    typeof (value as Coroutine).next === "function" &&
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
