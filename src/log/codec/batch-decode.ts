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
import { readUtf8 } from './utf8.ts';

export interface DecodedRecord {
  offset: number;
  /** CreateTime (baseTimestamp + delta), or the batch's maxTimestamp for LogAppendTime batches. */
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

/** attributes i8 + timestampDelta, offsetDelta, key length, value length, header count (1 byte each at least). */
const RECORD_BODY_BYTES_MIN = 6;

/**
 * Records of the batch at buf[pos]. Does not check the CRC (validateBatch does). Error positions
 * are absolute in buf; inside compressed records they point at the records section (pos + 61) and
 * the message gives the offset within the decompressed bytes.
 */
export function decodeRecords(buf: Uint8Array, pos: number, opts: { decompressedBytesMax: number }): Result<DecodedRecord[]> {
  const h = readBatchHeader(buf, pos);
  if (!h.ok) return h;
  const header = h.value;
  const start = pos + RECORDS_OFFSET;
  const end = pos + header.batchLength + BATCH_LOG_OVERHEAD_BYTES;
  if (end > buf.length) return fail('truncated', `batch at ${pos} needs ${end - pos} bytes, ${buf.length - pos} remain`, pos);
  if (header.compression === Compression.none) return decodeAll(new ByteReader(buf, start, end), header);

  const maxBytes = Math.min(opts.decompressedBytesMax, limits.decompressedBytesMax);
  const d = decompress(header.compression, buf.subarray(start, end), { maxBytes });
  if (!d.ok) return fail(d.error.code, d.error.message, start);
  const r = decodeAll(new ByteReader(d.value), header);
  if (r.ok) return r;
  return fail(r.error.code, `in decompressed records at byte ${r.error.position}: ${r.error.message}`, start);
}

function decodeAll(r: ByteReader, header: BatchHeader): Result<DecodedRecord[]> {
  const out: DecodedRecord[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    if (r.remaining === 0) {
      return fail('record_count_mismatch', `recordCount is ${header.recordCount} but the payload holds ${i}`, r.pos);
    }
    const record = decodeRecord(r, header);
    if (r.error !== null) return { ok: false, error: r.error };
    out.push(record);
  }
  if (r.remaining !== 0) {
    return fail('record_count_mismatch', `${r.remaining} bytes remain after ${header.recordCount} records`, r.pos);
  }
  return ok(out);
}

/** One record; on bad input sets r.error and returns a placeholder the caller discards. */
function decodeRecord(r: ByteReader, header: BatchHeader): DecodedRecord {
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
  const key = field(r, recordEnd);
  const value = field(r, recordEnd);
  const headers = decodeHeaders(r, recordEnd);
  if (r.error === null && r.pos !== recordEnd) {
    r.fail('record_length_mismatch', `record at ${at} should end at ${recordEnd}, its fields end at ${r.pos}`, at);
  }
  const offset = header.baseOffset + offsetDelta;
  const timestampMs = header.timestampType === TimestampType.logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta;
  if (r.error === null && !(Number.isSafeInteger(offset) && Number.isSafeInteger(timestampMs))) {
    r.fail('int64_out_of_range', `record at ${at}: offset or timestamp outside the safe-integer range`, at);
  }
  return { offset, timestampMs, key, value, headers };
}

/** A varint-length byte field: -1 is null; other negatives are 'bad_length'; past the record 'record_overrun'. */
function field(r: ByteReader, recordEnd: number): Uint8Array | null {
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
  return r.bytes(n);
}

function decodeHeaders(r: ByteReader, recordEnd: number): { key: string; value: Uint8Array | null }[] {
  const at = r.pos;
  const count = r.varint();
  if (r.error !== null) return [];
  if (count < 0) {
    r.fail('bad_length', `header count ${count} at ${at}`, at);
    return [];
  }
  // Each header takes at least 2 bytes (key length, value length): bounds the loop by the input.
  if (count > limits.recordHeadersMax || count * 2 > recordEnd - r.pos) {
    r.fail('too_many_headers', `${count} headers at ${at}: above limits.recordHeadersMax or the record's bytes`, at);
    return [];
  }
  const headers: { key: string; value: Uint8Array | null }[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const keyAt = r.pos;
    const key = field(r, recordEnd);
    if (r.error === null && key === null) r.fail('bad_header_key', `header key at ${keyAt} is null`, keyAt);
    const value = field(r, recordEnd);
    headers.push({ key: key === null ? '' : readUtf8(key, 0, key.length), value });
  }
  return headers;
}
