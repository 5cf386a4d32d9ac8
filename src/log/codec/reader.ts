// ByteReader: a bounded big-endian cursor over buf[start..end) for record batches and Kafka frames.
// Sticky error: the first overrun or malformed value is recorded as `error` ({ code, message,
// position }) and every later read returns 0 / an empty array, so a decoder checks `error` once at
// the end. Never throws on input, never allocates for a length read from the input (bytes() is a
// subarray). Zigzag varints are Kafka's record fields; unsignedVarint is KIP-482's.

import type { CodecError, CodecErrorCode } from './result.ts';

const EMPTY = new Uint8Array(0);
const TWO_POW_32 = 0x1_0000_0000;
/** int64 high words whose value can be a safe integer: -2^21 .. 2^21 - 1. */
const SAFE_HIGH_MIN = -0x20_0000;
const SAFE_HIGH_MAX = 0x1f_ffff;

export class ByteReader {
  readonly buf: Uint8Array;
  readonly start: number;
  readonly end: number;
  #pos: number;
  #error: CodecError | null = null;
  #view: DataView | null = null;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= buf.length)) {
      throw new RangeError(`ByteReader: range ${start}..${end} outside a buffer of ${buf.length} bytes`);
    }
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.#pos = start;
  }

  /** Absolute position in `buf` of the next byte to read. */
  get pos(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.end - this.#pos;
  }

  /** The first error met, or null. */
  get error(): CodecError | null {
    return this.#error;
  }

  get ok(): boolean {
    return this.#error === null;
  }

  /** Records an error found by the caller (e.g. a length above a limit); the first one wins. */
  fail(code: CodecErrorCode, message: string, position = this.#pos): void {
    if (this.#error === null) this.#error = { code, message, position };
  }

  /** True when `n` more bytes are readable; otherwise records 'truncated'. */
  #need(n: number): boolean {
    if (this.#error !== null) return false;
    if (this.end - this.#pos >= n) return true;
    this.fail('truncated', `needed ${n} bytes at ${this.#pos}, ${this.end - this.#pos} remain`);
    return false;
  }

  int8(): number {
    if (!this.#need(1)) return 0;
    return (this.buf[this.#pos++]! << 24) >> 24;
  }

  uint8(): number {
    if (!this.#need(1)) return 0;
    return this.buf[this.#pos++]!;
  }

  int16(): number {
    if (!this.#need(2)) return 0;
    const b = this.buf;
    const p = this.#pos;
    this.#pos = p + 2;
    return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16;
  }

  uint16(): number {
    if (!this.#need(2)) return 0;
    const b = this.buf;
    const p = this.#pos;
    this.#pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  int32(): number {
    if (!this.#need(4)) return 0;
    const b = this.buf;
    const p = this.#pos;
    this.#pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  /** int64 as a number; outside the safe-integer range records 'int64_out_of_range' and returns 0. */
  int64(): number {
    const at = this.#pos;
    const high = this.int32();
    const low = this.uint32();
    if (this.#error !== null) return 0;
    if (high < SAFE_HIGH_MIN || high > SAFE_HIGH_MAX || (high === SAFE_HIGH_MIN && low === 0)) {
      this.fail('int64_out_of_range', `int64 at ${at} is outside the safe-integer range`, at);
      return 0;
    }
    return high * TWO_POW_32 + low;
  }

  float64(): number {
    if (!this.#need(8)) return 0;
    this.#view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const v = this.#view.getFloat64(this.#pos);
    this.#pos += 8;
    return v;
  }

  /** KIP-482 unsigned varint (LEB128, at most 5 bytes, value 0..2^32-1). */
  unsignedVarint(): number {
    if (this.#error !== null) return 0;
    const b = this.buf;
    const at = this.#pos;
    let p = at;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (p >= this.end) return this.#varintFail('truncated', at);
      const byte = b[p++]!;
      // The fifth byte may carry only the top 4 bits and must end the varint.
      if (shift === 28 && byte > 0x0f) return this.#varintFail('varint_too_long', at);
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.#pos = p;
        return value >>> 0;
      }
    }
  }

  /** Zigzag varint (int32), as in record fields. */
  varint(): number {
    const u = this.unsignedVarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag varlong (int64, at most 10 bytes) as a number; beyond the safe range: 'int64_out_of_range'. */
  varlong(): number {
    if (this.#error !== null) return 0;
    const b = this.buf;
    const at = this.#pos;
    if (at >= this.end) return this.#varintFail('truncated', at);
    // Accumulate the zigzag value already halved (the magnitude): exact up to 2^53, monotone above.
    let p = at;
    let byte = b[p++]!;
    const negative = (byte & 1) === 1;
    let magnitude = (byte & 0x7e) / 2;
    for (let scale = 64; byte >= 0x80; scale *= 128) {
      if (p - at === 10) return this.#varintFail('varint_too_long', at);
      if (p >= this.end) return this.#varintFail('truncated', at);
      byte = b[p++]!;
      magnitude += (byte & 0x7f) * scale;
    }
    if (magnitude > Number.MAX_SAFE_INTEGER || (negative && magnitude === Number.MAX_SAFE_INTEGER)) {
      return this.#varintFail('int64_out_of_range', at);
    }
    this.#pos = p;
    return negative ? -magnitude - 1 : magnitude;
  }

  #varintFail(code: 'truncated' | 'varint_too_long' | 'int64_out_of_range', at: number): number {
    const what =
      code === 'truncated' ? 'runs past the end' : code === 'varint_too_long' ? 'is too long for its type' : 'is outside the safe-integer range';
    this.fail(code, `varint at ${at} ${what}`, at);
    return 0;
  }

  /** The next n bytes as a subarray of buf (no copy); n < 0 records 'bad_length'. */
  bytes(n: number): Uint8Array {
    if (this.#error !== null) return EMPTY;
    if (!(n >= 0) || !Number.isInteger(n)) {
      this.fail('bad_length', `length ${n} at ${this.#pos} is not a non-negative integer`);
      return EMPTY;
    }
    if (!this.#need(n)) return EMPTY;
    const p = this.#pos;
    this.#pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** Advances n bytes with the checks of bytes(), without making the subarray. */
  skip(n: number): void {
    if (this.#error !== null) return;
    if (!(n >= 0) || !Number.isInteger(n)) {
      this.fail('bad_length', `length ${n} at ${this.#pos} is not a non-negative integer`);
      return;
    }
    if (this.#need(n)) this.#pos += n;
  }
}
