// JoinGroup v6 (key 11), the first flexible version (compact strings, arrays and bytes, tagged fields).
// Request: group_id, session_timeout_ms, rebalance_timeout_ms, member_id, group_instance_id,
//   protocol_type, protocols [name, metadata, tags], tags
// Response: throttle_time_ms, error_code, generation_id, protocol_name, leader, member_id,
//   members [member_id, group_instance_id, metadata, tags], tags

import type { JoinGroupMember, JoinGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';
import * as v5 from './v5.ts';
import type { JoinGroupRequest } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): JoinGroupRequest {
  const head = v5.readHead(r);
  const protocolType = r.string();
  const protocols = r.array(() => {
    const protocol = v0.readProtocol(r);
    r.tags();
    return protocol;
  }, 3);
  r.tags();
  return { ...head, protocolType, protocols, requireKnownMemberId: true };
}

/** member_id, group_instance_id, metadata, tags. */
export function writeMember(w: KafkaWriter, m: JoinGroupMember): void {
  v5.writeMember(w, m);
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: JoinGroupResult): void {
  w.int32(0);
  v0.writeResult(w, res, (m) => writeMember(w, m));
  w.tags();
}
