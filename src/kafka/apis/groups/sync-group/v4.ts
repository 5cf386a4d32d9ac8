// SyncGroup v4 (key 14), the first flexible version (compact strings, arrays and bytes, tagged fields).
// Request: group_id, generation_id, member_id, group_instance_id, assignments [member_id, assignment, tags], tags
// Response: throttle_time_ms, error_code, assignment, tags

import type { SyncGroupResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readMemberIdentity } from '../common.ts';
import * as v0 from './v0.ts';
import * as v3 from './v3.ts';
import type { MemberAssignment, SyncGroupRequest } from './index.ts';

export const flexible = true;

/** assignments [member_id, assignment, tags] in the flexible form. */
export function readAssignments(r: KafkaReader): MemberAssignment[] {
  return r.array(() => {
    const assignment = v0.readAssignment(r);
    r.tags();
    return assignment;
  }, 3);
}

export function decodeRequest(r: KafkaReader): SyncGroupRequest {
  const identity = readMemberIdentity(r, true);
  const assignments = readAssignments(r);
  r.tags();
  return { ...identity, protocolType: null, protocolName: null, assignments };
}

export function encodeResponse(w: KafkaWriter, res: SyncGroupResult): void {
  v3.encodeResponse(w, res);
  w.tags();
}
