// OffsetCommit v3 (key 8).
// Request: as v2.
// Response: throttle_time_ms int32, topics [name string, partitions [partition_index int32, error_code int16]]

import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v2 from './v2.ts';
import type { OffsetCommitResponse } from './index.ts';

export { decodeRequest, flexible } from './v2.ts';

export function encodeResponse(w: KafkaWriter, res: OffsetCommitResponse): void {
  w.int32(0);
  v2.encodeResponse(w, res);
}
