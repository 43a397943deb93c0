/**
 * The closed vocabulary of errors spindle throws, one class per asyncio
 * exception (SPEC.md, Conventions). Each sets `name` to its class name so
 * errors print and match the same on every runtime.
 *
 * @module
 */

import { keepShapes } from "./_shape_keepers.ts";

/** The operation was cancelled (asyncio.CancelledError). */
export class CancelledError extends Error {
  override name = "CancelledError";
}

/** A deadline passed (asyncio.TimeoutError / builtin TimeoutError). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** A future was used in a state that does not allow it (asyncio.InvalidStateError). */
export class InvalidStateError extends Error {
  override name = "InvalidStateError";
}

/** The loop or the platform cannot do what was asked (Python's RuntimeError). */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** getNowait() on an empty queue (asyncio.QueueEmpty). */
export class QueueEmpty extends Error {
  override name = "QueueEmpty";
}

/** putNowait() on a full queue (asyncio.QueueFull). */
export class QueueFull extends Error {
  override name = "QueueFull";
}

/** put() or get() on a queue that was shut down (asyncio.QueueShutDown). */
export class QueueShutDown extends Error {
  override name = "QueueShutDown";
}

/** A barrier was reset or aborted while tasks waited (asyncio.BrokenBarrierError). */
export class BrokenBarrierError extends Error {
  override name = "BrokenBarrierError";
}

/** The stream ended before the expected bytes arrived (asyncio.IncompleteReadError). */
export class IncompleteReadError extends Error {
  override name = "IncompleteReadError";
  /** The bytes read before the end of the stream. */
  readonly partial: Uint8Array;
  /** How many bytes were expected, or null when reading up to a separator. */
  readonly expected: number | null;
  constructor(partial: Uint8Array, expected: number | null) {
    super(
      `${partial.length} bytes read on a total of ${expected ?? "undefined"} expected bytes`,
    );
    this.partial = partial;
    this.expected = expected;
  }
}

/** A separator was not found within the stream's limit (asyncio.LimitOverrunError). */
export class LimitOverrunError extends Error {
  override name = "LimitOverrunError";
  /** How many bytes to consume before retrying. */
  readonly consumed: number;
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/**
 * The connection was lost while a StreamWriter waited to drain (Python's
 * builtin ConnectionResetError, which asyncio raises there).
 */
export class ConnectionResetError extends Error {
  override name = "ConnectionResetError";
}

/** Several errors raised together (Python's ExceptionGroup), as an AggregateError. */
export class ExceptionGroup extends AggregateError {
  override name = "ExceptionGroup";
  constructor(message: string, errors: readonly unknown[]) {
    if (errors.length === 0) {
      throw new RangeError("ExceptionGroup needs at least one error: pass a non-empty list");
    }
    super(errors, message);
  }
}

let cancelledKept = false;

/**
 * A CancelledError made by the scheduler (cancel requests, cancelled
 * futures). Its stack would only show scheduler internals, and capturing it
 * is most of a cancellation's cost, so it has none.
 */
export function makeCancelledError(msg: string | undefined): CancelledError {
  // Both kinds it makes (with and without a message) kept for their hidden classes (see _shape_keepers.ts).
  if (!cancelledKept) {
    cancelledKept = true;
    keepShapes(CancelledError, () => [makeCancelledError(undefined), makeCancelledError("")]);
  }
  const E = Error as { stackTraceLimit?: number | undefined };
  const limit = E.stackTraceLimit;
  E.stackTraceLimit = 0;
  try {
    return msg === undefined ? new CancelledError() : new CancelledError(msg);
  } finally {
    E.stackTraceLimit = limit;
  }
}
