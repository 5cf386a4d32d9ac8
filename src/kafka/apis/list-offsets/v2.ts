// ListOffsets v2 (key 2).
// Request: replica_id int32, isolation_level int8,
//   topics [name string, partitions [partition_index int32, timestamp int64]]
// Response: throttle_time_ms int32, topics [name string, partitions [partition_index int32,
//   error_code int16, timestamp int64, offset int64]]
// Both isolation levels answer the same here (no transactions).

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ListOffsetsPartitionRequest, ListOffsetsRequest, ListOffsetsResponse } from './index.ts';
import * as v1 from './v1.ts';

export { flexible } from './v1.ts';

/** replica_id, isolation_level, then the topics with `readPartition` for their partitions. */
export function readRequest(r: KafkaReader, readPartition: () => ListOffsetsPartitionRequest): ListOffsetsRequest {
  r.int32(); // replica_id
  r.int8(); // isolation_level
  return { topics: v1.readTopics(r, readPartition) };
}

export function decodeRequest(r: KafkaReader): ListOffsetsRequest {
  return readRequest(r, () => v1.readPartition(r));
}

export function encodeResponse(w: KafkaWriter, res: ListOffsetsResponse): void {
  w.int32(0); // throttle_time_ms
  v1.encodeResponse(w, res);
}
