/**
 * `Event`: a flag tasks can wait for (asyncio.Event).
 *
 * @module
 */

import type { Operation } from "./operation.ts";
import { runningTask } from "./_current.ts";
import { keepShapes } from "./_shape_keepers.ts";
import { WaitList } from "./_wait_list.ts";

/** A flag, initially false. `set()` wakes every task waiting for it. */
export class Event {
  #value = false;
  readonly #line = new WaitList(this, "Event.wait");

  constructor() {
    keepEventShapes(new.target);
  }

  /** True if the flag is set. */
  isSet(): boolean {
    return this.#value;
  }

  /** Sets the flag and wakes every waiting task (in the order they waited). */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    this.#line.wakeAll();
  }

  /** Clears the flag: wait() blocks again. */
  clear(): void {
    this.#value = false;
  }

  /** Returns true at once if the flag is set, else waits until set() is called. */
  wait(): Operation<true> {
    return this.#wait();
  }

  toString(): string {
    const waiters = this.#line.size;
    return `<Event [${this.#value ? "set" : "unset"}${waiters > 0 ? `, waiters:${waiters}` : ""}]>`;
  }

  *#wait(): Generator<unknown, true, unknown> {
    if (this.#value) return true;
    const task = runningTask("Event.wait()");
    try {
      yield* this.#line.op;
    } finally {
      this.#line.resumed(task);
    }
    return true;
  }
}

/** Keeps an Event for its hidden classes (see _shape_keepers.ts): ours only, never a program's subclass. */
function keepEventShapes(kind: typeof Event): void {
  if (kind === Event) keepShapes(Event, () => new Event());
}
