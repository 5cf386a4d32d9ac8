// OffsetFetch (key 9), v1–v8; flexible from v6. Request v1–v7: group_id, topics [name,
// partition_indexes [int32]] (nullable v2+: null = every committed partition), require_stable (v7+);
// v8: groups [group_id, topics (nullable)], require_stable. Response: throttle_time_ms (v3+); v1–v7:
// topics [name, partitions [partition_index, committed_offset, committed_leader_epoch (v5+),
// metadata (nullable), error_code]], error_code (v2+); v8: groups [group_id, topics, error_code].
// require_stable needs no waiting: Eddy has no transactional offset commits pending.
// librdkafka 2.0.2 writes a null topic list in v6/v7 as a classic int32 0 (four zero bytes, never made
// compact, rd_kafka_OffsetFetchRequest): that exact shape is read as null, as Kafka's lenient parser does.

import type { FetchedOffset } from '../../../broker/groups/api.ts';
import { defineLegacyApi } from '../../api.ts';
import type { KafkaReader } from '../../protocol/reader.ts';
import { elementBytes, kafkaCode } from './common.ts';

type Topics = { name: string; partitions: number[] }[] | null;

interface Req {
  groups: { groupId: string; topics: Topics }[];
}

interface GroupOffsets {
  groupId: string;
  error: number;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

/** The librdkafka 2.0.2 null-topics shape: four zero bytes, then require_stable (v7) and the tags. */
function isLibrdkafkaNullTopics(r: KafkaReader, version: number): boolean {
  const { buf, pos } = r.r;
  if (!r.flexible || r.remaining !== 4 + (version >= 7 ? 1 : 0) + 1) return false;
  return buf[pos] === 0 && buf[pos + 1] === 0 && buf[pos + 2] === 0 && buf[pos + 3] === 0;
}

function readTopics(r: KafkaReader, nullable: boolean): Topics {
  const read = () => {
    const name = r.string();
    const partitions = r.array(() => r.int32(), 4);
    r.tags();
    return { name, partitions };
  };
  const min = elementBytes(r, 6, 3);
  return nullable ? r.nullableArray(read, min) : r.array(read, min);
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

export const offsetFetch = defineLegacyApi<Req, GroupOffsets[]>({
  key: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 8,
  flexibleFrom: 6,
  decode(r, version) {
    let groups: Req['groups'];
    if (version >= 8) {
      groups = r.array(() => {
        const groupId = r.string();
        const topics = readTopics(r, true);
        r.tags();
        return { groupId, topics };
      }, elementBytes(r, 6, 3));
    } else {
      const groupId = r.string();
      let topics: Topics;
      if (isLibrdkafkaNullTopics(r, version)) {
        r.r.skip(4);
        topics = null;
      } else {
        topics = readTopics(r, version >= 2);
      }
      groups = [{ groupId, topics }];
    }
    if (version >= 7) r.bool(); // require_stable
    r.tags();
    return { groups };
  },
  async handle(req, ctx) {
    const out: GroupOffsets[] = [];
    for (const g of req.groups) {
      const partitions = g.topics === null ? null : g.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
      const res = await ctx.broker.groups.fetchOffsets({ groupId: g.groupId, partitions });
      const error = kafkaCode(res.error);
      // On a group-level error v2+ answer no topics; v1 has no top-level error, so it lists what was
      // asked for with the error on every partition (as Kafka's getErrorResponse).
      let offsets = res.partitions;
      if (res.error !== undefined) {
        offsets = ctx.version < 2 && partitions !== null ? partitions.map((p) => ({ ...p, offset: -1, leaderEpoch: -1, metadata: '' })) : [];
      }
      out.push({ groupId: g.groupId, error, topics: byTopic(offsets) });
    }
    return out;
  },
  encode(w, res, version) {
    if (version >= 3) w.int32(0);
    const writeTopics = (g: GroupOffsets, partitionError: number) =>
      w.array(g.topics, (t) => {
        w.string(t.name);
        w.array(t.partitions, (p) => {
          w.int32(p.partition).int64(p.offset);
          if (version >= 5) w.int32(p.leaderEpoch);
          w.nullableString(p.metadata).int16(partitionError);
          w.tags();
        });
        w.tags();
      });
    if (version >= 8) {
      w.array(res, (g) => {
        w.string(g.groupId);
        writeTopics(g, 0);
        w.int16(g.error);
        w.tags();
      });
    } else {
      const g = res[0]!;
      writeTopics(g, version >= 2 ? 0 : g.error);
      if (version >= 2) w.int16(g.error);
    }
    w.tags();
  },
});
