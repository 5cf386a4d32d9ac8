// JoinGroup v1 (key 11).
// Request: group_id string, session_timeout_ms int32, rebalance_timeout_ms int32, member_id string,
//   protocol_type string, protocols [name string, metadata bytes]
// Response: as v0.

import type { KafkaReader } from '../../../protocol/reader.ts';
import * as v0 from './v0.ts';
import type { JoinGroupRequest } from './index.ts';

export { encodeResponse, flexible } from './v0.ts';

/** group_id, session_timeout_ms, rebalance_timeout_ms, member_id: how every later request opens. */
export function readHead(r: KafkaReader): Pick<JoinGroupRequest, 'groupId' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'memberId'> {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = r.int32();
  const memberId = r.string();
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId };
}

export function decodeRequest(r: KafkaReader): JoinGroupRequest {
  const head = readHead(r);
  const protocols = v0.readProtocols(r);
  return { ...head, groupInstanceId: null, ...protocols, requireKnownMemberId: false };
}
