// LeaveGroup v0 (key 13).
// Request: group_id string, member_id string
// Response: error_code int16
// The one member's error is the answer's error_code.

import type { LeaveGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode } from '../common.ts';
import type { LeaveGroupRequest } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): LeaveGroupRequest {
  const groupId = r.string();
  const memberId = r.string();
  return { groupId, members: [{ memberId, groupInstanceId: null }] };
}

export function encodeResponse(w: KafkaWriter, res: LeaveGroupResult): void {
  w.int16(kafkaCode(res.error ?? res.members[0]?.error));
}
