// DeleteTopics v1 (key 20).
// Request: as v0.
// Response: throttle_time_ms int32, responses [name string, error_code int16]

import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { DeleteTopicsResponse } from './index.ts';
import * as v0 from './v0.ts';

export { decodeRequest, flexible } from './v0.ts';

export function encodeResponse(w: KafkaWriter, res: DeleteTopicsResponse): void {
  w.int32(0);
  v0.encodeResponse(w, res);
}
