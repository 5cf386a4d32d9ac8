// DeleteGroups (key 42), v0–v2: the handler; each version's wire layout is in ./v<N>.ts.
// Only an Empty group can go (NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND for an unknown one); its
// offsets are deleted durably first.

import { defineApi } from '../../../api.ts';
import { kafkaCode } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';

export type DeleteGroupsResponse = { groupId: string; error: number }[];

export const deleteGroups = defineApi<string[], DeleteGroupsResponse>({
  key: 42,
  name: 'DeleteGroups',
  versions: { 0: v0, 1: v1, 2: v2 },
  async handle(groups, ctx) {
    const out: DeleteGroupsResponse = [];
    for (const groupId of groups) out.push({ groupId, error: kafkaCode((await ctx.broker.groups.deleteGroup(groupId)).error) });
    return out;
  },
});
