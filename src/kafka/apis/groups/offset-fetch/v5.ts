// OffsetFetch v5 (key 9).
// Request: as v4.
// Response: throttle_time_ms int32, topics [name string, partitions [partition_index int32,
//   committed_offset int64, committed_leader_epoch int32, metadata nullable_string, error_code int16]],
//   error_code int16

import type { FetchedOffset } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v1 from './v1.ts';
import type { GroupOffsets } from './index.ts';

export { decodeRequest, flexible } from './v4.ts';

/** partition_index, committed_offset, committed_leader_epoch, metadata, error_code 0. */
export function writePartition(w: KafkaWriter, p: FetchedOffset): void {
  w.int32(p.partition).int64(p.offset).int32(p.leaderEpoch).nullableString(p.metadata).int16(0);
}

export function encodeResponse(w: KafkaWriter, res: GroupOffsets[]): void {
  const g = res[0]!;
  w.int32(0);
  v1.writeTopics(w, g, (p) => writePartition(w, p));
  w.int16(g.error);
}
