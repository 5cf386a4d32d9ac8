// InitProducerId v2 (key 22), the first flexible version (KIP-482: compact strings, tagged fields).
// Request: transactional_id compact_nullable_string, transaction_timeout_ms int32, tags
// Response: throttle_time_ms int32, error_code int16, producer_id int64, producer_epoch int16, tags

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { InitProducerIdRequest, InitProducerIdResponse } from './index.ts';
import * as v1 from './v1.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): InitProducerIdRequest {
  const req = v1.decodeRequest(r);
  r.tags();
  return req;
}

export function encodeResponse(w: KafkaWriter, res: InitProducerIdResponse): void {
  v1.encodeResponse(w, res);
  w.tags();
}
