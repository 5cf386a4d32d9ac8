// DescribeGroups v3 (key 15).
// Request: groups [string], include_authorized_operations bool
// Response: throttle_time_ms int32, groups [error_code int16, group_id string, group_state string,
//   protocol_type string, protocol_data string, members [member_id string, client_id string,
//   client_host string, member_metadata bytes, member_assignment bytes], authorized_operations int32]
// Eddy has no ACLs (KIP-430): authorized_operations is always Kafka's "not provided" sentinel.

import type { DescribedMember, DescribeGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { authorizedOperationsOmitted, readStrings } from '../common.ts';
import * as v0 from './v0.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): string[] {
  const groups = readStrings(r);
  r.bool(); // include_authorized_operations
  return groups;
}

/** throttle_time_ms, groups [v0 group with writeMember, authorized_operations] in the classic form. */
export function writeResponse(w: KafkaWriter, res: DescribeGroupResult[], writeMember: (m: DescribedMember) => void): void {
  w.int32(0);
  w.array(res, (g) => {
    v0.writeGroup(w, g, writeMember);
    w.int32(authorizedOperationsOmitted);
  });
}

export function encodeResponse(w: KafkaWriter, res: DescribeGroupResult[]): void {
  writeResponse(w, res, (m) => {
    w.string(m.memberId);
    v0.writeMemberTail(w, m);
  });
}
