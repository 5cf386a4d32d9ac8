// DescribeGroups (key 15), v0–v5; flexible from v5. Request: groups [string],
// include_authorized_operations (v3+). Response: throttle_time_ms (v1+), groups [error_code, group_id,
// group_state, protocol_type, protocol_data, members [member_id, group_instance_id (v4+, nullable),
// client_id, client_host, member_metadata bytes, member_assignment bytes],
// authorized_operations (v3+)]. An unknown group is Dead with no error, as Kafka answers.
// Eddy has no ACLs, so authorized_operations is always Kafka's "not provided" sentinel.

import type { DescribeGroupResult } from '../../../broker/groups/api.ts';
import { defineLegacyApi } from '../../api.ts';
import { authorizedOperationsOmitted, kafkaCode, readStrings } from './common.ts';

export const describeGroups = defineLegacyApi<string[], DescribeGroupResult[]>({
  key: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  decode(r, version) {
    const groups = readStrings(r);
    if (version >= 3) r.bool(); // include_authorized_operations
    r.tags();
    return groups;
  },
  async handle(groups, ctx) {
    const out: DescribeGroupResult[] = [];
    for (const groupId of groups) out.push(await ctx.broker.groups.describe(groupId));
    return out;
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    w.array(res, (g) => {
      w.int16(kafkaCode(g.error)).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
      w.array(g.members, (m) => {
        w.string(m.memberId);
        if (version >= 4) w.nullableString(m.groupInstanceId);
        w.string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment);
        w.tags();
      });
      if (version >= 3) w.int32(authorizedOperationsOmitted);
      w.tags();
    });
    w.tags();
  },
});
