// Encodes records into one Kafka record batch v2, byte-identical to what kafkajs builds for the same
// input (offset deltas 0..n-1, timestamp deltas from the first record, CRC-32C over 21..end).
// Sizes everything exactly first, then writes into a single allocation (uncompressed) or one for the
// records plus one for the batch (compressed). Bad arguments are programmer errors and throw.
// A record may come with its fields already encoded (EncodedRecordInput: key, value and headers as
// bytes, made by RecordFieldsEncoder, e.g. in a client); they are copied as they are.

import { Buffer } from 'node:buffer';
import { limits } from '../../limits.ts';
import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_MAGIC,
  CONTROL_MASK,
  CRC_OFFSET,
  RECORDS_OFFSET,
  TRANSACTIONAL_MASK,
} from './batch-format.ts';
import { Compression, compress, isKnownCompression } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { utf8Length, writeUtf8 } from './utf8.ts';
import { varintSize, varlongSize, writeInt16, writeInt32, writeInt64, writeInt8, writeVarint, writeVarlong } from './writer.ts';

export interface RecordHeader {
  key: string;
  /** Bytes, or a string stored as its UTF-8 bytes (no Buffer per header on the publish path). */
  value: Uint8Array | string | null;
}

export interface RecordInput {
  key: Uint8Array | null;
  /** Bytes, or a string stored as its UTF-8 bytes (a JSON value needs no Buffer of its own). */
  value: Uint8Array | string | null;
  headers?: readonly RecordHeader[];
  /** CreateTime of this record; defaults to opts.timestampMs. */
  timestampMs?: number;
}

/**
 * A record whose fields are already encoded: the bytes from its key length to its end (key, value,
 * header count, headers), as RecordFieldsEncoder writes them. The batch adds the length, attributes
 * and deltas in front. Whoever builds one from outside input has checked those bytes first.
 */
export interface EncodedRecordInput {
  /** The key, also inside `fields` (the partitioner hashes it). */
  key: Uint8Array | null;
  fields: Uint8Array;
  /** CreateTime of this record; defaults to opts.timestampMs. */
  timestampMs?: number;
}

export type BatchRecordInput = RecordInput | EncodedRecordInput;

export function isEncodedRecord(r: BatchRecordInput): r is EncodedRecordInput {
  return (r as EncodedRecordInput).fields !== undefined;
}

export interface EncodeBatchOptions {
  baseOffset?: number;
  /** Timestamp for records without their own. */
  timestampMs: number;
  compression?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  isTransactional?: boolean;
  isControl?: boolean;
}

function fieldSize(b: Uint8Array | null): number {
  return b === null ? 1 : varintSize(b.length) + b.length;
}

function writeField(buf: Uint8Array, pos: number, b: Uint8Array | null): number {
  if (b === null) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  pos = writeVarint(buf, pos, b.length);
  buf.set(b, pos);
  return pos + b.length;
}

interface Sizing {
  /** Bytes of all records, length prefixes included. */
  recordsBytes: number;
  /** Body size of each record (what its length prefix says). */
  bodyBytes: number[];
  /** UTF-8 byte length of every string written, in write order across all records (see fieldsSize). */
  stringBytes: number[];
  /** Each record's header section (see asciiHeaderSection), null where there is none. */
  sections: (string | null)[];
  baseTimestamp: number;
  maxTimestamp: number;
}

/** The one-character strings of 0..127: a one-byte varint as text. */
const asciiChars = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

/**
 * A record's headers as one string holding their encoded bytes (the count, then each key's length,
 * key, value's length and value), when that string is all ASCII: every key and value a string of at
 * most 63 characters (lengths are then one-byte varints), at most 63 headers, no character above
 * 0x7f. Sized by one native call and written by one, instead of a loop per key and per value. Null
 * otherwise (the headers are then sized and written one by one).
 */
function asciiHeaderSection(headers: readonly RecordHeader[]): string | null {
  if (headers.length > 63) return null;
  let s = asciiChars[headers.length << 1]!;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    const v = h.value;
    if (typeof v !== 'string' || h.key.length > 63 || v.length > 63) return null;
    s = `${s}${asciiChars[h.key.length << 1]!}${h.key}${asciiChars[v.length << 1]!}${v}`;
  }
  // Every character is at least one UTF-8 byte and only ASCII exactly one (this also flattens s once).
  return Buffer.byteLength(s, 'utf8') === s.length ? s : null;
}

/** What fieldsSize leaves for writeFields: string byte lengths (bytes[0..n), appended in place: no array per record) and the last record's header section. */
interface StringSizes {
  bytes: number[];
  n: number;
  /** The last sized record's asciiHeaderSection, or null. */
  section: string | null;
}

/**
 * Bytes of a record's fields (key, value, header count, headers). Sets `sizes.section` to the
 * record's asciiHeaderSection (or null), and appends to `sizes.bytes` the UTF-8 byte length of every
 * other string it will write, in write order: a string value, then each header key and string header value.
 */
function fieldsSize(r: RecordInput, sizes: StringSizes): number {
  let body = fieldSize(r.key);
  if (typeof r.value === 'string') {
    const valueBytes = utf8Length(r.value);
    sizes.bytes[sizes.n++] = valueBytes;
    body += varintSize(valueBytes) + valueBytes;
  } else body += fieldSize(r.value);
  const headers = r.headers ?? [];
  if (headers.length > limits.recordHeadersMax) {
    throw new RangeError(`encodeBatch: a record has ${headers.length} headers, above limits.recordHeadersMax`);
  }
  const section = asciiHeaderSection(headers);
  sizes.section = section;
  if (section !== null) return body + section.length;
  body += varintSize(headers.length);
  for (const h of headers) {
    const keyBytes = utf8Length(h.key);
    sizes.bytes[sizes.n++] = keyBytes;
    body += varintSize(keyBytes) + keyBytes;
    if (typeof h.value === 'string') {
      const valueBytes = utf8Length(h.value);
      sizes.bytes[sizes.n++] = valueBytes;
      body += varintSize(valueBytes) + valueBytes;
    } else body += fieldSize(h.value);
  }
  return body;
}

/** Where writeFields is in a Sizing's stringBytes. */
interface StringCursor {
  k: number;
}

/** Writes a record's fields as fieldsSize sized them (string lengths from `stringBytes` at `c.k`; `section`: the asciiHeaderSection it found, or null). */
function writeFields(buf: Uint8Array, pos: number, r: RecordInput, stringBytes: readonly number[], c: StringCursor, section: string | null): number {
  pos = writeField(buf, pos, r.key);
  if (typeof r.value === 'string') {
    const valueBytes = stringBytes[c.k++]!;
    pos = writeVarint(buf, pos, valueBytes);
    pos = writeUtf8(buf, pos, r.value, valueBytes);
  } else pos = writeField(buf, pos, r.value);
  if (section !== null) return writeUtf8(buf, pos, section, section.length);
  const headers = r.headers ?? [];
  pos = writeVarint(buf, pos, headers.length);
  for (const h of headers) {
    const keyBytes = stringBytes[c.k++]!;
    pos = writeVarint(buf, pos, keyBytes);
    pos = writeUtf8(buf, pos, h.key, keyBytes);
    if (typeof h.value === 'string') {
      const valueBytes = stringBytes[c.k++]!;
      pos = writeVarint(buf, pos, valueBytes);
      pos = writeUtf8(buf, pos, h.value, valueBytes);
    } else pos = writeField(buf, pos, h.value);
  }
  return pos;
}

function size(records: readonly BatchRecordInput[], defaultTimestampMs: number): Sizing {
  const baseTimestamp = records[0]!.timestampMs ?? defaultTimestampMs;
  let maxTimestamp = baseTimestamp;
  const bodyBytes = new Array<number>(records.length);
  const sizes: StringSizes = { bytes: [], n: 0, section: null };
  const sections: (string | null)[] = [];
  let recordsBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const ts = r.timestampMs ?? defaultTimestampMs;
    if (ts > maxTimestamp) maxTimestamp = ts;
    let fields: number;
    if (isEncodedRecord(r)) {
      fields = r.fields.length;
      sections.push(null);
    } else {
      fields = fieldsSize(r, sizes);
      sections.push(sizes.section);
    }
    const body = 1 + varlongSize(ts - baseTimestamp) + varintSize(i) + fields;
    bodyBytes[i] = body;
    recordsBytes += varintSize(body) + body;
  }
  return { recordsBytes, bodyBytes, stringBytes: sizes.bytes, sections, baseTimestamp, maxTimestamp };
}

function writeRecords(buf: Uint8Array, pos: number, records: readonly BatchRecordInput[], s: Sizing, defaultTimestampMs: number): number {
  const c: StringCursor = { k: 0 };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    pos = writeVarint(buf, pos, s.bodyBytes[i]!);
    buf[pos++] = 0; // record attributes: unused
    pos = writeVarlong(buf, pos, (r.timestampMs ?? defaultTimestampMs) - s.baseTimestamp);
    pos = writeVarint(buf, pos, i);
    if (isEncodedRecord(r)) {
      buf.set(r.fields, pos);
      pos += r.fields.length;
    } else pos = writeFields(buf, pos, r, s.stringBytes, c, s.sections[i] ?? null);
  }
  return pos;
}

/**
 * Encodes one record's fields at a time (see EncodedRecordInput), for a client building them into a
 * frame: size() a record, then write() that same record. It reuses its bookkeeping from record to
 * record, so encoding allocates nothing that lives past the call.
 */
export class RecordFieldsEncoder {
  readonly #sizes: StringSizes = { bytes: [], n: 0, section: null };
  readonly #cursor: StringCursor = { k: 0 };
  #sized: RecordInput | null = null;
  #bytes = 0;

  /** Bytes of the record's fields. Throws a RangeError on more headers than limits.recordHeadersMax. */
  size(record: RecordInput): number {
    this.#sizes.n = 0;
    this.#bytes = fieldsSize(record, this.#sizes);
    this.#sized = record;
    return this.#bytes;
  }

  /** Writes the fields of the record just sized at buf[pos] (size() bytes); returns the position after them. */
  write(buf: Uint8Array, pos: number, record: RecordInput): number {
    if (record !== this.#sized) throw new Error('RecordFieldsEncoder: write() the record size() was last called with');
    this.#cursor.k = 0;
    const end = writeFields(buf, pos, record, this.#sizes.bytes, this.#cursor, this.#sizes.section);
    if (end !== pos + this.#bytes) throw new Error(`RecordFieldsEncoder: sized ${this.#bytes} bytes, wrote ${end - pos}`);
    this.#sized = null;
    return end;
  }
}

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!(Number.isSafeInteger(v) && v >= min && v <= max)) throw new RangeError(`encodeBatch: ${what} ${v} out of range`);
}

/** One record batch v2 holding `records` (at least one) with offset deltas 0..n-1. */
export function encodeBatch(records: readonly BatchRecordInput[], opts: EncodeBatchOptions): Uint8Array {
  const compression = opts.compression ?? Compression.none;
  const producerId = opts.producerId ?? -1;
  const producerEpoch = opts.producerEpoch ?? -1;
  const baseSequence = opts.baseSequence ?? -1;
  const partitionLeaderEpoch = opts.partitionLeaderEpoch ?? 0;
  if (records.length === 0 || records.length > limits.batchRecordsMax) {
    throw new RangeError(`encodeBatch: ${records.length} records; a batch holds 1..${limits.batchRecordsMax}`);
  }
  if (!isKnownCompression(compression)) throw new RangeError(`encodeBatch: unknown compression ${compression}`);
  checkInt(producerEpoch, -0x8000, 0x7fff, 'producerEpoch');
  checkInt(baseSequence, -0x8000_0000, 0x7fff_ffff, 'baseSequence');
  checkInt(partitionLeaderEpoch, -0x8000_0000, 0x7fff_ffff, 'partitionLeaderEpoch');
  checkInt(opts.timestampMs, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'timestampMs');

  const s = size(records, opts.timestampMs);
  let buf: Buffer;
  let end: number;
  if (compression === Compression.none) {
    end = RECORDS_OFFSET + s.recordsBytes;
    buf = allocBatch(end);
    const written = writeRecords(buf, RECORDS_OFFSET, records, s, opts.timestampMs);
    if (written !== end) throw new Error(`encodeBatch: sized ${end} bytes, wrote ${written}`);
  } else {
    const plain = Buffer.allocUnsafeSlow(s.recordsBytes);
    const written = writeRecords(plain, 0, records, s, opts.timestampMs);
    if (written !== s.recordsBytes) throw new Error(`encodeBatch: sized ${s.recordsBytes} bytes, wrote ${written}`);
    const packed = compress(compression, plain);
    end = RECORDS_OFFSET + packed.length;
    buf = allocBatch(end);
    buf.set(packed, RECORDS_OFFSET);
  }

  const attributes = compression | (opts.isTransactional ? TRANSACTIONAL_MASK : 0) | (opts.isControl ? CONTROL_MASK : 0);
  let p = writeInt64(buf, 0, opts.baseOffset ?? 0);
  p = writeInt32(buf, p, end - BATCH_LOG_OVERHEAD_BYTES);
  p = writeInt32(buf, p, partitionLeaderEpoch);
  writeInt8(buf, p, BATCH_MAGIC);
  p = ATTRIBUTES_OFFSET; // the CRC before it is written last
  p = writeInt16(buf, p, attributes);
  p = writeInt32(buf, p, records.length - 1);
  p = writeInt64(buf, p, s.baseTimestamp);
  p = writeInt64(buf, p, s.maxTimestamp);
  p = writeInt64(buf, p, producerId);
  p = writeInt16(buf, p, producerEpoch);
  p = writeInt32(buf, p, baseSequence);
  p = writeInt32(buf, p, records.length);
  if (p !== BATCH_HEADER_BYTES) throw new Error(`encodeBatch: header is ${p} bytes`);
  writeInt32(buf, CRC_OFFSET, crc32c(buf, ATTRIBUTES_OFFSET, end));
  return buf;
}

function allocBatch(bytes: number): Buffer {
  if (bytes - BATCH_LOG_OVERHEAD_BYTES > limits.batchBytesMax) {
    throw new RangeError(`encodeBatch: batch of ${bytes} bytes exceeds limits.batchBytesMax ${limits.batchBytesMax}`);
  }
  // Not zero-filled: every byte is written before return (checked above).
  return Buffer.allocUnsafeSlow(bytes);
}
