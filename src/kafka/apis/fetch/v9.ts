// Fetch v9 (key 1): current leader epochs (KIP-320).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, session_id int32, session_epoch int32, topics [topic string, partitions
//   [partition int32, current_leader_epoch int32, fetch_offset int64, log_start_offset int64,
//   partition_max_bytes int32]], forgotten_topics_data [topic string, partitions [int32]]
// Response: as v7.
// current_leader_epoch is read and not checked.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { FetchPartitionRequest, FetchRequest } from './index.ts';
import * as v5 from './v5.ts';
import * as v7 from './v7.ts';

export { encodeResponse, flexible } from './v8.ts';

export function readPartition(r: KafkaReader): FetchPartitionRequest {
  const partition = r.int32();
  r.int32(); // current_leader_epoch
  return v5.readPartitionTail(r, partition);
}

export function decodeRequest(r: KafkaReader): FetchRequest {
  return v7.readRequest(r, () => readPartition(r));
}
