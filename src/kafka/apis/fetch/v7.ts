// Fetch v7 (key 1): fetch sessions (KIP-227).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, session_id int32, session_epoch int32, topics [topic string, partitions
//   [partition int32, fetch_offset int64, log_start_offset int64, partition_max_bytes int32]],
//   forgotten_topics_data [topic string, partitions [int32]]
// Response: throttle_time_ms int32, error_code int16, session_id int32, responses [topic string,
//   partitions [partition_index int32, error_code int16, high_watermark int64,
//   last_stable_offset int64, log_start_offset int64, aborted_transactions nullable
//   [producer_id int64, first_offset int64], records nullable_bytes]]
// Sessions are never used: session_id, session_epoch and forgotten_topics_data are read and not
// used, and every response is a full one with error_code 0 and session_id 0.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { FetchPartitionResult } from './read.ts';
import type { FetchPartitionRequest, FetchRequest, FetchResponse } from './index.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';

export { flexible } from './v6.ts';

/** v4's head, then session_id and session_epoch: how every request from v7 on starts. */
export function readHead(r: KafkaReader): v4.FetchRequestHead {
  const head = v4.readHead(r);
  r.int32(); // session_id
  r.int32(); // session_epoch
  return head;
}

/** v7's head, the topics with `readPartition` for their partitions, forgotten_topics_data. */
export function readRequest(r: KafkaReader, readPartition: () => FetchPartitionRequest): FetchRequest {
  const head = readHead(r);
  const topics = v4.readTopics(r, readPartition);
  r.array(() => {
    r.string(); // forgotten_topics_data: topic
    r.array(() => r.int32(), 4);
  }, 5);
  return { ...head, topics };
}

export function decodeRequest(r: KafkaReader): FetchRequest {
  return readRequest(r, () => v5.readPartition(r));
}

/** throttle_time_ms, error_code, session_id, then the topics with `writePartition` for their partitions. */
export function writeResponse(w: KafkaWriter, res: FetchResponse, writePartition: (p: FetchPartitionResult) => void): void {
  w.int32(0).int16(0).int32(0); // throttle_time_ms, error_code, session_id
  v4.writeTopics(w, res, writePartition);
}

export function encodeResponse(w: KafkaWriter, res: FetchResponse): void {
  writeResponse(w, res, (p) => v5.writePartition(w, res, p));
}
