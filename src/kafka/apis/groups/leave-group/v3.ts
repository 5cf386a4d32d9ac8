// LeaveGroup v3 (key 13).
// Request: group_id string, members [member_id string, group_instance_id nullable_string]
// Response: throttle_time_ms int32, error_code int16,
//   members [member_id string, group_instance_id nullable_string, error_code int16]
// Several members leave in one request (KIP-345), each answered with its own error.

import type { LeaveGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode } from '../common.ts';
import type { LeaveGroupRequest, LeavingMember } from './index.ts';

export const flexible = false;

/** member_id, group_instance_id. */
export function readMember(r: KafkaReader): LeavingMember {
  const memberId = r.string();
  const groupInstanceId = r.nullableString();
  return { memberId, groupInstanceId };
}

export function decodeRequest(r: KafkaReader): LeaveGroupRequest {
  const groupId = r.string();
  const members = r.array(() => readMember(r), 4);
  return { groupId, members };
}

/** member_id, group_instance_id, error_code. */
export function writeMember(w: KafkaWriter, m: LeaveGroupResult['members'][number]): void {
  w.string(m.memberId).nullableString(m.groupInstanceId).int16(kafkaCode(m.error));
}

export function encodeResponse(w: KafkaWriter, res: LeaveGroupResult): void {
  w.int32(0).int16(kafkaCode(res.error));
  w.array(res.members, (m) => writeMember(w, m));
}
