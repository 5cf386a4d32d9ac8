// ListOffsets v1 (key 2).
// Request: replica_id int32, topics [name string, partitions [partition_index int32, timestamp int64]]
// Response: topics [name string, partitions [partition_index int32, error_code int16,
//   timestamp int64, offset int64]]

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ListOffsetsPartitionRequest, ListOffsetsPartitionResult, ListOffsetsRequest, ListOffsetsResponse } from './index.ts';

export const flexible = false;

export function readPartition(r: KafkaReader): ListOffsetsPartitionRequest {
  const index = r.int32();
  const timestampMs = r.int64();
  return { index, timestampMs };
}

/** topics [name, partitions [readPartition]]: the request topics of every classic version. */
export function readTopics(r: KafkaReader, readPartition: () => ListOffsetsPartitionRequest): ListOffsetsRequest['topics'] {
  return r.array(() => {
    const name = r.string();
    return { name, partitions: r.array(readPartition, 12) };
  }, 5);
}

export function decodeRequest(r: KafkaReader): ListOffsetsRequest {
  r.int32(); // replica_id
  return { topics: readTopics(r, () => readPartition(r)) };
}

export function writePartition(w: KafkaWriter, p: ListOffsetsPartitionResult): void {
  w.int32(p.index).int16(p.error).int64(p.timestampMs).int64(p.offset);
}

/** topics [name, partitions [writePartition]]: the response topics of every classic version. */
export function writeTopics(w: KafkaWriter, res: ListOffsetsResponse, writePartition: (p: ListOffsetsPartitionResult) => void): void {
  w.array(res.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, writePartition);
  });
}

export function encodeResponse(w: KafkaWriter, res: ListOffsetsResponse): void {
  writeTopics(w, res, (p) => writePartition(w, p));
}
