// LeaveGroup (key 13), v0–v5: the handler; each version's wire layout is in ./v<N>.ts.
// v0–v2 carry one member, so its own error becomes the top-level error_code (as Kafka does).

import type { LeaveGroupResult } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  members: LeavingMember[];
}

export const leaveGroup = defineApi<LeaveGroupRequest, LeaveGroupResult>({
  key: 13,
  name: 'LeaveGroup',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5 },
  handle(req, ctx) {
    return ctx.broker.groups.leave(req);
  },
});
