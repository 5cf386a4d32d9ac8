// Fetch (key 1), v4–v13: the handler; each version's wire layout is in ./v<N>.ts and what a fetch
// reads (limits, long poll) is in ./read.ts. Topics come by name or, in the newest version, by topic
// id (KIP-516): an id is resolved to its topic here, and an unknown one answers UNKNOWN_TOPIC_ID
// (100) on each of its partitions, without a long poll. Sessions are never used (always a full
// response, session_id 0); forgotten topics and the rack are ignored; both isolation levels see the
// same data (no transactions: the last stable offset is the high watermark).

import type { Broker } from '../../../broker/broker.ts';
import { defineApi } from '../../api.ts';
import { kafkaLimits } from '../../protocol/limits.ts';
import { topicId } from '../metadata/topic-id.ts';
import { fetchPartitions, type FetchPartitionResult, type FetchTopicRequest } from './read.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';
import * as v8 from './v8.ts';
import * as v9 from './v9.ts';
import * as v10 from './v10.ts';
import * as v11 from './v11.ts';
import * as v12 from './v12.ts';
import * as v13 from './v13.ts';

export type FetchPartitionRequest = FetchTopicRequest['partitions'][number];

/** A request topic: by name (`id` null) or by id (`name` is then resolved in handle). */
export type FetchTopic = FetchTopicRequest & { id: Uint8Array | null };

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

/** The name of the topic whose id (../metadata/topic-id.ts) is `id`, or null. */
function topicNameOfId(broker: Broker, id: Uint8Array): string | null {
  const hex = Buffer.from(id).toString('hex');
  const cached = namesById.get(broker)?.get(hex);
  const createdMs = cached === undefined ? null : broker.topicCreatedMs(cached);
  if (cached !== undefined && createdMs !== null && Buffer.compare(topicId(cached, createdMs), id) === 0) return cached;
  const map = new Map<string, string>();
  for (const t of broker.listTopics()) map.set(Buffer.from(topicId(t.name, t.createdMs)).toString('hex'), t.name);
  namesById.set(broker, map);
  return map.get(hex) ?? null;
}

export const fetchApi = defineApi<FetchRequest, FetchResponse>({
  key: 1,
  name: 'Fetch',
  versions: { 4: v4, 5: v5, 6: v6, 7: v7, 8: v8, 9: v9, 10: v10, 11: v11, 12: v12, 13: v13 },
  async handle(req, ctx) {
    // Topics named by id: resolved to names; an unknown id is answered with UNKNOWN_TOPIC_ID and not read.
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
      ...(ctx.readPool ? { alloc: ctx.readPool } : {}),
    });
    let i = 0;
    const topics = req.topics.map((t) =>
      unknown.has(t)
        ? { name: t.name, id: t.id, partitions: t.partitions.map((p) => ({ partition: p.partition, error: UNKNOWN_TOPIC_ID, highWatermark: -1, logStartOffset: -1, records: new Uint8Array(0) })) }
        : { ...read[i++]!, id: t.id },
    );
    return { readCommitted: req.isolationLevel === 1, topics };
  },
});
