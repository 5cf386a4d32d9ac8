// ListOffsets v4 (key 2): leader epochs (KIP-320).
// Request: replica_id int32, isolation_level int8, topics [name string, partitions
//   [partition_index int32, current_leader_epoch int32, timestamp int64]]
// Response: throttle_time_ms int32, topics [name string, partitions [partition_index int32,
//   error_code int16, timestamp int64, offset int64, leader_epoch int32]]
// current_leader_epoch is read and not checked; leader_epoch is 0 (-1 with an error).

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import { DataError } from '../data-errors.ts';
import type { ListOffsetsPartitionRequest, ListOffsetsPartitionResult, ListOffsetsRequest, ListOffsetsResponse } from './index.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';

export { flexible } from './v2.ts';

export function readPartition(r: KafkaReader): ListOffsetsPartitionRequest {
  const index = r.int32();
  r.int32(); // current_leader_epoch
  const timestampMs = r.int64();
  return { index, timestampMs };
}

export function decodeRequest(r: KafkaReader): ListOffsetsRequest {
  return v2.readRequest(r, () => readPartition(r));
}

export function writePartition(w: KafkaWriter, p: ListOffsetsPartitionResult): void {
  v1.writePartition(w, p);
  w.int32(p.error === DataError.NONE ? 0 : -1); // leader_epoch
}

export function encodeResponse(w: KafkaWriter, res: ListOffsetsResponse): void {
  w.int32(0); // throttle_time_ms
  v1.writeTopics(w, res, (p) => writePartition(w, p));
}
