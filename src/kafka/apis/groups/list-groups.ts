// ListGroups (key 16), v0–v4; flexible from v3. Request: states_filter [string] (v4+; empty = all,
// matched case-insensitively as Kafka). Response: throttle_time_ms (v1+), error_code, groups
// [group_id, protocol_type, group_state (v4+)].
// librdkafka 2.0.2 ends its flexible ListGroups with two empty tag buffers (it writes one and its
// request finalizer another): one extra zero byte at the very end is accepted, as Kafka ignores it.

import type { ListGroupsResult } from '../../../broker/groups/api.ts';
import { defineLegacyApi } from '../../api.ts';
import { kafkaCode, readStrings } from './common.ts';

export const listGroups = defineLegacyApi<string[], ListGroupsResult>({
  key: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  decode(r, version) {
    const states = version >= 4 ? readStrings(r) : [];
    r.tags();
    if (r.flexible && r.remaining === 1 && r.r.buf[r.r.pos] === 0) r.r.skip(1);
    return states;
  },
  async handle(states, ctx) {
    const res = await ctx.broker.groups.list();
    if (states.length === 0) return res;
    const wanted = new Set(states.map((s) => s.toLowerCase()));
    return { ...res, groups: res.groups.filter((g) => wanted.has(g.state.toLowerCase())) };
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    w.int16(kafkaCode(res.error));
    w.array(res.groups, (g) => {
      w.string(g.groupId).string(g.protocolType);
      if (version >= 4) w.string(g.state);
      w.tags();
    });
    w.tags();
  },
});
