// The Kafka record batch v2 header (magic 2), byte for byte what Eddy stores on disk and serves.
// readBatchHeader is the fast scanning check (magic, lengths, record count; no CRC): it reads only
// the 61 fixed bytes and never throws. Layout, offsets from the start of the batch:
//   0 baseOffset i64 | 8 batchLength i32 (= total - 12) | 12 partitionLeaderEpoch i32 | 16 magic i8
//   17 crc u32 (CRC-32C of bytes 21..end) | 21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64
//   35 maxTimestamp i64 | 43 producerId i64 | 51 producerEpoch i16 | 53 baseSequence i32 | 57 recordCount i32 | 61 records

import { limits } from '../../limits.ts';
import { ByteReader } from './reader.ts';
import { fail, ok, type Result } from './result.ts';

export const BATCH_HEADER_BYTES = 61;
/** Bytes before batchLength starts counting: baseOffset (8) + batchLength (4). */
export const BATCH_LOG_OVERHEAD_BYTES = 12;
/** Smallest batchLength: the header from partitionLeaderEpoch on (kafkajs' RECORD_BATCH_OVERHEAD). */
export const BATCH_LENGTH_MIN = BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES;
export const BATCH_MAGIC = 2;

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
/** The CRC covers bytes ATTRIBUTES_OFFSET..end of the batch. */
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Attribute bits. */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;

export const TimestampType = { createTime: 0, logAppendTime: 1 } as const;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** Stored CRC-32C, unsigned. */
  crc: number;
  attributes: number;
  /** attributes & 7: a Compression id (0..4), or 5..7 which validateBatch rejects. */
  compression: number;
  /** TimestampType: 0 CreateTime, 1 LogAppendTime. */
  timestampType: number;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Bytes the batch occupies in the log, header included. */
export function batchTotalBytes(header: BatchHeader): number {
  return header.batchLength + BATCH_LOG_OVERHEAD_BYTES;
}

/**
 * The checks on the fields outside the CRC that frame a batch: 61 header bytes present, magic 2,
 * batchLength in 49..limits.batchBytesMax. Returns batchLength.
 */
export function readBatchFraming(buf: Uint8Array, pos: number): Result<number> {
  if (!(Number.isInteger(pos) && pos >= 0 && buf.length - pos >= BATCH_HEADER_BYTES)) {
    return fail('truncated', `batch header needs ${BATCH_HEADER_BYTES} bytes at ${pos}, buffer has ${buf.length}`, pos);
  }
  const magic = buf[pos + MAGIC_OFFSET]!;
  if (magic !== BATCH_MAGIC) return fail('bad_magic', `batch magic is ${magic}, expected 2`, pos + MAGIC_OFFSET);
  const p = pos + BATCH_LENGTH_OFFSET;
  const batchLength = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
  if (batchLength < BATCH_LENGTH_MIN) return fail('bad_length', `batchLength ${batchLength} is below ${BATCH_LENGTH_MIN}`, p);
  if (batchLength > limits.batchBytesMax) {
    return fail('batch_too_large', `batchLength ${batchLength} exceeds limits.batchBytesMax ${limits.batchBytesMax}`, p);
  }
  return ok(batchLength);
}

/**
 * Reads and sanity-checks the 61-byte header at buf[pos]: magic 2, batchLength in
 * 49..limits.batchBytesMax, int64 fields within the safe-integer range, recordCount in
 * 0..limits.batchRecordsMax. Does not check the CRC nor that the whole batch is present.
 */
export function readBatchHeader(buf: Uint8Array, pos: number): Result<BatchHeader> {
  const framing = readBatchFraming(buf, pos);
  if (!framing.ok) return framing;
  const r = new ByteReader(buf, pos, pos + BATCH_HEADER_BYTES);
  const baseOffset = r.int64();
  const batchLength = r.int32();
  const partitionLeaderEpoch = r.int32();
  const magic = r.int8();
  const crc = r.uint32();
  const attributes = r.int16();
  const lastOffsetDelta = r.int32();
  const baseTimestamp = r.int64();
  const maxTimestamp = r.int64();
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const baseSequence = r.int32();
  const recordCount = r.int32();
  if (r.error !== null) return { ok: false, error: r.error };
  if (recordCount < 0) return fail('bad_record_count', `recordCount ${recordCount} is negative`, pos + RECORD_COUNT_OFFSET);
  if (recordCount > limits.batchRecordsMax) {
    return fail('too_many_records', `recordCount ${recordCount} exceeds limits.batchRecordsMax ${limits.batchRecordsMax}`, pos + RECORD_COUNT_OFFSET);
  }
  return ok({
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    attributes,
    compression: attributes & COMPRESSION_MASK,
    timestampType: (attributes & TIMESTAMP_TYPE_MASK) === 0 ? TimestampType.createTime : TimestampType.logAppendTime,
    isTransactional: (attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (attributes & CONTROL_MASK) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    recordCount,
  });
}
