// OffsetFetch v8 (key 9).
// Request: groups [group_id, topics nullable [name, partition_indexes [int32], tags], tags],
//   require_stable bool, tags
// Response: throttle_time_ms, groups [group_id, topics [name, partitions [partition_index,
//   committed_offset, committed_leader_epoch, metadata, error_code, tags], tags], error_code, tags], tags
// Several groups in one request (KIP-709); each answered in the request's order.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v6 from './v6.ts';
import type { GroupOffsets, OffsetFetchRequest } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): OffsetFetchRequest {
  const groups = r.array(() => {
    const groupId = r.string();
    const topics = v6.readTopics(r);
    r.tags();
    return { groupId, topics };
  }, 3);
  r.bool(); // require_stable
  r.tags();
  return { groups, groupErrorOnPartitions: false };
}

export function encodeResponse(w: KafkaWriter, res: GroupOffsets[]): void {
  w.int32(0);
  w.array(res, (g) => {
    w.string(g.groupId);
    v6.writeTopics(w, g);
    w.int16(g.error);
    w.tags();
  });
  w.tags();
}
