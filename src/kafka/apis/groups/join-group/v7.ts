// JoinGroup v7 (key 11).
// Request: as v6.
// Response: throttle_time_ms, error_code, generation_id, protocol_type nullable_string,
//   protocol_name nullable_string, leader, member_id, members [member_id, group_instance_id, metadata, tags], tags
// protocol_type and a null protocol_name on error (KIP-559).

import type { JoinGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode } from '../common.ts';
import * as v0 from './v0.ts';
import * as v6 from './v6.ts';

export { decodeRequest, flexible } from './v6.ts';

export function encodeResponse(w: KafkaWriter, res: JoinGroupResult): void {
  w.int32(0).int16(kafkaCode(res.error)).int32(res.generationId).nullableString(res.protocolType).nullableString(res.protocolName);
  v0.writeLeaderAndMembers(w, res, (m) => v6.writeMember(w, m));
  w.tags();
}
