// Fetch v12 (key 1), the first flexible version (KIP-482: compact strings, arrays and bytes, a
// tagged-field section ending every structure); last fetched epochs (KIP-595).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, session_id int32, session_epoch int32, topics [topic compact_string,
//   partitions [partition int32, current_leader_epoch int32, fetch_offset int64,
//   last_fetched_epoch int32, log_start_offset int64, partition_max_bytes int32, tags], tags],
//   forgotten_topics_data [topic compact_string, partitions [int32], tags], rack_id compact_string,
//   tags (cluster_id is tag 0)
// Response: throttle_time_ms int32, error_code int16, session_id int32, responses
//   [topic compact_string, partitions [partition_index int32, error_code int16,
//   high_watermark int64, last_stable_offset int64, log_start_offset int64,
//   aborted_transactions compact_nullable [producer_id int64, first_offset int64, tags],
//   preferred_read_replica int32, records compact_nullable_bytes, tags], tags], tags
// Tagged fields are skipped (cluster_id among them) and none is written; last_fetched_epoch is read
// and not checked.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { FetchPartitionRequest, FetchRequest, FetchResponse, FetchTopic } from './index.ts';
import * as v7 from './v7.ts';
import * as v11 from './v11.ts';

export const flexible = true;

/** How a request topic is named: `topic` (`id` null) or, from v13, `topic_id` (`name` empty). */
export type FetchTopicKey = Pick<FetchTopic, 'name' | 'id'>;

export function readPartition(r: KafkaReader): FetchPartitionRequest {
  const partition = r.int32();
  r.int32(); // current_leader_epoch
  const fetchOffset = r.int64();
  r.int32(); // last_fetched_epoch
  r.int64(); // log_start_offset
  const partitionMaxBytes = r.int32();
  r.tags();
  return { partition, fetchOffset, partitionMaxBytes };
}

/** The request of v12 and later, its topics and forgotten topics named by `readTopicKey`. */
export function readRequest(r: KafkaReader, readTopicKey: () => FetchTopicKey): FetchRequest {
  const head = v7.readHead(r);
  const topics = r.array((): FetchTopic => {
    const key = readTopicKey();
    const partitions = r.array(() => readPartition(r), 16);
    r.tags();
    return { ...key, partitions };
  }, 5);
  r.array(() => {
    readTopicKey(); // forgotten_topics_data: read and not used
    r.array(() => r.int32(), 4);
    r.tags();
  }, 5);
  r.string(); // rack_id
  r.tags();
  return { ...head, topics };
}

export function decodeRequest(r: KafkaReader): FetchRequest {
  return readRequest(r, () => ({ name: r.string(), id: null }));
}

/** The response of v12 and later, each topic named by `writeTopicKey`. */
export function writeResponse(w: KafkaWriter, res: FetchResponse, writeTopicKey: (t: FetchResponse['topics'][number]) => void): void {
  w.int32(0).int16(0).int32(0); // throttle_time_ms, error_code, session_id
  w.array(res.topics, (t) => {
    writeTopicKey(t);
    w.array(t.partitions, (p) => {
      v11.writePartition(w, res, p); // aborted_transactions is empty or null: no per-element tags to write
      w.tags();
    });
    w.tags();
  });
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: FetchResponse): void {
  writeResponse(w, res, (t) => w.string(t.name));
}
