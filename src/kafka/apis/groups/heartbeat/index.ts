// Heartbeat (key 12), v0–v4: the handler; each version's wire layout is in ./v<N>.ts.
// REBALANCE_IN_PROGRESS in the answer tells a member to rejoin.

import type { HeartbeatResult } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const heartbeat = defineApi<HeartbeatRequest, HeartbeatResult>({
  key: 12,
  name: 'Heartbeat',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 },
  handle(req, ctx) {
    return ctx.broker.groups.heartbeat(req);
  },
});
