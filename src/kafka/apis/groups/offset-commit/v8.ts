// OffsetCommit v8 (key 8), the first flexible version (compact strings and arrays, tagged fields).
// Request: group_id, generation_id, member_id, group_instance_id,
//   topics [name, partitions [partition_index, committed_offset, committed_leader_epoch,
//   committed_metadata, tags], tags], tags
// Response: throttle_time_ms, topics [name, partitions [partition_index, error_code, tags], tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readMemberIdentity } from '../common.ts';
import * as v2 from './v2.ts';
import * as v6 from './v6.ts';
import type { OffsetCommitRequest, OffsetCommitResponse } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): OffsetCommitRequest {
  const identity = readMemberIdentity(r, true);
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const partition = v6.readPartition(r, name);
      r.tags();
      return partition;
    }, 15);
    r.tags();
    return { name, partitions };
  }, 3);
  r.tags();
  return { ...identity, topics };
}

export function encodeResponse(w: KafkaWriter, res: OffsetCommitResponse): void {
  w.int32(0);
  w.array(res, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => {
      v2.writePartition(w, p);
      w.tags();
    });
    w.tags();
  });
  w.tags();
}
