// Rewrites one record batch v2 keeping a subset of its records, for compaction. Kept records are
// copied byte for byte, so their offset and timestamp deltas stay relative to the original
// baseOffset and baseTimestamp; the header keeps baseOffset, lastOffsetDelta (the next offset stays
// where it was, as in Kafka), producer fields and codec, and gets a new batchLength, recordCount,
// maxTimestamp (CreateTime) and CRC-32C. Invariant: every kept record keeps its offset, and the
// result passes validateBatch.

import { limits } from '../limits.ts';
import { Compression, compress, decompress } from './codec/compression.ts';
import { crc32c } from './codec/crc32c.ts';
import { ByteReader } from './codec/reader.ts';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  BATCH_LOG_OVERHEAD_BYTES,
  CRC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  TimestampType,
  decodeRecords,
  validateBatch,
  type BatchHeader,
  type DecodedRecord,
} from './codec/record-batch.ts';
import { writeInt32, writeInt64 } from './codec/writer.ts';

/** A batch whose records could be decoded: the records and each one's byte range in `payload`. */
export interface OpenedBatch {
  header: BatchHeader;
  records: DecodedRecord[];
  /** The uncompressed records section. */
  payload: Uint8Array;
  /** [start, end) of record i in payload. */
  ranges: [number, number][];
}

/**
 * Decodes the records of the (already CRC-checked) batch `batch`; null when they cannot be decoded
 * here (codec not registered, records malformed): such a batch is kept verbatim.
 */
export function openBatch(batch: Uint8Array, header: BatchHeader): OpenedBatch | null {
  const recs = decodeRecords(batch, 0, { decompressedBytesMax: limits.decompressedBytesMax });
  if (!recs.ok) return null;
  const section = batch.subarray(RECORDS_OFFSET, header.batchLength + BATCH_LOG_OVERHEAD_BYTES);
  let payload = section;
  if (header.compression !== Compression.none) {
    const d = decompress(header.compression, section, { maxBytes: limits.decompressedBytesMax });
    if (!d.ok) return null;
    payload = d.value;
  }
  const r = new ByteReader(payload);
  const ranges: [number, number][] = [];
  for (let i = 0; i < recs.value.length; i++) {
    const start = r.pos;
    const length = r.varint();
    r.skip(length);
    if (r.error !== null) return null;
    ranges.push([start, r.pos]);
  }
  if (r.remaining !== 0) return null;
  return { header, records: recs.value, payload, ranges };
}

/** A new batch holding the records of `opened` whose `keep` flag is set (at least one). */
export function rebuildBatch(original: Uint8Array, opened: OpenedBatch, keep: readonly boolean[]): Uint8Array {
  const { header, records, payload, ranges } = opened;
  const parts: Uint8Array[] = [];
  let count = 0;
  let maxTimestamp = -1;
  for (let i = 0; i < records.length; i++) {
    if (!keep[i]) continue;
    const [s, e] = ranges[i]!;
    parts.push(payload.subarray(s, e));
    count++;
    if (records[i]!.timestampMs > maxTimestamp) maxTimestamp = records[i]!.timestampMs;
  }
  if (count === 0) throw new Error('rebuildBatch: no record kept');
  if (header.timestampType === TimestampType.logAppendTime) maxTimestamp = header.maxTimestamp;
  const plain = Buffer.concat(parts);
  const section = header.compression === Compression.none ? plain : compress(header.compression, plain);
  const out = Buffer.allocUnsafe(RECORDS_OFFSET + section.byteLength);
  out.set(original.subarray(0, RECORDS_OFFSET), 0);
  out.set(section, RECORDS_OFFSET);
  writeInt32(out, BATCH_LENGTH_OFFSET, out.length - BATCH_LOG_OVERHEAD_BYTES);
  writeInt64(out, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeInt32(out, RECORD_COUNT_OFFSET, count);
  writeInt32(out, CRC_OFFSET, crc32c(out, ATTRIBUTES_OFFSET, out.length));
  const v = validateBatch(out, 0, { bytesMax: limits.batchBytesMax });
  if (!v.ok) throw new Error(`rebuildBatch: rebuilt batch at offset ${header.baseOffset} is invalid: ${v.error.message}`);
  return out;
}
