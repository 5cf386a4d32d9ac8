// ListGroups v3 (key 16), the first flexible version (compact strings and arrays, tagged fields).
// Request: tags
// Response: throttle_time_ms, error_code, groups [group_id, protocol_type, tags], tags
// librdkafka 2.0.2 ends its flexible ListGroups with two empty tag buffers (it writes one and its
// request finalizer another): one extra zero byte at the very end is accepted, as Kafka ignores it.

import type { ListGroupsResult } from '../../../../broker/groups/api.ts';
import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { kafkaCode } from '../common.ts';
import * as v0 from './v0.ts';

export const flexible = true;

/** The request's tags, then librdkafka 2.0.2's second empty tag buffer if it is there. */
export function readTags(r: KafkaReader): void {
  r.tags();
  if (r.remaining === 1 && r.r.buf[r.r.pos] === 0) r.r.skip(1);
}

export function decodeRequest(r: KafkaReader): string[] {
  readTags(r);
  return [];
}

/** throttle_time_ms, error_code, groups [writeGroup, tags], tags. */
export function writeResponse(w: KafkaWriter, res: ListGroupsResult, writeGroup: (g: ListGroupsResult['groups'][number]) => void): void {
  w.int32(0).int16(kafkaCode(res.error));
  w.array(res.groups, (g) => {
    writeGroup(g);
    w.tags();
  });
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: ListGroupsResult): void {
  writeResponse(w, res, (g) => v0.writeGroup(w, g));
}
