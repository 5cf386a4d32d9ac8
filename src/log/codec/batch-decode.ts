// Decodes the records of one Kafka record batch v2, decompressing first when attributes say so.
// Bounded: every length is checked against what remains of its record before use, header counts
// against limits.recordHeadersMax, the decompressed size against decompressedBytesMax; the records
// must number exactly recordCount and consume the payload exactly. Never throws on bad input. Keys,
// values and header values are subarrays of the input (or of the decompressed copy): no copies.

import { limits } from '../../limits.ts';
import { BATCH_LOG_OVERHEAD_BYTES, RECORDS_OFFSET, TimestampType, readBatchHeader, type BatchHeader } from './batch-format.ts';
import { Compression, decompress } from './compression.ts';
import { ByteReader } from './reader.ts';
import { fail, ok, type Result } from './result.ts';
import { asciiText, latin1Text, recurringText, strictUtf8 } from './utf8.ts';

export interface DecodedRecord {
  offset: number;
  /** CreateTime (baseTimestamp + delta), or the batch's maxTimestamp for LogAppendTime batches. */
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

/**
 * A record checked whole but not decoded past its key: what a reader that holds many records for a
 * while keeps (a subscription's window), so no header objects live that long. recordAt() decodes it
 * when it is needed; `bytes` (the batch's records, or their decompressed copy) stays referenced.
 */
export interface RecordRef {
  readonly offset: number;
  readonly timestampMs: number;
  /**
   * The key's bytes as latin1 text, one character per byte (null for a null key): equal keys give
   * equal strings, so it serves as an identity (per-key ordering) without a view on the bytes. It is
   * not the key decoded as UTF-8; recordAt gives the key's bytes.
   */
  readonly keyLatin1: string | null;
  /** Bytes of the whole record in the batch (length prefix included): what holding it costs. */
  readonly recordBytes: number;
  readonly bytes: Uint8Array;
  /** Where the record (its length varint) starts in `bytes`. */
  readonly at: number;
}

/** attributes i8 + timestampDelta, offsetDelta, key length, value length, header count (1 byte each at least). */
const RECORD_BODY_BYTES_MIN = 6;

/**
 * Records of the batch at buf[pos]. Does not check the CRC (validateBatch does). Error positions
 * are absolute in buf; inside compressed records they point at the records section (pos + 61) and
 * the message gives the offset within the decompressed bytes.
 */
export function decodeRecords(buf: Uint8Array, pos: number, opts: { decompressedBytesMax: number }): Result<DecodedRecord[]> {
  return decodeBatch(buf, pos, opts, decodeRecord);
}

/** Like decodeRecords, header values as text where they are valid UTF-8 (what a view of them as JSON needs). */
export function decodeTextRecords(buf: Uint8Array, pos: number, opts: { decompressedBytesMax: number }): Result<TextHeadersRecord[]> {
  return decodeBatch(buf, pos, opts, decodeTextRecord);
}

/** Like decodeRecords, every record checked the same way, but kept as RecordRefs (see there). */
export function decodeRecordRefs(buf: Uint8Array, pos: number, opts: { decompressedBytesMax: number }): Result<RecordRef[]> {
  return decodeBatch(buf, pos, opts, decodeRecordRef);
}

/** The record a RecordRef points at, decoded (it was checked when the ref was made). */
export function recordAt(ref: RecordRef): DecodedRecord {
  return decodeRef(ref, byteHeaders);
}

/**
 * A record whose header values are text where they are valid UTF-8 (else their bytes): what a view
 * of it as JSON needs. DecodedRecord is one too, with every value as bytes.
 */
export interface TextHeadersRecord {
  offset: number;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: string | Uint8Array | null }[];
}

/**
 * Like recordAt, header values decoded to text where they are valid UTF-8: a delivery made from it
 * needs no byte view per header (short ASCII values are read in place).
 */
export function recordTextAt(ref: RecordRef): TextHeadersRecord {
  return decodeRef(ref, textHeaders);
}

/** The bytes of the record a RecordRef points at, as its batch holds them (length varint first): a subarray, no copy. */
export function recordBytesOf(ref: RecordRef): Uint8Array {
  return ref.bytes.subarray(ref.at, ref.at + ref.recordBytes);
}

/**
 * One record in its batch encoding (what recordBytesOf gives) that fills bytes[start, end) exactly,
 * checked as a record of a batch is, header values as text where they are valid UTF-8. Its offset and
 * timestamp are the caller's: the record's own deltas mean something only beside its batch header.
 * Never throws on bad input.
 */
export function decodeTextRecordAt(bytes: Uint8Array, start: number, end: number, offset: number, timestampMs: number): Result<TextHeadersRecord> {
  const r = new ByteReader(bytes, start, end);
  const p = readPrefix(r);
  const fields = readFields(r, p.recordEnd, textHeaders);
  if (r.error === null && (r.pos !== p.recordEnd || p.recordEnd !== end)) {
    r.fail('record_length_mismatch', `record at ${start} should fill ${end - start} bytes; its length says ${p.recordEnd - start}, its fields end at ${r.pos - start}`, start);
  }
  if (r.error !== null) return { ok: false, error: r.error };
  return ok({ offset, timestampMs, key: fields.key, value: fields.value, headers: fields.headers });
}

function decodeRef<V>(ref: RecordRef, headers: HeadersReader<V>) {
  const r = new ByteReader(ref.bytes, ref.at, ref.bytes.length);
  const fields = readFields(r, readPrefix(r).recordEnd, headers);
  if (r.error !== null) throw new Error(`the record at ${ref.at} no longer decodes: ${r.error.message}`);
  return { offset: ref.offset, timestampMs: ref.timestampMs, key: fields.key, value: fields.value, headers: fields.headers };
}

type RecordDecoder<T> = (r: ByteReader, header: BatchHeader) => T;

function decodeBatch<T>(buf: Uint8Array, pos: number, opts: { decompressedBytesMax: number }, decode: RecordDecoder<T>): Result<T[]> {
  const h = readBatchHeader(buf, pos);
  if (!h.ok) return h;
  const header = h.value;
  const start = pos + RECORDS_OFFSET;
  const end = pos + header.batchLength + BATCH_LOG_OVERHEAD_BYTES;
  if (end > buf.length) return fail('truncated', `batch at ${pos} needs ${end - pos} bytes, ${buf.length - pos} remain`, pos);
  if (header.compression === Compression.none) return decodeAll(new ByteReader(buf, start, end), header, decode);

  const maxBytes = Math.min(opts.decompressedBytesMax, limits.decompressedBytesMax);
  const d = decompress(header.compression, buf.subarray(start, end), { maxBytes });
  if (!d.ok) return fail(d.error.code, d.error.message, start);
  const r = decodeAll(new ByteReader(d.value), header, decode);
  if (r.ok) return r;
  return fail(r.error.code, `in decompressed records at byte ${r.error.position}: ${r.error.message}`, start);
}

function decodeAll<T>(r: ByteReader, header: BatchHeader, decode: RecordDecoder<T>): Result<T[]> {
  const out: T[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    if (r.remaining === 0) {
      return fail('record_count_mismatch', `recordCount is ${header.recordCount} but the payload holds ${i}`, r.pos);
    }
    const record = decode(r, header);
    if (r.error !== null) return { ok: false, error: r.error };
    out.push(record);
  }
  if (r.remaining !== 0) {
    return fail('record_count_mismatch', `${r.remaining} bytes remain after ${header.recordCount} records`, r.pos);
  }
  return ok(out);
}

/** A record's length, attributes, timestamp and offset deltas. */
function readPrefix(r: ByteReader): { at: number; recordEnd: number; timestampDelta: number; offsetDelta: number } {
  const at = r.pos;
  const length = r.varint();
  if (r.error === null && length < RECORD_BODY_BYTES_MIN) r.fail('bad_length', `record length ${length} at ${at} is too small`, at);
  if (r.error === null && length > r.remaining) {
    r.fail('record_overrun', `record at ${at} declares ${length} bytes, ${r.remaining} remain`, at);
  }
  const recordEnd = r.pos + length;
  r.int8(); // record attributes: unused by Kafka
  const timestampDelta = r.varlong();
  const offsetDelta = r.varint();
  return { at, recordEnd, timestampDelta, offsetDelta };
}

/** The record's offset and timestamp, and the checks every record gets once its fields are read. */
function finish(r: ByteReader, header: BatchHeader, p: { at: number; recordEnd: number; timestampDelta: number; offsetDelta: number }): { offset: number; timestampMs: number } {
  if (r.error === null && r.pos !== p.recordEnd) {
    r.fail('record_length_mismatch', `record at ${p.at} should end at ${p.recordEnd}, its fields end at ${r.pos}`, p.at);
  }
  const offset = header.baseOffset + p.offsetDelta;
  const timestampMs = header.timestampType === TimestampType.logAppendTime ? header.maxTimestamp : header.baseTimestamp + p.timestampDelta;
  if (r.error === null && !(Number.isSafeInteger(offset) && Number.isSafeInteger(timestampMs))) {
    r.fail('int64_out_of_range', `record at ${p.at}: offset or timestamp outside the safe-integer range`, p.at);
  }
  return { offset, timestampMs };
}

function decodeRecordRef(r: ByteReader, header: BatchHeader): RecordRef {
  const p = readPrefix(r);
  const keyLength = skipField(r, p.recordEnd);
  const keyLatin1 = keyLength === null || r.error !== null ? null : latin1Text(r.buf, r.pos - keyLength, r.pos);
  skipField(r, p.recordEnd); // the value
  skipHeaders(r, p.recordEnd);
  const { offset, timestampMs } = finish(r, header, p);
  return { offset, timestampMs, keyLatin1, recordBytes: p.recordEnd - p.at, bytes: r.buf, at: p.at };
}

/** One record; on bad input sets r.error and returns a placeholder the caller discards. */
function decodeRecord(r: ByteReader, header: BatchHeader): DecodedRecord {
  return decodeRecordWith(r, header, byteHeaders);
}

/** Like decodeRecord, header values as text where they are valid UTF-8 (see recordTextAt). */
function decodeTextRecord(r: ByteReader, header: BatchHeader): TextHeadersRecord {
  return decodeRecordWith(r, header, textHeaders);
}

function decodeRecordWith<V>(r: ByteReader, header: BatchHeader, headers: HeadersReader<V>) {
  const p = readPrefix(r);
  const fields = readFields(r, p.recordEnd, headers);
  const { offset, timestampMs } = finish(r, header, p);
  return { offset, timestampMs, key: fields.key, value: fields.value, headers: fields.headers };
}

type HeaderValueReader<V> = (r: ByteReader, recordEnd: number) => V | null;
type HeadersReader<V> = (r: ByteReader, recordEnd: number) => { key: string; value: V | null }[];

/** Headers with every value as bytes. */
const byteHeaders: HeadersReader<Uint8Array> = (r, recordEnd) => readHeaders(r, recordEnd, field);

/** Headers with values as text where they are valid UTF-8 (the fast path when all of them are ASCII). */
const textHeaders: HeadersReader<string | Uint8Array> = (r, recordEnd) => readAsciiHeaders(r, recordEnd) ?? readHeaders(r, recordEnd, textField);

/** Key, value and headers (after the record's prefix). */
function readFields<V>(r: ByteReader, recordEnd: number, headers: HeadersReader<V>) {
  const key = field(r, recordEnd);
  const value = field(r, recordEnd);
  return { key, value, headers: headers(r, recordEnd) };
}

/** A varint-length byte field: -1 is null; other negatives are 'bad_length'; past the record 'record_overrun'. */
function field(r: ByteReader, recordEnd: number): Uint8Array | null {
  const n = fieldLength(r, recordEnd);
  return n === null ? null : r.bytes(n);
}

/** Like field, without the subarray: its length, or null (a null field or an error). */
function skipField(r: ByteReader, recordEnd: number): number | null {
  const n = fieldLength(r, recordEnd);
  if (n !== null) r.skip(n);
  return n;
}

/** A field's length, checked: null for a null field or an error (in r.error: 'bad_length', 'record_overrun', or the varint's). */
export function fieldLength(r: ByteReader, recordEnd: number): number | null {
  const at = r.pos;
  const n = r.varint();
  if (r.error !== null) return null;
  if (n === -1) return null;
  if (n < -1) {
    r.fail('bad_length', `field length ${n} at ${at}`, at);
    return null;
  }
  if (n > recordEnd - r.pos) {
    r.fail('record_overrun', `field of ${n} bytes at ${at} runs past its record`, at);
    return null;
  }
  return n;
}

/** The header count, checked: at most limits.recordHeadersMax and no more than the record's bytes allow; -1 on error. */
export function headerCount(r: ByteReader, recordEnd: number): number {
  const at = r.pos;
  const count = r.varint();
  if (r.error !== null) return -1;
  if (count < 0) {
    r.fail('bad_length', `header count ${count} at ${at}`, at);
    return -1;
  }
  // Each header takes at least 2 bytes (key length, value length): bounds the loop by the input.
  if (count > limits.recordHeadersMax || count * 2 > recordEnd - r.pos) {
    r.fail('too_many_headers', `${count} headers at ${at}: above limits.recordHeadersMax or the record's bytes`, at);
    return -1;
  }
  return count;
}

/** A header key's length, checked as a field's; a null key is 'bad_header_key'. Null on any error. */
function headerKeyLength(r: ByteReader, recordEnd: number): number | null {
  const keyAt = r.pos;
  const n = fieldLength(r, recordEnd);
  if (r.error === null && n === null) r.fail('bad_header_key', `header key at ${keyAt} is null`, keyAt);
  return r.error === null ? n : null;
}

/** Headers with each value read by `value` (a field reader: same checks as field). Keys as text, read in place. */
function readHeaders<V>(r: ByteReader, recordEnd: number, value: HeaderValueReader<V>): { key: string; value: V | null }[] {
  const count = headerCount(r, recordEnd);
  const headers: { key: string; value: V | null }[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const n = headerKeyLength(r, recordEnd);
    if (n === null) break;
    const key = recurringText(r.buf, r.pos, r.pos + n);
    r.skip(n);
    headers.push({ key, value: value(r, recordEnd) });
  }
  return headers;
}

/**
 * The headers when every byte from here to the record's end is ASCII (every key and value ASCII, and
 * every length a one-byte varint), as substrings of one latin1 read of those bytes: one native call
 * per record instead of two per header. Null, with nothing read, otherwise.
 */
function readAsciiHeaders(r: ByteReader, recordEnd: number): { key: string; value: string | null }[] | null {
  if (r.error !== null || recordEnd > r.end) return null; // the generic path reports it
  const base = r.pos;
  const text = asciiText(r.buf, base, recordEnd);
  if (text === null) return null;
  const count = headerCount(r, recordEnd);
  const headers: { key: string; value: string | null }[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const n = headerKeyLength(r, recordEnd);
    if (n === null) break;
    const key = recurringText(r.buf, r.pos, r.pos + n);
    r.skip(n);
    const v = fieldLength(r, recordEnd);
    if (r.error !== null) break;
    let value: string | null = null;
    if (v !== null) {
      value = text.substring(r.pos - base, r.pos - base + v);
      r.skip(v);
    }
    headers.push({ key, value });
  }
  return headers;
}

/** A varint-length field as text when it is valid UTF-8, else its bytes (a subarray); null for a null field or an error. */
function textField(r: ByteReader, recordEnd: number): string | Uint8Array | null {
  const n = fieldLength(r, recordEnd);
  if (n === null) return null;
  const start = r.pos;
  r.skip(n);
  return strictUtf8(r.buf, start, start + n) ?? r.buf.subarray(start, start + n);
}

/** The same checks as readHeaders (lengths and counts; keys are not UTF-8-checked there either), nothing kept. */
function skipHeaders(r: ByteReader, recordEnd: number): void {
  const count = headerCount(r, recordEnd);
  for (let i = 0; i < count && r.error === null; i++) {
    const keyAt = r.pos;
    if (skipField(r, recordEnd) === null && r.error === null) r.fail('bad_header_key', `header key at ${keyAt} is null`, keyAt);
    skipField(r, recordEnd);
  }
}
