// ListGroups v4 (key 16).
// Request: states_filter [string], tags
// Response: throttle_time_ms, error_code, groups [group_id, protocol_type, group_state string, tags], tags
// states_filter (KIP-518): an empty list asks for every group.

import type { ListGroupsResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readStrings } from '../common.ts';
import * as v0 from './v0.ts';
import * as v3 from './v3.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): string[] {
  const states = readStrings(r);
  v3.readTags(r);
  return states;
}

export function encodeResponse(w: KafkaWriter, res: ListGroupsResult): void {
  v3.writeResponse(w, res, (g) => {
    v0.writeGroup(w, g);
    w.string(g.state);
  });
}
