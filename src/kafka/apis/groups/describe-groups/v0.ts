// DescribeGroups v0 (key 15).
// Request: groups [string]
// Response: groups [error_code int16, group_id string, group_state string, protocol_type string,
//   protocol_data string, members [member_id string, client_id string, client_host string,
//   member_metadata bytes, member_assignment bytes]]

import type { DescribedMember, DescribeGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode, readStrings } from '../common.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): string[] {
  return readStrings(r);
}

/** error_code, group_id, group_state, protocol_type, protocol_data, members [writeMember]. */
export function writeGroup(w: KafkaWriter, g: DescribeGroupResult, writeMember: (m: DescribedMember) => void): void {
  w.int16(kafkaCode(g.error)).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
  w.array(g.members, writeMember);
}

/** client_id, client_host, member_metadata, member_assignment: how every version's member ends. */
export function writeMemberTail(w: KafkaWriter, m: DescribedMember): void {
  w.string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment);
}

export function encodeResponse(w: KafkaWriter, res: DescribeGroupResult[]): void {
  w.array(res, (g) =>
    writeGroup(w, g, (m) => {
      w.string(m.memberId);
      writeMemberTail(w, m);
    }),
  );
}
