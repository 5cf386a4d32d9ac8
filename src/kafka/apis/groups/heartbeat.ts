// Heartbeat (key 12), v0–v4; flexible from v4. Request: group_id, generation_id, member_id,
// group_instance_id (v3+, nullable). Response: throttle_time_ms (v1+), error_code
// (REBALANCE_IN_PROGRESS tells a member to rejoin).

import type { HeartbeatResult } from '../../../broker/groups/api.ts';
import { defineApi } from '../../api.ts';
import { kafkaCode, readMemberIdentity } from './common.ts';

interface Req {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const heartbeat = defineApi<Req, HeartbeatResult>({
  key: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  decode(r, version) {
    const identity = readMemberIdentity(r, version);
    r.tags();
    return identity;
  },
  handle(req, ctx) {
    return ctx.broker.groups.heartbeat(req);
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    w.int16(kafkaCode(res.error));
    w.tags();
  },
});
