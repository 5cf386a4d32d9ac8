// ListGroups v0 (key 16).
// Request: (no fields)
// Response: error_code int16, groups [group_id string, protocol_type string]

import type { ListGroupsResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode } from '../common.ts';

export const flexible = false;

export function decodeRequest(_r: KafkaReader): string[] {
  return [];
}

/** group_id, protocol_type. */
export function writeGroup(w: KafkaWriter, g: ListGroupsResult['groups'][number]): void {
  w.string(g.groupId).string(g.protocolType);
}

export function encodeResponse(w: KafkaWriter, res: ListGroupsResult): void {
  w.int16(kafkaCode(res.error));
  w.array(res.groups, (g) => writeGroup(w, g));
}
