// OffsetFetch v2 (key 9).
// Request: group_id string, topics nullable [name string, partition_indexes [int32]]
// Response: topics [name string, partitions [partition_index int32, committed_offset int64,
//   metadata nullable_string, error_code int16]], error_code int16
// A null topic list asks for every committed partition. The group's error is the top-level
// error_code; partitions carry 0.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v1 from './v1.ts';
import type { GroupOffsets, OffsetFetchRequest } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): OffsetFetchRequest {
  const groupId = r.string();
  const topics = r.nullableArray(() => v1.readTopic(r), 6);
  return { groups: [{ groupId, topics }], groupErrorOnPartitions: false };
}

export function encodeResponse(w: KafkaWriter, res: GroupOffsets[]): void {
  const g = res[0]!;
  v1.writeTopics(w, g, (p) => v1.writePartition(w, p, 0));
  w.int16(g.error);
}
