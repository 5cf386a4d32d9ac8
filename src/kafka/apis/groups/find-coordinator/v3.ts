// FindCoordinator v3 (key 10), the first flexible version (compact strings, tagged fields).
// Request: key, key_type, tags
// Response: throttle_time_ms, error_code, error_message, node_id, host, port, tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v2 from './v2.ts';
import type { Coordinator, FindCoordinatorRequest } from './index.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): FindCoordinatorRequest {
  const req = v2.decodeRequest(r);
  r.tags();
  return req;
}

export function encodeResponse(w: KafkaWriter, res: Coordinator[]): void {
  v2.encodeResponse(w, res);
  w.tags();
}
