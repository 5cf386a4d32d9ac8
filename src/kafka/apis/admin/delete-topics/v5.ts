// DeleteTopics v5 (key 20).
// Request: as v4.
// Response: throttle_time_ms, responses [name, error_code, error_message compact_nullable_string, tags], tags
// The version also lets the broker answer THROTTLING_QUOTA_EXCEEDED (KIP-599; Eddy has no quotas).

import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { DeleteTopicsResponse } from './index.ts';
import { writeResult } from './v0.ts';
import { writeResponses } from './v4.ts';

export { decodeRequest, flexible } from './v4.ts';

export function encodeResponse(w: KafkaWriter, res: DeleteTopicsResponse): void {
  writeResponses(w, res, (t) => {
    writeResult(w, t);
    w.nullableString(t.error.message);
  });
}
