// Fetch v4 (key 1).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, topics [topic string, partitions [partition int32, fetch_offset int64,
//   partition_max_bytes int32]]
// Response: throttle_time_ms int32, responses [topic string, partitions [partition_index int32,
//   error_code int16, high_watermark int64, last_stable_offset int64,
//   aborted_transactions nullable [producer_id int64, first_offset int64], records nullable_bytes]]
// replica_id is read and not used (consumers send -1; there are no followers). last_stable_offset is
// the high watermark; aborted_transactions, which Kafka lists to read_committed consumers only, is
// empty for them and null for the others. records holds whole batches as stored.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { FetchPartitionResult } from './read.ts';
import type { FetchPartitionRequest, FetchRequest, FetchResponse, FetchTopic } from './index.ts';

export const flexible = false;

/** What a request says before its topics. */
export type FetchRequestHead = Omit<FetchRequest, 'topics'>;

/** replica_id, max_wait_ms, min_bytes, max_bytes, isolation_level: how every version's request starts. */
export function readHead(r: KafkaReader): FetchRequestHead {
  r.int32(); // replica_id
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  const isolationLevel = r.int8();
  return { maxWaitMs, minBytes, maxBytes, isolationLevel };
}

export function readPartition(r: KafkaReader): FetchPartitionRequest {
  const partition = r.int32();
  const fetchOffset = r.int64();
  const partitionMaxBytes = r.int32();
  return { partition, fetchOffset, partitionMaxBytes };
}

/** topics [topic, partitions [readPartition]]: the request topics of every classic version. */
export function readTopics(r: KafkaReader, readPartition: () => FetchPartitionRequest): FetchTopic[] {
  return r.array((): FetchTopic => {
    const name = r.string();
    return { name, id: null, partitions: r.array(readPartition, 16) };
  }, 5);
}

/** readHead, then the topics with `readPartition` for their partitions. */
export function readRequest(r: KafkaReader, readPartition: () => FetchPartitionRequest): FetchRequest {
  const head = readHead(r);
  return { ...head, topics: readTopics(r, readPartition) };
}

export function decodeRequest(r: KafkaReader): FetchRequest {
  return readRequest(r, () => readPartition(r));
}

/** partition_index, error_code, high_watermark, last_stable_offset: how every version's partition starts. */
export function writePartitionHead(w: KafkaWriter, p: FetchPartitionResult): void {
  w.int32(p.partition).int16(p.error).int64(p.highWatermark).int64(p.highWatermark < 0 ? -1 : p.highWatermark);
}

export function writeAbortedTransactions(w: KafkaWriter, res: FetchResponse): void {
  w.nullableArray(res.readCommitted ? [] : null, () => {});
}

export function writePartition(w: KafkaWriter, res: FetchResponse, p: FetchPartitionResult): void {
  writePartitionHead(w, p);
  writeAbortedTransactions(w, res);
  w.nullableBytes(p.records);
}

/** responses [topic, partitions [writePartition]]: the response topics of every classic version. */
export function writeTopics(w: KafkaWriter, res: FetchResponse, writePartition: (p: FetchPartitionResult) => void): void {
  w.array(res.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, writePartition);
  });
}

/** throttle_time_ms, then the topics with `writePartition` for their partitions. */
export function writeResponse(w: KafkaWriter, res: FetchResponse, writePartition: (p: FetchPartitionResult) => void): void {
  w.int32(0); // throttle_time_ms
  writeTopics(w, res, writePartition);
}

export function encodeResponse(w: KafkaWriter, res: FetchResponse): void {
  writeResponse(w, res, (p) => writePartition(w, res, p));
}
