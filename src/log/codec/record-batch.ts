// Kafka record batch v2: the one module the log and the protocol layers import. Re-exports the
// header layout (batch-format.ts), encodeBatch and decodeRecords, and adds the full integrity check
// run on every produced batch and during recovery, plus the two in-place rewrites the broker does.
// Invariant: validateBatch accepts a batch only if it lies wholly in buf and its CRC-32C matches;
// baseOffset and partitionLeaderEpoch lie outside the CRC, so rewriting them keeps it valid.

import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BATCH_HEADER_BYTES,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  BATCH_LOG_OVERHEAD_BYTES,
  readBatchFraming,
  readBatchHeader,
  type BatchHeader,
} from './batch-format.ts';
import { compressionName, isKnownCompression } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { fail, ok, type Result } from './result.ts';
import { writeInt32, writeInt64 } from './writer.ts';

export * from './batch-format.ts';
export { encodeBatch, isEncodedRecord, RecordFieldsEncoder, type BatchRecordInput, type EncodedRecordInput, type EncodeBatchOptions, type RecordHeader, type RecordInput } from './batch-encode.ts';
export { decodeRecordRefs, decodeRecords, decodeTextRecordAt, decodeTextRecords, fieldLength as recordFieldLength, headerCount as recordHeaderCount, recordAt, recordBytesOf, recordTextAt, type DecodedRecord, type RecordRef, type TextHeadersRecord } from './batch-decode.ts';
export type { CodecError, CodecErrorCode, Result } from './result.ts';

/**
 * Full check of the batch at buf[pos], in this order: framing (magic, batchLength), whole batch
 * inside buf, total size <= bytesMax, CRC-32C over bytes 21..end, the other header fields, codec
 * id one Kafka defines (0..4, registered or not: batches are stored verbatim), lastOffsetDelta >= 0.
 * Does not decode records.
 */
export function validateBatch(buf: Uint8Array, pos: number, opts: { bytesMax: number }): Result<BatchHeader> {
  // Framing and CRC first, so damage under the CRC is reported as bad_crc whatever field it hit.
  const framing = readBatchFraming(buf, pos);
  if (!framing.ok) return framing;
  const total = framing.value + BATCH_LOG_OVERHEAD_BYTES;
  if (total > buf.length - pos) return fail('truncated', `batch at ${pos} needs ${total} bytes, ${buf.length - pos} remain`, pos);
  if (total > opts.bytesMax) return fail('batch_too_large', `batch of ${total} bytes exceeds ${opts.bytesMax}`, pos);
  const p = pos + CRC_OFFSET;
  const stored = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
  const crc = crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + total);
  if (crc !== stored) return fail('bad_crc', `batch at ${pos}: CRC-32C is ${hex(crc)}, header says ${hex(stored)}`, p);
  const h = readBatchHeader(buf, pos);
  if (!h.ok) return h;
  const header = h.value;
  if (!isKnownCompression(header.compression)) {
    return fail('unknown_compression', `batch at ${pos}: codec ${compressionName(header.compression)}`, pos + ATTRIBUTES_OFFSET);
  }
  if (header.lastOffsetDelta < 0) {
    return fail('bad_last_offset_delta', `batch at ${pos}: lastOffsetDelta ${header.lastOffsetDelta}`, pos + LAST_OFFSET_DELTA_OFFSET);
  }
  return ok(header);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function checkHeaderInBuffer(buf: Uint8Array, pos: number, what: string): void {
  if (!(Number.isInteger(pos) && pos >= 0 && buf.length - pos >= BATCH_HEADER_BYTES)) {
    throw new RangeError(`${what}: no batch header at ${pos} in ${buf.length} bytes`);
  }
}

/** Overwrites baseOffset (outside the CRC) with the log end offset the broker assigns. */
export function setBaseOffset(buf: Uint8Array, pos: number, baseOffset: number): void {
  checkHeaderInBuffer(buf, pos, 'setBaseOffset');
  if (!(Number.isSafeInteger(baseOffset) && baseOffset >= 0)) throw new RangeError(`setBaseOffset: bad offset ${baseOffset}`);
  writeInt64(buf, pos + BASE_OFFSET_OFFSET, baseOffset);
}

/** Overwrites partitionLeaderEpoch (outside the CRC). */
export function setPartitionLeaderEpoch(buf: Uint8Array, pos: number, epoch: number): void {
  checkHeaderInBuffer(buf, pos, 'setPartitionLeaderEpoch');
  if ((epoch | 0) !== epoch) throw new RangeError(`setPartitionLeaderEpoch: ${epoch} is not an int32`);
  writeInt32(buf, pos + PARTITION_LEADER_EPOCH_OFFSET, epoch);
}
