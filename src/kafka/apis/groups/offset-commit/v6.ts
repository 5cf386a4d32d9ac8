// OffsetCommit v6 (key 8).
// Request: group_id string, generation_id int32, member_id string,
//   topics [name string, partitions [partition_index int32, committed_offset int64,
//   committed_leader_epoch int32, committed_metadata nullable_string]]
// Response: as v5.
// committed_leader_epoch is KIP-320's fencing epoch: stored and answered by OffsetFetch v5+.

import type { KafkaReader } from '../../../protocol/reader.ts';
import { readMemberIdentity } from '../common.ts';
import * as v2 from './v2.ts';
import type { CommittedOffset, OffsetCommitRequest } from './index.ts';

export { encodeResponse, flexible } from './v5.ts';

/** partition_index, committed_offset, committed_leader_epoch, committed_metadata. */
export function readPartition(r: KafkaReader, topic: string): CommittedOffset {
  const partition = r.int32();
  const offset = r.int64();
  const leaderEpoch = r.int32();
  return { topic, partition, offset, leaderEpoch, metadata: r.nullableString() };
}

export function decodeRequest(r: KafkaReader): OffsetCommitRequest {
  const identity = readMemberIdentity(r, false);
  const topics = v2.readTopics(r, (name) => readPartition(r, name));
  return { ...identity, topics };
}
