// DeleteTopics v0 (key 20).
// Request: topic_names [string], timeout_ms int32
// Response: responses [name string, error_code int16]

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { ZERO_UUID } from '../common.ts';
import type { DeleteTopicResult, DeleteTopicsRequest, DeleteTopicsResponse } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): DeleteTopicsRequest {
  const targets = r.array(() => ({ name: r.string(), id: ZERO_UUID }), 1);
  r.int32(); // timeout_ms: deletion is synchronous
  return targets;
}

/** name, error_code: each response entry up to v5 (a topic deleted by name always has one). */
export function writeResult(w: KafkaWriter, t: DeleteTopicResult): void {
  w.string(t.name ?? '').int16(t.error.code);
}

export function encodeResponse(w: KafkaWriter, res: DeleteTopicsResponse): void {
  w.array(res, (t) => writeResult(w, t));
}
