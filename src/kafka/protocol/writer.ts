// KafkaWriter: a growable big-endian encoder for responses. Like KafkaReader it switches between the
// classic and the flexible (KIP-482) forms with one flag; tags() writes an empty tag buffer.

import { unsignedVarintSize } from '../../log/codec/writer.ts';

/** Byte arrays at least this large are referenced, not copied (record batches in Fetch responses). */
const REFERENCE_BYTES_MIN = 16 * 1024;

export class KafkaWriter {
  #buf: Buffer;
  #pos = 0;
  /** Finished pieces before #buf: copied prefixes and referenced large byte arrays, in order. */
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  flexible: boolean;

  constructor(flexible = false, initialBytes = 256) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
    this.flexible = flexible;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  get length(): number {
    return this.#chunkBytes + this.#pos;
  }

  int8(v: number): this {
    this.#ensure(1);
    this.#buf.writeInt8(v, this.#pos);
    this.#pos += 1;
    return this;
  }
  int16(v: number): this {
    this.#ensure(2);
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }
  int32(v: number): this {
    this.#ensure(4);
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v >>> 0, this.#pos);
    this.#pos += 4;
    return this;
  }
  int64(v: number): this {
    this.#ensure(8);
    this.#buf.writeBigInt64BE(BigInt(v), this.#pos);
    this.#pos += 8;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uuid(v: Uint8Array): this {
    return this.raw(v);
  }

  unsignedVarint(v: number): this {
    this.#ensure(unsignedVarintSize(v));
    let x = v;
    while (x >= 0x80) {
      this.#buf[this.#pos++] = (x & 0x7f) | 0x80;
      x = Math.floor(x / 128);
    }
    this.#buf[this.#pos++] = x;
    return this;
  }

  raw(bytes: Uint8Array): this {
    if (bytes.byteLength >= REFERENCE_BYTES_MIN) {
      // Large payloads (record batches) go out by reference: no copy into the growing buffer.
      if (this.#pos > 0) {
        this.#chunks.push(this.#buf.subarray(0, this.#pos));
        this.#chunkBytes += this.#pos;
        this.#buf = Buffer.allocUnsafe(Math.max(256, this.#buf.length - this.#pos));
        this.#pos = 0;
      }
      this.#chunks.push(bytes);
      this.#chunkBytes += bytes.byteLength;
      return this;
    }
    this.#ensure(bytes.byteLength);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.byteLength;
    return this;
  }

  #len16(n: number): void {
    if (this.flexible) this.unsignedVarint(n + 1);
    else this.int16(n);
  }

  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.#len16(b.length);
    return this.raw(b);
  }

  nullableString(s: string | null): this {
    if (s === null) {
      if (this.flexible) return this.unsignedVarint(0);
      return this.int16(-1);
    }
    return this.string(s);
  }

  bytes(b: Uint8Array): this {
    if (this.flexible) this.unsignedVarint(b.byteLength + 1);
    else this.int32(b.byteLength);
    return this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): this {
    if (b === null) return this.flexible ? this.unsignedVarint(0) : this.int32(-1);
    return this.bytes(b);
  }

  array<T>(items: readonly T[], write: (item: T) => void): this {
    if (this.flexible) this.unsignedVarint(items.length + 1);
    else this.int32(items.length);
    for (const it of items) write(it);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, write: (item: T) => void): this {
    if (items === null) return this.flexible ? this.unsignedVarint(0) : this.int32(-1);
    return this.array(items, write);
  }

  /** An empty TAG_BUFFER in flexible versions; nothing otherwise. */
  tags(): this {
    if (this.flexible) this.unsignedVarint(0);
    return this;
  }

  /** The encoded bytes as one buffer (copies referenced pieces; the writer must not be reused after). */
  finish(): Buffer {
    if (this.#chunks.length === 0) return this.#buf.subarray(0, this.#pos);
    return Buffer.concat([...this.#chunks, this.#buf.subarray(0, this.#pos)]);
  }

  /** The encoded bytes as pieces to write in order (no copy of referenced byte arrays). */
  finishChunks(): Uint8Array[] {
    const tail = this.#buf.subarray(0, this.#pos);
    return this.#chunks.length === 0 ? [tail] : [...this.#chunks, tail];
  }
}
