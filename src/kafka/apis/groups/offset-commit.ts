// OffsetCommit (key 8), v2–v8; flexible from v8. Request: group_id, generation_id, member_id,
// group_instance_id (v7+, nullable), retention_time_ms (v2–v4, ignored: Eddy keeps offsets until the
// group is deleted), topics [name, partitions [partition_index, committed_offset,
// committed_leader_epoch (v6+), committed_metadata (nullable)]]. Response: throttle_time_ms (v3+),
// topics [name, partitions [partition_index, error_code]], answered in the request's order.
// Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION and never reach the coordinator.

import type { Broker } from '../../../broker/broker.ts';
import type { OffsetCommitRequest } from '../../../broker/groups/api.ts';
import { assert } from '../../../errors.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import { elementBytes, kafkaCode } from './common.ts';

type Offset = OffsetCommitRequest['offsets'][number];

interface Req {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: Offset[] }[];
}

type Res = { name: string; partitions: { index: number; error: number }[] }[];

function partitionExists(broker: Broker, topic: string, partition: number): boolean {
  return broker.hasTopic(topic) && Number.isInteger(partition) && partition >= 0 && partition < broker.partitionCount(topic);
}

export const offsetCommit = defineLegacyApi<Req, Res>({
  key: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 8,
  flexibleFrom: 8,
  decode(r, version) {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    const groupInstanceId = version >= 7 ? r.nullableString() : null;
    if (version <= 4) r.int64(); // retention_time_ms
    const topics = r.array(() => {
      const name = r.string();
      const partitions = r.array((): Offset => {
        const partition = r.int32();
        const offset = r.int64();
        const leaderEpoch = version >= 6 ? r.int32() : -1;
        const metadata = r.nullableString();
        r.tags();
        return { topic: name, partition, offset, leaderEpoch, metadata };
      }, elementBytes(r, 14, 15));
      r.tags();
      return { name, partitions };
    }, elementBytes(r, 6, 3));
    r.tags();
    return { groupId, generationId, memberId, groupInstanceId, topics };
  },
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
  encode(w, res, version) {
    if (version >= 3) w.int32(0);
    w.array(res, (t) => {
      w.string(t.name);
      w.array(t.partitions, (p) => {
        w.int32(p.index).int16(p.error);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
});
