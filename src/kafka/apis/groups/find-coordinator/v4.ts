// FindCoordinator v4 (key 10).
// Request: key_type int8, coordinator_keys [string], tags
// Response: throttle_time_ms int32, coordinators [key string, node_id int32, host string, port int32,
//   error_code int16, error_message nullable_string, tags], tags
// Several keys in one request (KIP-699), each answered in the request's order.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readStrings } from '../common.ts';
import * as v0 from './v0.ts';
import type { Coordinator, FindCoordinatorRequest } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): FindCoordinatorRequest {
  const keyType = r.int8();
  const keys = readStrings(r);
  r.tags();
  return { keyType, keys };
}

export function encodeResponse(w: KafkaWriter, res: Coordinator[]): void {
  w.int32(0);
  w.array(res, (c) => {
    w.string(c.key);
    v0.writeNode(w, c);
    w.int16(c.error).nullableString(c.message);
    w.tags();
  });
  w.tags();
}
