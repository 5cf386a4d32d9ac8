// JoinGroup (key 11), v0–v7; flexible from v6. Request: group_id, session_timeout_ms,
// rebalance_timeout_ms (v1+; v0 uses the session timeout, as Kafka), member_id, group_instance_id
// (v5+, nullable), protocol_type, protocols [name, metadata bytes]. Response: throttle_time_ms (v2+),
// error_code, generation_id, protocol_type (v7+, nullable), protocol_name (nullable v7+), leader,
// member_id, members [member_id, group_instance_id (v5+, nullable), metadata bytes].
// v4+ new members first get MEMBER_ID_REQUIRED with their id. The coordinator holds the answer until
// the join phase completes; the connection keeps answering in order meanwhile.

import type { JoinGroupResult } from '../../../broker/groups/api.ts';
import { defineLegacyApi } from '../../api.ts';
import { elementBytes, kafkaClientHost, kafkaCode, ownedBytes } from './common.ts';

interface Req {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
}

export const joinGroup = defineLegacyApi<Req, JoinGroupResult>({
  key: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 7,
  flexibleFrom: 6,
  decode(r, version) {
    const groupId = r.string();
    const sessionTimeoutMs = r.int32();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : sessionTimeoutMs;
    const memberId = r.string();
    const groupInstanceId = version >= 5 ? r.nullableString() : null;
    const protocolType = r.string();
    const protocols = r.array(() => {
      const name = r.string();
      const metadata = ownedBytes(r.bytes());
      r.tags();
      return { name, metadata };
    }, elementBytes(r, 6, 3));
    r.tags();
    return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols };
  },
  handle(req, ctx) {
    return ctx.broker.groups.join({
      ...req,
      clientId: ctx.clientId ?? '',
      clientHost: kafkaClientHost(ctx.clientHost),
      requireKnownMemberId: ctx.version >= 4,
    });
  },
  encode(w, res, version) {
    if (version >= 2) w.int32(0);
    w.int16(kafkaCode(res.error)).int32(res.generationId);
    if (version >= 7) w.nullableString(res.protocolType).nullableString(res.protocolName);
    else w.string(res.protocolName ?? '');
    w.string(res.leader).string(res.memberId);
    w.array(res.members, (m) => {
      w.string(m.memberId);
      if (version >= 5) w.nullableString(m.groupInstanceId);
      w.bytes(m.metadata);
      w.tags();
    });
    w.tags();
  },
});
