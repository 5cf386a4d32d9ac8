// DeleteRecords v2 (key 21), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: topics [name, partitions [partition_index, offset, tags], tags], timeout_ms, tags
// Response: throttle_time_ms, topics [name, partitions [partition_index, low_watermark, error_code,
//   tags], tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from './index.ts';
import { readRequest, writeResponse } from './v0.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): DeleteRecordsRequest {
  return readRequest(r, () => r.tags());
}

export function encodeResponse(w: KafkaWriter, res: DeleteRecordsResponse): void {
  writeResponse(w, res, () => w.tags());
}
