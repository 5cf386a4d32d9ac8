// Heartbeat v0 (key 12).
// Request: group_id string, generation_id int32, member_id string
// Response: error_code int16

import type { HeartbeatResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode, readMemberIdentity } from '../common.ts';
import type { HeartbeatRequest } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): HeartbeatRequest {
  return readMemberIdentity(r, false);
}

export function encodeResponse(w: KafkaWriter, res: HeartbeatResult): void {
  w.int16(kafkaCode(res.error));
}
