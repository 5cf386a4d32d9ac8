// FindCoordinator v1 (key 10).
// Request: key string, key_type int8
// Response: throttle_time_ms int32, error_code int16, error_message nullable_string, node_id int32,
//   host string, port int32
// key_type: 0 a group, 1 a transactional id.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';
import type { Coordinator, FindCoordinatorRequest } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): FindCoordinatorRequest {
  const key = r.string();
  const keyType = r.int8();
  return { keyType, keys: [key] };
}

export function encodeResponse(w: KafkaWriter, res: Coordinator[]): void {
  const c = res[0]!;
  w.int32(0).int16(c.error).nullableString(c.message);
  v0.writeNode(w, c);
}
