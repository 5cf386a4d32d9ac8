// JoinGroup (key 11), v0–v7: the handler; each version's wire layout is in ./v<N>.ts.
// The coordinator holds the answer until the join phase completes; the connection keeps answering in
// order meanwhile.

import type { GroupProtocol, JoinGroupResult } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import { kafkaClientHost } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
  /** A new member first gets MEMBER_ID_REQUIRED with its id (KIP-394; set by the versions that have it). */
  requireKnownMemberId: boolean;
}

export const joinGroup = defineApi<JoinGroupRequest, JoinGroupResult>({
  key: 11,
  name: 'JoinGroup',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7 },
  handle(req, ctx) {
    return ctx.broker.groups.join({ ...req, clientId: ctx.clientId ?? '', clientHost: kafkaClientHost(ctx.clientHost) });
  },
});
