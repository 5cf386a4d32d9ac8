// CreateTopics v2 (key 19).
// Request: as v1.
// Response: throttle_time_ms int32, topics [name string, error_code int16, error_message nullable_string]

import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { CreateTopicsResponse } from './index.ts';
import * as v1 from './v1.ts';

export { decodeRequest, flexible } from './v1.ts';

export function encodeResponse(w: KafkaWriter, res: CreateTopicsResponse): void {
  w.int32(0);
  v1.encodeResponse(w, res);
}
