// ListGroups (key 16), v0–v4: the handler; each version's wire layout is in ./v<N>.ts.
// The request is the states filter (empty = every group), matched case-insensitively as Kafka.

import type { ListGroupsResult } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';

export const listGroups = defineApi<string[], ListGroupsResult>({
  key: 16,
  name: 'ListGroups',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 },
  async handle(states, ctx) {
    const res = await ctx.broker.groups.list();
    if (states.length === 0) return res;
    const wanted = new Set(states.map((s) => s.toLowerCase()));
    return { ...res, groups: res.groups.filter((g) => wanted.has(g.state.toLowerCase())) };
  },
});
