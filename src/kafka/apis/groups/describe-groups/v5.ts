// DescribeGroups v5 (key 15), the first flexible version (compact strings, arrays and bytes, tagged fields).
// Request: groups [string], include_authorized_operations, tags
// Response: throttle_time_ms, groups [error_code, group_id, group_state, protocol_type, protocol_data,
//   members [member_id, group_instance_id, client_id, client_host, member_metadata, member_assignment,
//   tags], authorized_operations, tags], tags

import type { DescribeGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { authorizedOperationsOmitted } from '../common.ts';
import * as v0 from './v0.ts';
import * as v4 from './v4.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): string[] {
  const groups = v4.decodeRequest(r);
  r.tags();
  return groups;
}

export function encodeResponse(w: KafkaWriter, res: DescribeGroupResult[]): void {
  w.int32(0);
  w.array(res, (g) => {
    v0.writeGroup(w, g, (m) => {
      v4.writeMember(w, m);
      w.tags();
    });
    w.int32(authorizedOperationsOmitted);
    w.tags();
  });
  w.tags();
}
