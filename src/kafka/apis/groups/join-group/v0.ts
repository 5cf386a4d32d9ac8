// JoinGroup v0 (key 11).
// Request: group_id string, session_timeout_ms int32, member_id string, protocol_type string,
//   protocols [name string, metadata bytes]
// Response: error_code int16, generation_id int32, protocol_name string, leader string,
//   member_id string, members [member_id string, metadata bytes]
// v0 has no rebalance timeout: the session timeout serves as one, as Kafka does.

import type { GroupProtocol, JoinGroupMember, JoinGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode, ownedBytes } from '../common.ts';
import type { JoinGroupRequest } from './index.ts';

export const flexible = false;

/** name, metadata (copied: the coordinator keeps it). */
export function readProtocol(r: KafkaReader): GroupProtocol {
  const name = r.string();
  const metadata = ownedBytes(r.bytes());
  return { name, metadata };
}

/** protocol_type, protocols [name, metadata] in the classic form: how every classic request ends. */
export function readProtocols(r: KafkaReader): Pick<JoinGroupRequest, 'protocolType' | 'protocols'> {
  const protocolType = r.string();
  const protocols = r.array(() => readProtocol(r), 6);
  return { protocolType, protocols };
}

export function decodeRequest(r: KafkaReader): JoinGroupRequest {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const memberId = r.string();
  const protocols = readProtocols(r);
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs: sessionTimeoutMs, memberId, groupInstanceId: null, ...protocols, requireKnownMemberId: false };
}

/** leader, member_id, members [writeMember]: every version's response from the leader on. */
export function writeLeaderAndMembers(w: KafkaWriter, res: JoinGroupResult, writeMember: (m: JoinGroupMember) => void): void {
  w.string(res.leader).string(res.memberId);
  w.array(res.members, writeMember);
}

/** error_code, generation_id, protocol_name ('' for none), leader, member_id, members [writeMember]. */
export function writeResult(w: KafkaWriter, res: JoinGroupResult, writeMember: (m: JoinGroupMember) => void): void {
  w.int16(kafkaCode(res.error)).int32(res.generationId).string(res.protocolName ?? '');
  writeLeaderAndMembers(w, res, writeMember);
}

export function encodeResponse(w: KafkaWriter, res: JoinGroupResult): void {
  writeResult(w, res, (m) => w.string(m.memberId).bytes(m.metadata));
}
