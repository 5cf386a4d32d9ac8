// DescribeGroups (key 15), v0–v5: the handler; each version's wire layout is in ./v<N>.ts.
// The request is the group ids; an unknown group is Dead with no error, as Kafka answers.

import type { DescribeGroupResult } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';

export const describeGroups = defineApi<string[], DescribeGroupResult[]>({
  key: 15,
  name: 'DescribeGroups',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5 },
  async handle(groups, ctx) {
    const out: DescribeGroupResult[] = [];
    for (const groupId of groups) out.push(await ctx.broker.groups.describe(groupId));
    return out;
  },
});
