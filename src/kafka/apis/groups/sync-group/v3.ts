// SyncGroup v3 (key 14).
// Request: group_id string, generation_id int32, member_id string, group_instance_id nullable_string,
//   assignments [member_id string, assignment bytes]
// Response: as v2.
// group_instance_id is KIP-345's static membership.

import type { KafkaReader } from '../../../protocol/reader.ts';
import { readMemberIdentity } from '../common.ts';
import * as v0 from './v0.ts';
import type { SyncGroupRequest } from './index.ts';

export { encodeResponse, flexible } from './v2.ts';

export function decodeRequest(r: KafkaReader): SyncGroupRequest {
  const identity = readMemberIdentity(r, true);
  const assignments = r.array(() => v0.readAssignment(r), 6);
  return { ...identity, protocolType: null, protocolName: null, assignments };
}
