// SyncGroup (key 14), v0–v5; flexible from v4. Request: group_id, generation_id, member_id,
// group_instance_id (v3+, nullable), protocol_type and protocol_name (v5+, nullable), assignments
// [member_id, assignment bytes] (the leader's; [] from followers). Response: throttle_time_ms (v1+),
// error_code, protocol_type and protocol_name (v5+, nullable), assignment bytes.
// The coordinator holds a follower's answer until the leader's assignment arrives.

import type { SyncGroupResult } from '../../../broker/groups/api.ts';
import { defineLegacyApi } from '../../api.ts';
import { elementBytes, kafkaCode, ownedBytes, readMemberIdentity } from './common.ts';

interface Req {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export const syncGroup = defineLegacyApi<Req, SyncGroupResult>({
  key: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  decode(r, version) {
    const { groupId, generationId, memberId, groupInstanceId } = readMemberIdentity(r, version >= 3);
    const protocolType = version >= 5 ? r.nullableString() : null;
    const protocolName = version >= 5 ? r.nullableString() : null;
    const assignments = r.array(() => {
      const id = r.string();
      const assignment = ownedBytes(r.bytes());
      r.tags();
      return { memberId: id, assignment };
    }, elementBytes(r, 6, 3));
    r.tags();
    return { groupId, generationId, memberId, groupInstanceId, protocolType, protocolName, assignments };
  },
  handle(req, ctx) {
    return ctx.broker.groups.sync(req);
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    w.int16(kafkaCode(res.error));
    if (version >= 5) w.nullableString(res.protocolType).nullableString(res.protocolName);
    w.bytes(res.assignment);
    w.tags();
  },
});
