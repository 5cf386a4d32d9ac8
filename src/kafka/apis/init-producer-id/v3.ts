// InitProducerId v3 (key 22): the producer may name the id and epoch it has (KIP-360).
// Request: transactional_id compact_nullable_string, transaction_timeout_ms int32,
//   producer_id int64, producer_epoch int16, tags
// Response: as v2.
// The given id and epoch are read and not used: a non-transactional producer gets a new id anyway.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { InitProducerIdRequest } from './index.ts';
import * as v1 from './v1.ts';

export { encodeResponse, flexible } from './v2.ts';

export function decodeRequest(r: KafkaReader): InitProducerIdRequest {
  const req = v1.decodeRequest(r);
  r.int64(); // producer_id
  r.int16(); // producer_epoch
  r.tags();
  return req;
}
