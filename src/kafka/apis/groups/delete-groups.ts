// DeleteGroups (key 42), v0–v2; flexible from v2. Request: groups_names [string]. Response:
// throttle_time_ms, results [group_id, error_code]. Only an Empty group can go (NON_EMPTY_GROUP
// otherwise, GROUP_ID_NOT_FOUND for an unknown one); its offsets are deleted durably first.

import { defineLegacyApi } from '../../api.ts';
import { kafkaCode, readStrings } from './common.ts';

type Res = { groupId: string; error: number }[];

export const deleteGroups = defineLegacyApi<string[], Res>({
  key: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  decode(r) {
    const groups = readStrings(r);
    r.tags();
    return groups;
  },
  async handle(groups, ctx) {
    const out: Res = [];
    for (const groupId of groups) out.push({ groupId, error: kafkaCode((await ctx.broker.groups.deleteGroup(groupId)).error) });
    return out;
  },
  encode(w, res) {
    w.int32(0);
    w.array(res, (g) => {
      w.string(g.groupId).int16(g.error);
      w.tags();
    });
    w.tags();
  },
});
