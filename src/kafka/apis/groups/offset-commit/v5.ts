// OffsetCommit v5 (key 8).
// Request: group_id string, generation_id int32, member_id string,
//   topics [name string, partitions [partition_index int32, committed_offset int64, committed_metadata nullable_string]]
// Response: as v4.
// retention_time_ms is gone: retention is the broker's setting alone.

import type { KafkaReader } from '../../../protocol/reader.ts';
import { readMemberIdentity } from '../common.ts';
import * as v2 from './v2.ts';
import type { OffsetCommitRequest } from './index.ts';

export { encodeResponse, flexible } from './v4.ts';

export function decodeRequest(r: KafkaReader): OffsetCommitRequest {
  const identity = readMemberIdentity(r, false);
  const topics = v2.readTopics(r, (name) => v2.readPartition(r, name));
  return { ...identity, topics };
}
