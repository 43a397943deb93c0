/**
 * `Handle` and `TimerHandle`: a callback scheduled with callSoon, callLater
 * or callAt (asyncio.Handle / asyncio.TimerHandle). Each owns a core slot
 * until it runs or is cancelled.
 *
 * @module
 */

import type { Loop } from "./loop.ts";

/** A callback scheduled on a loop. `cancel()` stops it if it has not run. */
export class Handle {
  /** @internal */ _loop: Loop;
  /** @internal */ _callback: ((...args: never[]) => unknown) | null;
  /** @internal */ _args: unknown[];
  /** @internal */ _slot = 0;
  /** @internal */ _gen = 0;
  /** @internal */ _cancelled = false;
  /** @internal true once the loop has taken it to run (or run it) */ _ran = false;

  /** @internal created by the loop only */
  constructor(loop: Loop, callback: (...args: never[]) => unknown, args: unknown[]) {
    this._loop = loop;
    this._callback = callback;
    this._args = args;
  }

  /** Stops the callback from running; no effect if it already ran. */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    if (!this._ran && !this._loop.isClosed()) this._loop._core.cancelCallback(this._slot, this._gen);
    this._callback = null;
    this._args = [];
  }

  /** True if cancel() was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  toString(): string {
    const name = this._callback?.name || "(anonymous)";
    return `<${this.constructor.name}${this._cancelled ? " cancelled" : ""} ${name}()>`;
  }

  /** @internal runs the callback once; an exception goes to the loop's exception handler */
  _run(): void {
    this._ran = true;
    const callback = this._callback;
    if (callback === null) return; // cancelled after the core handed it out
    this._callback = null;
    try {
      (callback as (...args: unknown[]) => unknown)(...this._args);
    } catch (error) {
      this._loop.callExceptionHandler({
        message: `Exception in callback ${callback.name || "(anonymous)"}`,
        exception: error,
        handle: this,
      });
    }
  }
}

/** A callback scheduled for a time: `callLater` / `callAt`. */
export class TimerHandle extends Handle {
  /** @internal */ _when: number;

  /** @internal created by the loop only */
  constructor(loop: Loop, when: number, callback: (...args: never[]) => unknown, args: unknown[]) {
    super(loop, callback, args);
    this._when = when;
  }

  /** The loop time at which the callback runs. */
  when(): number {
    return this._when;
  }
}
