// JoinGroup v5 (key 11).
// Request: group_id string, session_timeout_ms int32, rebalance_timeout_ms int32, member_id string,
//   group_instance_id nullable_string, protocol_type string, protocols [name string, metadata bytes]
// Response: throttle_time_ms int32, error_code int16, generation_id int32, protocol_name string,
//   leader string, member_id string, members [member_id string, group_instance_id nullable_string, metadata bytes]
// group_instance_id is KIP-345's static membership.

import type { JoinGroupMember, JoinGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import type { JoinGroupRequest } from './index.ts';

export const flexible = false;

/** v1's head, then group_instance_id: how every later request opens. */
export function readHead(r: KafkaReader): Pick<JoinGroupRequest, 'groupId' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'memberId' | 'groupInstanceId'> {
  const head = v1.readHead(r);
  return { ...head, groupInstanceId: r.nullableString() };
}

export function decodeRequest(r: KafkaReader): JoinGroupRequest {
  const head = readHead(r);
  const protocols = v0.readProtocols(r);
  return { ...head, ...protocols, requireKnownMemberId: true };
}

/** member_id, group_instance_id, metadata. */
export function writeMember(w: KafkaWriter, m: JoinGroupMember): void {
  w.string(m.memberId).nullableString(m.groupInstanceId).bytes(m.metadata);
}

export function encodeResponse(w: KafkaWriter, res: JoinGroupResult): void {
  w.int32(0);
  v0.writeResult(w, res, (m) => writeMember(w, m));
}
