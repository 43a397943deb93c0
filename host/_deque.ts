/**
 * A growable ring buffer: O(1) push and shift at both ends, for queues that
 * may hold many items (Array#shift is O(n) once arrays get large).
 *
 * @module
 */

export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the first item; the caller checked length > 0. */
  shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  /** Removes and returns the last item; the caller checked length > 0. */
  pop(): T {
    const at = (this.#head + this.#length - 1) & (this.#items.length - 1);
    const item = this.#items[at] as T;
    this.#items[at] = undefined;
    this.#length--;
    return item;
  }

  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}
