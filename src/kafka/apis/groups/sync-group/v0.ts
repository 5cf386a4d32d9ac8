// SyncGroup v0 (key 14).
// Request: group_id string, generation_id int32, member_id string,
//   assignments [member_id string, assignment bytes]
// Response: error_code int16, assignment bytes

import type { SyncGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode, ownedBytes, readMemberIdentity } from '../common.ts';
import type { MemberAssignment, SyncGroupRequest } from './index.ts';

export const flexible = false;

/** member_id, assignment (copied: the coordinator keeps it). */
export function readAssignment(r: KafkaReader): MemberAssignment {
  const memberId = r.string();
  const assignment = ownedBytes(r.bytes());
  return { memberId, assignment };
}

export function decodeRequest(r: KafkaReader): SyncGroupRequest {
  const identity = readMemberIdentity(r, false);
  const assignments = r.array(() => readAssignment(r), 6);
  return { ...identity, protocolType: null, protocolName: null, assignments };
}

export function encodeResponse(w: KafkaWriter, res: SyncGroupResult): void {
  w.int16(kafkaCode(res.error)).bytes(res.assignment);
}
