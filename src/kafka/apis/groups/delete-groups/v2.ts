// DeleteGroups v2 (key 42), the first flexible version (compact strings and arrays, tagged fields).
// Request: groups_names [string], tags
// Response: throttle_time_ms, results [group_id, error_code, tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v1 from './v1.ts';
import * as v0 from './v0.ts';
import type { DeleteGroupsResponse } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): string[] {
  const groups = v1.decodeRequest(r);
  r.tags();
  return groups;
}

export function encodeResponse(w: KafkaWriter, res: DeleteGroupsResponse): void {
  w.int32(0);
  w.array(res, (g) => {
    v0.writeResult(w, g);
    w.tags();
  });
  w.tags();
}
