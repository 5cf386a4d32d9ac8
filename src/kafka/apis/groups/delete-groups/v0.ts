// DeleteGroups v0 (key 42).
// Request: groups_names [string]
// Response: throttle_time_ms int32, results [group_id string, error_code int16]

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readStrings } from '../common.ts';
import type { DeleteGroupsResponse } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): string[] {
  return readStrings(r);
}

/** group_id, error_code. */
export function writeResult(w: KafkaWriter, g: DeleteGroupsResponse[number]): void {
  w.string(g.groupId).int16(g.error);
}

export function encodeResponse(w: KafkaWriter, res: DeleteGroupsResponse): void {
  w.int32(0);
  w.array(res, (g) => writeResult(w, g));
}
