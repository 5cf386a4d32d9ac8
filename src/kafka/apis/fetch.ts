// Fetch (key 1), v4–v13; flexible from v12; v13 names topics by topic_id (uuid) instead of name
// in the request topics, forgotten_topics_data and the response (KIP-516). Request:
// cluster_id (tag 0, v12+), replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32
// (v3+), isolation_level int8 (v4+), session_id int32 (v7+), session_epoch int32 (v7+), topics
// [topic string (v13+: topic_id uuid), partitions [partition int32, current_leader_epoch int32
// (v9+), fetch_offset int64, last_fetched_epoch int32 (v12+), log_start_offset int64 (v5+),
// partition_max_bytes int32]], forgotten_topics_data [topic string (v13+: topic_id uuid),
// partitions [int32]] (v7+), rack_id string (v11+).
// Response: throttle_time_ms int32, error_code int16 (v7+), session_id int32 (v7+), responses
// [topic string (v13+: topic_id uuid), partitions [partition_index int32, error_code int16,
// high_watermark int64, last_stable_offset int64 (v4+), log_start_offset int64 (v5+),
// aborted_transactions nullable [producer_id int64, first_offset int64] (v4+),
// preferred_read_replica int32 (v11+), records]].
// Sessions are never used (always a full response, session_id 0); forgotten topics and rack are
// ignored; an unknown topic id answers UNKNOWN_TOPIC_ID (100) per partition, without a long poll;
// both isolation levels see the same data (no transactions: LSO = high watermark).

import { kafkaLimits } from '../protocol/limits.ts';
import type { Broker } from '../../broker/broker.ts';
import { defineLegacyApi } from '../api.ts';
import { topicId } from './metadata.ts';
import { fetchPartitions, type FetchPartitionResult, type FetchTopicRequest } from './fetch-read.ts';

/** A request topic: by name (v4–v12) or by id (v13+; `name` is then resolved in handle). */
type FetchTopic = FetchTopicRequest & { id: Uint8Array | null };

export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: FetchTopic[];
}

export interface FetchResponse {
  readCommitted: boolean;
  topics: { name: string; id: Uint8Array | null; partitions: FetchPartitionResult[] }[];
}

const UNKNOWN_TOPIC_ID = 100;

/** Topic id (hex) → name, per broker; an entry is re-checked on use, a miss rebuilds the map. */
const namesById = new WeakMap<Broker, Map<string, string>>();

/** The name of the topic whose id (metadata.ts topicId) is `id`, or null. */
function topicNameOfId(broker: Broker, id: Uint8Array): string | null {
  const hex = Buffer.from(id).toString('hex');
  const cached = namesById.get(broker)?.get(hex);
  if (cached !== undefined && broker.hasTopic(cached) && Buffer.compare(topicId(cached, broker.describeTopic(cached).createdMs), id) === 0) return cached;
  const map = new Map<string, string>();
  for (const t of broker.listTopics()) map.set(Buffer.from(topicId(t.name, t.createdMs)).toString('hex'), t.name);
  namesById.set(broker, map);
  return map.get(hex) ?? null;
}

export const fetchApi = defineLegacyApi<FetchRequest, FetchResponse>({
  key: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 13,
  flexibleFrom: 12,
  decode(r, version) {
    r.int32(); // replica_id: -1 for consumers; followers do not exist here
    const maxWaitMs = r.int32();
    const minBytes = r.int32();
    const maxBytes = r.int32();
    const isolationLevel = r.int8();
    if (version >= 7) {
      r.int32(); // session_id
      r.int32(); // session_epoch
    }
    const topics = r.array((): FetchTopic => {
      const id = version >= 13 ? r.uuid() : null;
      const name = version >= 13 ? '' : r.string();
      const partitions = r.array(() => {
        const partition = r.int32();
        if (version >= 9) r.int32(); // current_leader_epoch
        const fetchOffset = r.int64();
        if (version >= 12) r.int32(); // last_fetched_epoch
        if (version >= 5) r.int64(); // log_start_offset (followers only)
        const partitionMaxBytes = r.int32();
        r.tags();
        return { partition, fetchOffset, partitionMaxBytes };
      }, 16);
      r.tags();
      return { name, id, partitions };
    }, 5);
    if (version >= 7) {
      r.array(() => {
        if (version >= 13) r.uuid();
        else r.string();
        r.array(() => r.int32(), 4);
        r.tags();
      }, 5);
    }
    if (version >= 11) r.string(); // rack_id
    r.tags();
    return { maxWaitMs, minBytes, maxBytes, isolationLevel, topics };
  },
  async handle(req, ctx) {
    // v13+: resolve ids to names; an unknown id is answered with UNKNOWN_TOPIC_ID and not read.
    const known: FetchTopic[] = [];
    const unknown = new Set<FetchTopic>();
    for (const t of req.topics) {
      const name = t.id === null ? t.name : topicNameOfId(ctx.broker, t.id);
      if (name === null) unknown.add(t);
      else known.push({ ...t, name });
    }
    const read = await fetchPartitions(ctx.broker, known, {
      maxWaitMs: unknown.size > 0 ? 0 : Math.max(0, Math.min(req.maxWaitMs, kafkaLimits.fetchMaxWaitMsMax)),
      minBytes: Math.max(0, req.minBytes),
      maxBytes: req.maxBytes > 0 ? req.maxBytes : 0,
      signal: ctx.signal,
    });
    let i = 0;
    const topics = req.topics.map((t) =>
      unknown.has(t)
        ? { name: t.name, id: t.id, partitions: t.partitions.map((p) => ({ partition: p.partition, error: UNKNOWN_TOPIC_ID, highWatermark: -1, logStartOffset: -1, records: new Uint8Array(0) })) }
        : { ...read[i++]!, id: t.id },
    );
    return { readCommitted: req.isolationLevel === 1, topics };
  },
  encode(w, res, version) {
    w.int32(0);
    if (version >= 7) w.int16(0).int32(0);
    w.array(res.topics, (t) => {
      if (version >= 13) w.uuid(t.id ?? new Uint8Array(16));
      else w.string(t.name);
      w.array(t.partitions, (p) => {
        w.int32(p.partition).int16(p.error).int64(p.highWatermark).int64(p.highWatermark < 0 ? -1 : p.highWatermark);
        if (version >= 5) w.int64(p.logStartOffset);
        // Kafka lists aborted transactions only to read_committed consumers; there are none here.
        w.nullableArray(res.readCommitted ? [] : null, () => {});
        if (version >= 11) w.int32(-1);
        w.nullableBytes(p.records);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
});
