// FindCoordinator v0 (key 10).
// Request: key string
// Response: error_code int16, node_id int32, host string, port int32
// v0 has no key_type: the key is a group id.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { Coordinator, FindCoordinatorRequest } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): FindCoordinatorRequest {
  return { keyType: 0, keys: [r.string()] }; // KeyType.Group
}

/** node_id, host, port. */
export function writeNode(w: KafkaWriter, c: Coordinator): void {
  w.int32(c.nodeId).string(c.host).int32(c.port);
}

export function encodeResponse(w: KafkaWriter, res: Coordinator[]): void {
  w.int16(res[0]!.error);
  writeNode(w, res[0]!);
}
