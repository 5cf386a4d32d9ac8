// LeaveGroup v1 (key 13).
// Request: as v0.
// Response: throttle_time_ms int32, error_code int16

import type { LeaveGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v0 from './v0.ts';

export { decodeRequest, flexible } from './v0.ts';

export function encodeResponse(w: KafkaWriter, res: LeaveGroupResult): void {
  w.int32(0);
  v0.encodeResponse(w, res);
}
