// Fetch v11 (key 1): fetching from the closest replica (KIP-392).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, session_id int32, session_epoch int32, topics [topic string, partitions
//   [partition int32, current_leader_epoch int32, fetch_offset int64, log_start_offset int64,
//   partition_max_bytes int32]], forgotten_topics_data [topic string, partitions [int32]],
//   rack_id string
// Response: throttle_time_ms int32, error_code int16, session_id int32, responses [topic string,
//   partitions [partition_index int32, error_code int16, high_watermark int64,
//   last_stable_offset int64, log_start_offset int64, aborted_transactions nullable
//   [producer_id int64, first_offset int64], preferred_read_replica int32, records nullable_bytes]]
// rack_id is read and not used; preferred_read_replica is -1 (read from the leader, the one broker).

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { FetchPartitionResult } from './read.ts';
import type { FetchRequest, FetchResponse } from './index.ts';
import * as v5 from './v5.ts';
import * as v7 from './v7.ts';
import * as v10 from './v10.ts';

export { flexible } from './v10.ts';

export function decodeRequest(r: KafkaReader): FetchRequest {
  const req = v10.decodeRequest(r);
  r.string(); // rack_id
  return req;
}

export function writePartition(w: KafkaWriter, res: FetchResponse, p: FetchPartitionResult): void {
  v5.writePartitionBeforeRecords(w, res, p);
  w.int32(-1); // preferred_read_replica
  w.nullableBytes(p.records);
}

export function encodeResponse(w: KafkaWriter, res: FetchResponse): void {
  v7.writeResponse(w, res, (p) => writePartition(w, res, p));
}
