// LeaveGroup (key 13), v0–v5; flexible from v4. Request: group_id, member_id (v0–v2), members
// [member_id, group_instance_id (nullable), reason (v5+, nullable)] (v3+). Response: throttle_time_ms
// (v1+), error_code, members [member_id, group_instance_id, error_code] (v3+). v0–v2 carry one member,
// so its own error becomes the top-level error_code (as Kafka does).

import type { LeaveGroupResult } from '../../../broker/groups/api.ts';
import { defineLegacyApi } from '../../api.ts';
import { elementBytes, kafkaCode } from './common.ts';

interface Req {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export const leaveGroup = defineLegacyApi<Req, LeaveGroupResult>({
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  decode(r, version) {
    const groupId = r.string();
    if (version <= 2) {
      const memberId = r.string();
      return { groupId, members: [{ memberId, groupInstanceId: null }] };
    }
    const members = r.array(() => {
      const memberId = r.string();
      const groupInstanceId = r.nullableString();
      if (version >= 5) r.nullableString(); // reason: informational only
      r.tags();
      return { memberId, groupInstanceId };
    }, elementBytes(r, 4, 3));
    r.tags();
    return { groupId, members };
  },
  handle(req, ctx) {
    return ctx.broker.groups.leave(req);
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    if (version <= 2) {
      w.int16(kafkaCode(res.error ?? res.members[0]?.error));
      return;
    }
    w.int16(kafkaCode(res.error));
    w.array(res.members, (m) => {
      w.string(m.memberId).nullableString(m.groupInstanceId).int16(kafkaCode(m.error));
      w.tags();
    });
    w.tags();
  },
});
