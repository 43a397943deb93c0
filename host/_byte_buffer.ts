/**
 * A growable byte FIFO (Python's bytearray as StreamReader uses it): bytes
 * are appended at the end and taken from the front. One backing array,
 * compacted when the taken prefix outweighs what is left, so a reader that
 * keeps up never copies more than it receives.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);

export class ByteBuffer {
  #bytes: Uint8Array = EMPTY;
  #start = 0;
  #end = 0;

  /** Bytes held. */
  get length(): number {
    return this.#end - this.#start;
  }

  append(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.#end + n > this.#bytes.length) this.#makeRoom(n);
    this.#bytes.set(chunk, this.#end);
    this.#end += n;
  }

  /** Removes and returns the first `n` bytes (n <= length), as a copy the caller owns. */
  take(n: number): Uint8Array {
    const start = this.#start;
    const out = this.#bytes.slice(start, start + n);
    this.#start = start + n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return out;
  }

  /** Drops the first `n` bytes. */
  skip(n: number): void {
    this.#start += Math.min(n, this.length);
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** True if the bytes start with `prefix` at `offset`. */
  startsWithAt(prefix: Uint8Array, offset: number): boolean {
    if (offset + prefix.length > this.length) return false;
    const bytes = this.#bytes;
    const at = this.#start + offset;
    for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
    return true;
  }

  /** Index of the first `needle` at or after `from` (relative to the front), or -1. */
  indexOf(needle: Uint8Array, from: number): number {
    const n = needle.length;
    if (n === 0) return -1;
    const bytes = this.#bytes;
    const first = needle[0]!;
    const last = this.#end - n;
    for (let i = this.#start + Math.max(from, 0); i <= last; i++) {
      // indexOf finds candidates natively; the rest is compared by hand.
      i = bytes.indexOf(first, i);
      if (i < 0 || i > last) return -1;
      let j = 1;
      while (j < n && bytes[i + j] === needle[j]) j++;
      if (j === n) return i - this.#start;
    }
    return -1;
  }

  #makeRoom(n: number): void {
    const held = this.length;
    const bytes = this.#bytes;
    if (held + n <= bytes.length && this.#start >= held) {
      bytes.copyWithin(0, this.#start, this.#end); // the taken prefix is larger than what is left: reuse it
    } else {
      const grown = new Uint8Array(Math.max(held + n, bytes.length * 2, 1024));
      grown.set(bytes.subarray(this.#start, this.#end));
      this.#bytes = grown;
    }
    this.#start = 0;
    this.#end = held;
  }
}
