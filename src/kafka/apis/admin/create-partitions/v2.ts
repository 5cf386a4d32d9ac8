// CreatePartitions v2 (key 37), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: topics [name, count, assignments nullable [broker_ids [int32], tags], tags], timeout_ms,
//   validate_only, tags
// Response: throttle_time_ms, results [name, error_code, error_message, tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from './index.ts';
import { readRequest, writeResponse } from './v0.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): CreatePartitionsRequest {
  return readRequest(r, () => r.tags());
}

export function encodeResponse(w: KafkaWriter, res: CreatePartitionsResponse): void {
  writeResponse(w, res, () => w.tags());
}
