// DescribeGroups v1 (key 15).
// Request: as v0.
// Response: throttle_time_ms int32, groups [error_code int16, group_id string, group_state string,
//   protocol_type string, protocol_data string, members [member_id string, client_id string,
//   client_host string, member_metadata bytes, member_assignment bytes]]

import type { DescribeGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';

export { decodeRequest, flexible } from './v0.ts';

export function encodeResponse(w: KafkaWriter, res: DescribeGroupResult[]): void {
  w.int32(0);
  v0.encodeResponse(w, res);
}
