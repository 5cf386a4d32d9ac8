// OffsetFetch v1 (key 9).
// Request: group_id string, topics [name string, partition_indexes [int32]]
// Response: topics [name string, partitions [partition_index int32, committed_offset int64,
//   metadata nullable_string, error_code int16]]
// With no group-level error_code, a group error is answered on every partition asked for.

import type { FetchedOffset } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { FetchTopic, GroupOffsets, OffsetFetchRequest } from './index.ts';

export const flexible = false;

/** name, partition_indexes [int32]. */
export function readTopic(r: KafkaReader): FetchTopic {
  const name = r.string();
  const partitions = r.array(() => r.int32(), 4);
  return { name, partitions };
}

export function decodeRequest(r: KafkaReader): OffsetFetchRequest {
  const groupId = r.string();
  const topics = r.array(() => readTopic(r), 6);
  return { groups: [{ groupId, topics }], groupErrorOnPartitions: true };
}

/** topics [name, partitions [writePartition]] in the classic form. */
export function writeTopics(w: KafkaWriter, g: GroupOffsets, writePartition: (p: FetchedOffset) => void): void {
  w.array(g.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, writePartition);
  });
}

/** partition_index, committed_offset, metadata, error_code. */
export function writePartition(w: KafkaWriter, p: FetchedOffset, error: number): void {
  w.int32(p.partition).int64(p.offset).nullableString(p.metadata).int16(error);
}

export function encodeResponse(w: KafkaWriter, res: GroupOffsets[]): void {
  const g = res[0]!;
  writeTopics(w, g, (p) => writePartition(w, p, g.error));
}
