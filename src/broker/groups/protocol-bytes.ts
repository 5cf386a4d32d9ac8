// Big-endian reader and writer for the classic (non-flexible) Kafka types used inside group
// protocol metadata: int16, int32, int16-length strings, int32-length nullable bytes, int32 counts.
// The reader never throws: the first failure sticks in `error`, later reads return zero values, and
// array counts are checked against what remains and a limit before any caller allocates for them.

import { assert } from '../../errors.ts';

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;
  #error: string | null = null;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get error(): string | null {
    return this.#error;
  }
  get remaining(): number {
    return this.#bytes.byteLength - this.#pos;
  }
  fail(message: string): void {
    if (this.#error === null) this.#error = `${message} at byte ${this.#pos}`;
  }
  #take(n: number, what: string): number {
    if (this.#error !== null) return -1;
    if (n > this.remaining) {
      this.fail(`${what}: needs ${n} bytes, ${this.remaining} remain`);
      return -1;
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }
  int16(what: string): number {
    const at = this.#take(2, what);
    return at < 0 ? 0 : this.#view.getInt16(at);
  }
  int32(what: string): number {
    const at = this.#take(4, what);
    return at < 0 ? 0 : this.#view.getInt32(at);
  }
  /** int16 length + UTF-8; a null (-1) string is an error for a non-nullable field. */
  string(what: string, bytesMax: number): string {
    const s = this.nullableString(what, bytesMax);
    if (s === null) {
      this.fail(`${what}: null for a non-nullable string`);
      return '';
    }
    return s;
  }
  nullableString(what: string, bytesMax: number): string | null {
    const length = this.int16(what);
    if (this.#error !== null) return '';
    if (length === -1) return null;
    if (length < -1 || length > bytesMax) {
      this.fail(`${what}: length ${length} outside [0, ${bytesMax}]`);
      return '';
    }
    const at = this.#take(length, what);
    return at < 0 ? '' : utf8Decoder.decode(this.#bytes.subarray(at, at + length));
  }
  /** int32 length + bytes, -1 meaning null; the result is a copy (the frame may be reused). */
  nullableBytes(what: string, bytesMax: number): Uint8Array | null {
    const length = this.int32(what);
    if (this.#error !== null) return null;
    if (length === -1) return null;
    if (length < -1 || length > bytesMax) {
      this.fail(`${what}: length ${length} outside [0, ${bytesMax}]`);
      return null;
    }
    const at = this.#take(length, what);
    // new Uint8Array(view) copies; Buffer#slice would share memory and return a Buffer.
    return at < 0 ? null : new Uint8Array(this.#bytes.subarray(at, at + length));
  }
  /**
   * int32 count of a non-nullable array whose elements take at least `elementBytesMin` bytes each.
   * Returns 0 (and fails) when the count is negative, above `countMax`, or cannot fit in what remains.
   */
  arrayCount(what: string, elementBytesMin: number, countMax: number): number {
    const count = this.int32(what);
    if (this.#error !== null) return 0;
    if (count < 0 || count > countMax) {
      this.fail(`${what}: count ${count} outside [0, ${countMax}]`);
      return 0;
    }
    if (count * elementBytesMin > this.remaining) {
      this.fail(`${what}: count ${count} cannot fit in ${this.remaining} bytes`);
      return 0;
    }
    return count;
  }
}

/** Growable big-endian writer. Encoders only write values Eddy produced, so misuse is an assertion. */
export class ByteWriter {
  #buf = new Uint8Array(64);
  #view = new DataView(this.#buf.buffer);
  #length = 0;

  #reserve(n: number): number {
    if (this.#length + n > this.#buf.byteLength) {
      const next = new Uint8Array(Math.max(this.#buf.byteLength * 2, this.#length + n));
      next.set(this.#buf.subarray(0, this.#length));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#length;
    this.#length += n;
    return at;
  }
  int16(v: number): this {
    assert(Number.isInteger(v) && v >= -32768 && v <= 32767, `int16 out of range: ${v}`);
    const at = this.#reserve(2); // before reading #view: reserving may replace it
    this.#view.setInt16(at, v);
    return this;
  }
  int32(v: number): this {
    assert(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647, `int32 out of range: ${v}`);
    const at = this.#reserve(4);
    this.#view.setInt32(at, v);
    return this;
  }
  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const bytes = utf8Encoder.encode(s);
    assert(bytes.byteLength <= 32767, 'string longer than 32767 bytes');
    this.int16(bytes.byteLength);
    const at = this.#reserve(bytes.byteLength);
    this.#buf.set(bytes, at);
    return this;
  }
  string(s: string): this {
    return this.nullableString(s);
  }
  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.byteLength);
    const at = this.#reserve(b.byteLength);
    this.#buf.set(b, at);
    return this;
  }
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#length);
  }
}
