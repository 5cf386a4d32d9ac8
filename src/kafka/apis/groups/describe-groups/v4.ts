// DescribeGroups v4 (key 15).
// Request: as v3.
// Response: throttle_time_ms int32, groups [error_code int16, group_id string, group_state string,
//   protocol_type string, protocol_data string, members [member_id string,
//   group_instance_id nullable_string, client_id string, client_host string, member_metadata bytes,
//   member_assignment bytes], authorized_operations int32]
// group_instance_id is KIP-345's static membership.

import type { DescribedMember, DescribeGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';
import * as v3 from './v3.ts';

export { decodeRequest, flexible } from './v3.ts';

/** member_id, group_instance_id, client_id, client_host, member_metadata, member_assignment. */
export function writeMember(w: KafkaWriter, m: DescribedMember): void {
  w.string(m.memberId).nullableString(m.groupInstanceId);
  v0.writeMemberTail(w, m);
}

export function encodeResponse(w: KafkaWriter, res: DescribeGroupResult[]): void {
  v3.writeResponse(w, res, (m) => writeMember(w, m));
}
