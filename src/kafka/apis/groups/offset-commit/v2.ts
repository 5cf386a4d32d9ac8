// OffsetCommit v2 (key 8).
// Request: group_id string, generation_id int32, member_id string, retention_time_ms int64,
//   topics [name string, partitions [partition_index int32, committed_offset int64, committed_metadata nullable_string]]
// Response: topics [name string, partitions [partition_index int32, error_code int16]]
// retention_time_ms is read and ignored: Eddy keeps offsets until the group is deleted.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readMemberIdentity } from '../common.ts';
import type { CommitPartitionResult, CommittedOffset, OffsetCommitRequest, OffsetCommitResponse } from './index.ts';

export const flexible = false;

/** partition_index, committed_offset, committed_metadata (no leader epoch: -1). */
export function readPartition(r: KafkaReader, topic: string): CommittedOffset {
  const partition = r.int32();
  const offset = r.int64();
  const metadata = r.nullableString();
  return { topic, partition, offset, leaderEpoch: -1, metadata };
}

/** topics [name, partitions [readPartition]] in the classic form. */
export function readTopics(r: KafkaReader, readTopicPartition: (topic: string) => CommittedOffset): OffsetCommitRequest['topics'] {
  return r.array(() => {
    const name = r.string();
    const partitions = r.array(() => readTopicPartition(name), 14);
    return { name, partitions };
  }, 6);
}

export function decodeRequest(r: KafkaReader): OffsetCommitRequest {
  const identity = readMemberIdentity(r, false);
  r.int64(); // retention_time_ms
  const topics = readTopics(r, (name) => readPartition(r, name));
  return { ...identity, topics };
}

export function writePartition(w: KafkaWriter, p: CommitPartitionResult): void {
  w.int32(p.index).int16(p.error);
}

export function encodeResponse(w: KafkaWriter, res: OffsetCommitResponse): void {
  w.array(res, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => writePartition(w, p));
  });
}
