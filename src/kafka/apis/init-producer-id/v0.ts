// InitProducerId v0 (key 22).
// Request: transactional_id nullable_string, transaction_timeout_ms int32
// Response: throttle_time_ms int32, error_code int16, producer_id int64, producer_epoch int16

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { InitProducerIdRequest, InitProducerIdResponse } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): InitProducerIdRequest {
  const transactionalId = r.nullableString();
  r.int32(); // transaction_timeout_ms
  return { transactionalId };
}

export function encodeResponse(w: KafkaWriter, res: InitProducerIdResponse): void {
  w.int32(0).int16(res.error).int64(res.producerId).int16(res.producerEpoch);
}
