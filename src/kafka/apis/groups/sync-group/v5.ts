// SyncGroup v5 (key 14).
// Request: group_id, generation_id, member_id, group_instance_id, protocol_type nullable_string,
//   protocol_name nullable_string, assignments [member_id, assignment, tags], tags
// Response: throttle_time_ms, error_code, protocol_type nullable_string, protocol_name nullable_string,
//   assignment, tags
// protocol_type and protocol_name let the coordinator and the client check each other (KIP-559).

import type { SyncGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode, readMemberIdentity } from '../common.ts';
import * as v4 from './v4.ts';
import type { SyncGroupRequest } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): SyncGroupRequest {
  const identity = readMemberIdentity(r, true);
  const protocolType = r.nullableString();
  const protocolName = r.nullableString();
  const assignments = v4.readAssignments(r);
  r.tags();
  return { ...identity, protocolType, protocolName, assignments };
}

export function encodeResponse(w: KafkaWriter, res: SyncGroupResult): void {
  w.int32(0).int16(kafkaCode(res.error)).nullableString(res.protocolType).nullableString(res.protocolName).bytes(res.assignment);
  w.tags();
}
