// LeaveGroup v5 (key 13).
// Request: group_id, members [member_id, group_instance_id, reason nullable_string, tags], tags
// Response: as v4.
// reason (KIP-800) is informational only: read and dropped.

import type { KafkaReader } from '../../../protocol/reader.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import type { LeaveGroupRequest } from './index.ts';

export { encodeResponse, flexible } from './v4.ts';

export function decodeRequest(r: KafkaReader): LeaveGroupRequest {
  return v4.readRequest(r, () => {
    const member = v3.readMember(r);
    r.nullableString(); // reason
    return member;
  });
}
