// SyncGroup (key 14), v0–v5: the handler; each version's wire layout is in ./v<N>.ts.
// assignments are the leader's ([] from followers). The coordinator holds a follower's answer until
// the leader's assignment arrives.

import type { SyncGroupResult } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';

export interface MemberAssignment {
  memberId: string;
  assignment: Uint8Array;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: MemberAssignment[];
}

export const syncGroup = defineApi<SyncGroupRequest, SyncGroupResult>({
  key: 14,
  name: 'SyncGroup',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5 },
  handle(req, ctx) {
    return ctx.broker.groups.sync(req);
  },
});
