// Fetch v5 (key 1): log start offsets (KIP-107).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, topics [topic string, partitions [partition int32, fetch_offset int64,
//   log_start_offset int64, partition_max_bytes int32]]
// Response: throttle_time_ms int32, responses [topic string, partitions [partition_index int32,
//   error_code int16, high_watermark int64, last_stable_offset int64, log_start_offset int64,
//   aborted_transactions nullable [producer_id int64, first_offset int64], records nullable_bytes]]
// A request's log_start_offset is a follower's: read and not used.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { FetchPartitionResult } from './read.ts';
import type { FetchPartitionRequest, FetchRequest, FetchResponse } from './index.ts';
import * as v4 from './v4.ts';

export { flexible } from './v4.ts';

/** fetch_offset, log_start_offset, partition_max_bytes: what follows the partition's head up to v11. */
export function readPartitionTail(r: KafkaReader, partition: number): FetchPartitionRequest {
  const fetchOffset = r.int64();
  r.int64(); // log_start_offset
  const partitionMaxBytes = r.int32();
  return { partition, fetchOffset, partitionMaxBytes };
}

export function readPartition(r: KafkaReader): FetchPartitionRequest {
  return readPartitionTail(r, r.int32());
}

export function decodeRequest(r: KafkaReader): FetchRequest {
  return v4.readRequest(r, () => readPartition(r));
}

/** Everything before the records: v4's head, log_start_offset, aborted_transactions. */
export function writePartitionBeforeRecords(w: KafkaWriter, res: FetchResponse, p: FetchPartitionResult): void {
  v4.writePartitionHead(w, p);
  w.int64(p.logStartOffset);
  v4.writeAbortedTransactions(w, res);
}

export function writePartition(w: KafkaWriter, res: FetchResponse, p: FetchPartitionResult): void {
  writePartitionBeforeRecords(w, res, p);
  w.nullableBytes(p.records);
}

export function encodeResponse(w: KafkaWriter, res: FetchResponse): void {
  v4.writeResponse(w, res, (p) => writePartition(w, res, p));
}
