// OffsetCommit (key 8), v2–v8: the handler; each version's wire layout is in ./v<N>.ts.
// Partitions are answered in the request's order. Partitions of unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION and never reach the coordinator.

import type { Broker } from '../../../../broker/broker.ts';
import type { OffsetCommitRequest as CoordinatorCommit } from '../../../../broker/groups/api.ts';
import { assert } from '../../../../errors.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { kafkaCode } from '../common.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';
import * as v8 from './v8.ts';

export type CommittedOffset = CoordinatorCommit['offsets'][number];

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: CommittedOffset[] }[];
}

export interface CommitPartitionResult {
  index: number;
  error: number;
}

export type OffsetCommitResponse = { name: string; partitions: CommitPartitionResult[] }[];

function partitionExists(broker: Broker, topic: string, partition: number): boolean {
  return broker.hasTopic(topic) && Number.isInteger(partition) && partition >= 0 && partition < broker.partitionCount(topic);
}

export const offsetCommit = defineApi<OffsetCommitRequest, OffsetCommitResponse>({
  key: 8,
  name: 'OffsetCommit',
  versions: { 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8 },
  async handle(req, ctx) {
    const all = req.topics.flatMap((t) => t.partitions);
    const known = all.map((o) => partitionExists(ctx.broker, o.topic, o.partition));
    const offsets = all.filter((_, i) => known[i]);
    const stored =
      offsets.length === 0
        ? []
        : (await ctx.broker.groups.commitOffsets({ groupId: req.groupId, generationId: req.generationId, memberId: req.memberId, groupInstanceId: req.groupInstanceId, offsets }))
            .partitions;
    assert(stored.length === offsets.length, 'the coordinator answers every committed partition');
    let next = 0;
    const errors = known.map((k) => (k ? kafkaCode(stored[next++]!.error) : KafkaError.UNKNOWN_TOPIC_OR_PARTITION));
    let at = 0;
    return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ index: p.partition, error: errors[at++]! })) }));
  },
});
