// Heartbeat v4 (key 12), the first flexible version (compact strings, tagged fields).
// Request: group_id, generation_id, member_id, group_instance_id, tags
// Response: throttle_time_ms, error_code, tags

import type { HeartbeatResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v3 from './v3.ts';
import type { HeartbeatRequest } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): HeartbeatRequest {
  const req = v3.decodeRequest(r);
  r.tags();
  return req;
}

export function encodeResponse(w: KafkaWriter, res: HeartbeatResult): void {
  v3.encodeResponse(w, res);
  w.tags();
}
