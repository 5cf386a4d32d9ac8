// DeleteTopics v6 (key 20).
// Request: topics [name compact_nullable_string, topic_id uuid, tags], timeout_ms int32, tags
// Response: throttle_time_ms, responses [name compact_nullable_string, topic_id uuid, error_code,
//   error_message, tags], tags
// An entry gives a name (and a zero id) or a null name and an id.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from './index.ts';
import { writeResponses } from './v4.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): DeleteTopicsRequest {
  const targets = r.array(() => {
    const t = { name: r.nullableString(), id: r.uuid() };
    r.tags();
    return t;
  }, 18);
  r.int32(); // timeout_ms: deletion is synchronous
  r.tags();
  return targets;
}

export function encodeResponse(w: KafkaWriter, res: DeleteTopicsResponse): void {
  writeResponses(w, res, (t) => {
    w.nullableString(t.name).uuid(t.id).int16(t.error.code).nullableString(t.error.message);
  });
}
