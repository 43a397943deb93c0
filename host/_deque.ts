/**
 * A growable ring buffer: O(1) push and shift at both ends, for queues that
 * may hold many items (Array#shift is O(n) once arrays get large).
 *
 * Plain fields, no private ones or getters: JavaScriptCore ran a queue's
 * size check (`length` through a getter of a private field) as a call of
 * its own, a fifth of W4 on Bun.
 *
 * @module
 */

export class Deque<T> {
  /** @internal */ _items: (T | undefined)[] = new Array(16);
  /** @internal */ _head = 0;
  /** Items held; read it, never write it. */
  length = 0;

  push(item: T): void {
    const items = this._items;
    const length = this.length;
    if (length === items.length) {
      this.#grow();
      this.push(item);
      return;
    }
    items[(this._head + length) & (items.length - 1)] = item;
    this.length = length + 1;
  }

  /** Removes and returns the first item; the caller checked length > 0. */
  shift(): T {
    const items = this._items;
    const head = this._head;
    const item = items[head] as T;
    items[head] = undefined;
    this._head = (head + 1) & (items.length - 1);
    this.length--;
    return item;
  }

  /** Removes and returns the last item; the caller checked length > 0. */
  pop(): T {
    const items = this._items;
    const at = (this._head + this.length - 1) & (items.length - 1);
    const item = items[at] as T;
    items[at] = undefined;
    this.length--;
    return item;
  }

  #grow(): void {
    const old = this._items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.length; i++) items[i] = old[(this._head + i) & (old.length - 1)];
    this._items = items;
    this._head = 0;
  }
}
