// OffsetCommit v7 (key 8).
// Request: group_id string, generation_id int32, member_id string, group_instance_id nullable_string,
//   topics [name string, partitions [partition_index int32, committed_offset int64,
//   committed_leader_epoch int32, committed_metadata nullable_string]]
// Response: as v6.
// group_instance_id is KIP-345's static membership.

import type { KafkaReader } from '../../../protocol/reader.ts';
import { readMemberIdentity } from '../common.ts';
import * as v2 from './v2.ts';
import * as v6 from './v6.ts';
import type { OffsetCommitRequest } from './index.ts';

export { encodeResponse, flexible } from './v6.ts';

export function decodeRequest(r: KafkaReader): OffsetCommitRequest {
  const identity = readMemberIdentity(r, true);
  const topics = v2.readTopics(r, (name) => v6.readPartition(r, name));
  return { ...identity, topics };
}
