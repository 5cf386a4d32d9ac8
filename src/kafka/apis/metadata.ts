// Metadata (key 3), v0–v12; flexible from v9. Request: topics (v0 array, empty = all; v1+ nullable,
// null = all) of [topic_id uuid (v10+), name (nullable v10+)], allow_auto_topic_creation (v4+),
// include_cluster_authorized_operations (v8–v10), include_topic_authorized_operations (v8+).
// Response: throttle_time_ms (v3+), brokers [node_id, host, port, rack (v1+)], cluster_id (v2+),
// controller_id (v1+), topics [error_code, name, topic_id (v10+), is_internal (v1+), partitions
// [error_code, partition_index, leader_id, leader_epoch (v7+), replica_nodes, isr_nodes,
// offline_replicas (v5+)], topic_authorized_operations (v8+)], cluster_authorized_operations (v8–v10).
// The listener is the single broker, leader and controller of everything.

import { createHash } from 'node:crypto';
import { EddyError } from '../../errors.ts';
import { defineLegacyApi, KafkaError, type KafkaContext } from '../api.ts';
import { kafkaErrorCode } from '../errors.ts';

interface Req {
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

interface TopicMeta {
  error: number;
  name: string;
  id: Uint8Array;
  partitions: { error: number; index: number }[];
}

interface Res {
  advertised: KafkaContext['advertised'];
  topics: TopicMeta[];
}

const ZERO_UUID = new Uint8Array(16);

/** Ids already derived (one sha256 per topic, not per request); callers never mutate them. */
const topicIds = new Map<string, Uint8Array>();

/** A stable topic id derived from the topic's name and creation time (never all zeros). */
export function topicId(name: string, createdMs: number): Uint8Array {
  const key = `${name}\0${createdMs}`;
  const known = topicIds.get(key);
  if (known) return known;
  if (topicIds.size >= 100_000) topicIds.clear(); // bounded: ids of deleted topics do not pile up
  const id = createHash('sha256').update(key).digest().subarray(0, 16);
  topicIds.set(key, id);
  id[0]! |= 1;
  return id;
}

export const metadata = defineLegacyApi<Req, Res>({
  key: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  flexibleFrom: 9,
  decode(r, version) {
    const readTopic = () => {
      if (version >= 10) r.uuid();
      const name = version >= 10 ? r.nullableString() : r.string();
      r.tags();
      return name;
    };
    let topics: (string | null)[] | null = version === 0 ? r.array(readTopic, 2) : r.nullableArray(readTopic, 2);
    if (version === 0 && topics !== null && topics.length === 0) topics = null;
    const allowAutoTopicCreation = version >= 4 ? r.bool() : true;
    if (version >= 8 && version <= 10) r.bool();
    if (version >= 8) r.bool();
    r.tags();
    return { topics: topics === null ? null : topics.filter((t): t is string => t !== null), allowAutoTopicCreation };
  },
  async handle(req, ctx) {
    const { broker } = ctx;
    const names = req.topics ?? broker.listTopics().map((t) => t.name);
    const topics: TopicMeta[] = [];
    for (const name of names) {
      try {
        if (!broker.hasTopic(name)) {
          if (!(req.allowAutoTopicCreation && broker.autoCreateTopics && req.topics !== null)) throw new EddyError('topic.not_found', `unknown topic ${name}`);
          try {
            await broker.createTopic(name);
          } catch (e) {
            if (!(e instanceof EddyError && e.code === 'topic.already_exists')) throw e;
          }
        }
        const d = broker.describeTopic(name);
        topics.push({
          error: KafkaError.NONE,
          name,
          id: topicId(name, d.createdMs),
          partitions: d.partitions.map((p) => ({ error: p.offline ? KafkaError.KAFKA_STORAGE_ERROR : KafkaError.NONE, index: p.partition })),
        });
      } catch (e) {
        topics.push({ error: kafkaErrorCode(e), name, id: ZERO_UUID, partitions: [] });
      }
    }
    return { advertised: ctx.advertised, topics };
  },
  encode(w, res, version) {
    const node = res.advertised.nodeId;
    if (version >= 3) w.int32(0);
    w.array([res.advertised], (b) => {
      w.int32(b.nodeId).string(b.host).int32(b.port);
      if (version >= 1) w.nullableString(null);
      w.tags();
    });
    if (version >= 2) w.nullableString('eddy');
    if (version >= 1) w.int32(node);
    w.array(res.topics, (t) => {
      w.int16(t.error);
      if (version >= 12) w.nullableString(t.name);
      else w.string(t.name);
      if (version >= 10) w.uuid(t.id);
      if (version >= 1) w.bool(t.name.startsWith('__'));
      w.array(t.partitions, (p) => {
        w.int16(p.error).int32(p.index).int32(node);
        if (version >= 7) w.int32(0);
        w.array([node], (n) => w.int32(n));
        w.array([node], (n) => w.int32(n));
        if (version >= 5) w.array([], () => {});
        w.tags();
      });
      if (version >= 8) w.int32(-2147483648);
      w.tags();
    });
    if (version >= 8 && version <= 10) w.int32(-2147483648);
    w.tags();
  },
});
