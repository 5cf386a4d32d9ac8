// LeaveGroup v4 (key 13), the first flexible version (compact strings and arrays, tagged fields).
// Request: group_id, members [member_id, group_instance_id, tags], tags
// Response: throttle_time_ms, error_code, members [member_id, group_instance_id, error_code, tags], tags

import type { LeaveGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode } from '../common.ts';
import * as v3 from './v3.ts';
import type { LeaveGroupRequest, LeavingMember } from './index.ts';

export const flexible = true;

/** group_id, members [readMember, tags], tags. */
export function readRequest(r: KafkaReader, readMember: () => LeavingMember): LeaveGroupRequest {
  const groupId = r.string();
  const members = r.array(() => {
    const member = readMember();
    r.tags();
    return member;
  }, 3);
  r.tags();
  return { groupId, members };
}

export function decodeRequest(r: KafkaReader): LeaveGroupRequest {
  return readRequest(r, () => v3.readMember(r));
}

export function encodeResponse(w: KafkaWriter, res: LeaveGroupResult): void {
  w.int32(0).int16(kafkaCode(res.error));
  w.array(res.members, (m) => {
    v3.writeMember(w, m);
    w.tags();
  });
  w.tags();
}
