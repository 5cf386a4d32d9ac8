// Heartbeat v3 (key 12).
// Request: group_id string, generation_id int32, member_id string, group_instance_id nullable_string
// Response: as v1.

import type { KafkaReader } from '../../../protocol/reader.ts';
import { readMemberIdentity } from '../common.ts';
import type { HeartbeatRequest } from './index.ts';

export { encodeResponse, flexible } from './v2.ts';

export function decodeRequest(r: KafkaReader): HeartbeatRequest {
  return readMemberIdentity(r, true);
}
