// SyncGroup v1 (key 14).
// Request: as v0.
// Response: throttle_time_ms int32, error_code int16, assignment bytes

import type { SyncGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';

export { decodeRequest, flexible } from './v0.ts';

export function encodeResponse(w: KafkaWriter, res: SyncGroupResult): void {
  w.int32(0);
  v0.encodeResponse(w, res);
}
