// OffsetFetch (key 9), v1–v8: the handler; each version's wire layout is in ./v<N>.ts.
// A null topic list asks for every committed partition of the group. require_stable needs no
// waiting: Eddy has no transactional offset commits pending.

import type { FetchedOffset } from '../../../../broker/groups/api.ts';
import { defineApi } from '../../../api.ts';
import { kafkaCode } from '../common.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';
import * as v8 from './v8.ts';

export interface FetchTopic {
  name: string;
  partitions: number[];
}

export interface OffsetFetchRequest {
  groups: { groupId: string; topics: FetchTopic[] | null }[];
  /**
   * The response has no group-level error_code (v1): a group error is answered on every partition
   * asked for, as Kafka's getErrorResponse. Otherwise a group error is answered with no topics.
   */
  groupErrorOnPartitions: boolean;
}

export interface GroupOffsets {
  groupId: string;
  error: number;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

function byTopic(offsets: FetchedOffset[]): GroupOffsets['topics'] {
  const topics = new Map<string, FetchedOffset[]>();
  for (const o of offsets) {
    const list = topics.get(o.topic);
    if (list === undefined) topics.set(o.topic, [o]);
    else list.push(o);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}

export const offsetFetch = defineApi<OffsetFetchRequest, GroupOffsets[]>({
  key: 9,
  name: 'OffsetFetch',
  versions: { 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8 },
  async handle(req, ctx) {
    const out: GroupOffsets[] = [];
    for (const g of req.groups) {
      const partitions = g.topics === null ? null : g.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
      const res = await ctx.broker.groups.fetchOffsets({ groupId: g.groupId, partitions });
      const error = kafkaCode(res.error);
      let offsets = res.partitions;
      if (res.error !== undefined) {
        offsets = req.groupErrorOnPartitions && partitions !== null ? partitions.map((p) => ({ ...p, offset: -1, leaderEpoch: -1, metadata: '' })) : [];
      }
      out.push({ groupId: g.groupId, error, topics: byTopic(offsets) });
    }
    return out;
  },
});
