// KafkaReader: Kafka protocol types over the bounded, never-throwing ByteReader. One reader serves
// both classic and flexible (KIP-482) versions: with `flexible` set, strings, bytes and arrays are
// the compact forms and tags() reads a tag buffer; without it, tags() reads nothing. Every length and
// count is checked against a named limit and against the bytes that remain before it is used.

import { ByteReader } from '../../log/codec/reader.ts';
import type { CodecError } from '../../log/codec/result.ts';
import { kafkaLimits } from './limits.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class KafkaReader {
  readonly r: ByteReader;
  flexible: boolean;

  constructor(buf: Uint8Array, options: { start?: number; end?: number; flexible?: boolean } = {}) {
    this.r = new ByteReader(buf, options.start ?? 0, options.end ?? buf.length);
    this.flexible = options.flexible ?? false;
  }

  get error(): CodecError | null {
    return this.r.error;
  }
  get ok(): boolean {
    return this.r.ok;
  }
  get remaining(): number {
    return this.r.remaining;
  }

  int8(): number {
    return this.r.int8();
  }
  int16(): number {
    return this.r.int16();
  }
  int32(): number {
    return this.r.int32();
  }
  int64(): number {
    return this.r.int64();
  }
  bool(): boolean {
    return this.r.int8() !== 0;
  }
  uuid(): Uint8Array {
    return this.r.bytes(16);
  }

  #length(): number {
    if (this.flexible) return this.r.unsignedVarint() - 1;
    return this.#nullOrLength(this.r.int16());
  }

  /** Classic lengths: -1 is null, any other negative value is malformed (not a second null). */
  #nullOrLength(n: number): number {
    if (n < -1) this.r.fail('bad_length', `length ${n} is negative`);
    return n;
  }

  #text(n: number): string | null {
    if (n > kafkaLimits.stringBytesMax) {
      this.r.fail('string_too_long', `string of ${n} bytes is above ${kafkaLimits.stringBytesMax}`);
      return null;
    }
    const bytes = this.r.bytes(n);
    if (!this.r.ok) return null;
    try {
      return utf8.decode(bytes);
    } catch {
      this.r.fail('bad_string', 'string is not valid UTF-8');
      return null;
    }
  }

  /** STRING / COMPACT_STRING; null is an error. */
  string(): string {
    const n = this.#length();
    if (!this.r.ok) return '';
    if (n < 0) {
      this.r.fail('bad_string', 'a non-nullable string is null');
      return '';
    }
    return this.#text(n) ?? '';
  }

  /** NULLABLE_STRING / COMPACT_NULLABLE_STRING. */
  nullableString(): string | null {
    const n = this.#length();
    if (!this.r.ok || n < 0) return null;
    return this.#text(n);
  }

  /** BYTES / COMPACT_BYTES (no copy); `maxBytes` bounds it beyond what remains. */
  bytes(maxBytes: number = Number.MAX_SAFE_INTEGER): Uint8Array {
    return this.nullableBytes(maxBytes) ?? new Uint8Array(0);
  }

  nullableBytes(maxBytes: number = Number.MAX_SAFE_INTEGER): Uint8Array | null {
    const n = this.flexible ? this.r.unsignedVarint() - 1 : this.#nullOrLength(this.r.int32());
    if (!this.r.ok || n < 0) return null;
    if (n > maxBytes) {
      this.r.fail('string_too_long', `bytes field of ${n} is above ${maxBytes}`);
      return null;
    }
    return this.r.bytes(n);
  }

  /**
   * ARRAY / COMPACT_ARRAY of `read()`; null for a null array. `minElementBytes` (≥ 1) lets the count be
   * checked against what remains before anything is allocated.
   */
  nullableArray<T>(read: () => T, minElementBytes = 1, countMax: number = kafkaLimits.arrayCountMax): T[] | null {
    const n = this.flexible ? this.r.unsignedVarint() - 1 : this.#nullOrLength(this.r.int32());
    if (!this.r.ok || n < 0) return null;
    if (n > countMax || n * Math.max(1, minElementBytes) > this.r.remaining) {
      this.r.fail('array_too_long', `array of ${n} elements is above ${countMax} or what ${this.r.remaining} remaining bytes can hold`);
      return null;
    }
    const out: T[] = [];
    for (let i = 0; i < n && this.r.ok; i++) out.push(read());
    return out;
  }

  array<T>(read: () => T, minElementBytes = 1, countMax: number = kafkaLimits.arrayCountMax): T[] {
    return this.nullableArray(read, minElementBytes, countMax) ?? [];
  }

  /** TAG_BUFFER in flexible versions (every tag skipped); nothing otherwise. */
  tags(): void {
    if (!this.flexible) return;
    const n = this.r.unsignedVarint();
    if (!this.r.ok) return;
    if (n > kafkaLimits.tagsMax) {
      this.r.fail('too_many_tags', `${n} tagged fields is above ${kafkaLimits.tagsMax}`);
      return;
    }
    for (let i = 0; i < n && this.r.ok; i++) {
      this.r.unsignedVarint();
      const size = this.r.unsignedVarint();
      this.r.skip(size);
    }
  }

  /** Ends decoding: the frame must be consumed exactly. */
  end(): void {
    if (this.r.ok && this.r.remaining !== 0) this.r.fail('trailing_bytes', `${this.r.remaining} bytes remain after the request`);
  }
}
