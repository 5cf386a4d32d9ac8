// OffsetFetch v3 (key 9).
// Request: as v2.
// Response: throttle_time_ms int32, topics [name string, partitions [partition_index int32,
//   committed_offset int64, metadata nullable_string, error_code int16]], error_code int16

import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v2 from './v2.ts';
import type { GroupOffsets } from './index.ts';

export { decodeRequest, flexible } from './v2.ts';

export function encodeResponse(w: KafkaWriter, res: GroupOffsets[]): void {
  w.int32(0);
  v2.encodeResponse(w, res);
}
