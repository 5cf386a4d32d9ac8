// JoinGroup v2 (key 11).
// Request: as v1.
// Response: throttle_time_ms int32, error_code int16, generation_id int32, protocol_name string,
//   leader string, member_id string, members [member_id string, metadata bytes]

import type { JoinGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v1 from './v1.ts';

export { decodeRequest, flexible } from './v1.ts';

export function encodeResponse(w: KafkaWriter, res: JoinGroupResult): void {
  w.int32(0);
  v1.encodeResponse(w, res);
}
