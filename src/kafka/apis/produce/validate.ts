// The checks a Produce front end runs on the records of one partition before the broker sees them:
// exactly one record batch v2 (magic 2), a matching CRC-32C, a record count that agrees with the
// records the payload holds (decoded when uncompressed or when the codec is registered; a batch of
// an unregistered codec is accepted as sent), and no transactional or control batch (Eddy has no
// transaction coordinator). Size against max.message.bytes is the log's check (MESSAGE_TOO_LARGE).

import { limits } from '../../../limits.ts';
import { hasCodec } from '../../../log/codec/compression.ts';
import { decodeRecords, validateBatch } from '../../../log/codec/record-batch.ts';
import { DataError } from '../data-errors.ts';

export interface BatchRefusal {
  error: number;
  message: string;
}

/** Null when `records` is one acceptable batch; else the per-partition error to answer. */
export function checkProducedBatch(records: Uint8Array | null): BatchRefusal | null {
  if (records === null || records.length === 0) return { error: DataError.INVALID_RECORD, message: 'a produce request must carry one record batch per partition' };
  // bytesMax: the whole frame may hold it; the topic's max.message.bytes is checked by the log.
  const v = validateBatch(records, 0, { bytesMax: limits.batchBytesMax });
  if (!v.ok) {
    const tooLarge = v.error.code === 'batch_too_large';
    return { error: tooLarge ? DataError.MESSAGE_TOO_LARGE : DataError.CORRUPT_MESSAGE, message: `invalid record batch: ${v.error.message}` };
  }
  const h = v.value;
  if (h.batchLength + 12 !== records.length) {
    return { error: DataError.CORRUPT_MESSAGE, message: `expected exactly one record batch of ${records.length} bytes, the first is ${h.batchLength + 12}` };
  }
  if (h.isControl) return { error: DataError.INVALID_RECORD, message: 'clients may not write control batches' };
  if (h.isTransactional) return { error: DataError.INVALID_RECORD, message: 'transactional batches are not supported (Eddy has no transaction coordinator)' };
  if (h.recordCount !== h.lastOffsetDelta + 1) {
    return { error: DataError.CORRUPT_MESSAGE, message: `recordCount ${h.recordCount} disagrees with lastOffsetDelta ${h.lastOffsetDelta}` };
  }
  if (!hasCodec(h.compression)) return null; // stored verbatim; readers with the codec decode it
  const recs = decodeRecords(records, 0, { decompressedBytesMax: limits.decompressedBytesMax });
  if (!recs.ok) {
    const code = recs.error.code === 'unsupported_compression' ? DataError.UNSUPPORTED_COMPRESSION_TYPE : DataError.CORRUPT_MESSAGE;
    return { error: code, message: `invalid records: ${recs.error.message}` };
  }
  return null;
}
