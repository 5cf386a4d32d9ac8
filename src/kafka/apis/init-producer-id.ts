// InitProducerId (key 22), v0–v4; flexible from v2. Request: transactional_id nullable string,
// transaction_timeout_ms int32, producer_id int64 (v3+, default -1), producer_epoch int16 (v3+,
// default -1). Response: throttle_time_ms int32, error_code int16, producer_id int64,
// producer_epoch int16.
// Idempotent producers only: with a null transactional_id Kafka's coordinator "blindly" hands out a
// new producer id with epoch 0, also when an existing id and epoch are given (the KIP-360 bump of a
// non-transactional producer is a fresh id), and so does Eddy. A transactional_id is answered with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED: Eddy has no transaction coordinator.

import { defineLegacyApi } from '../api.ts';
import { kafkaErrorCode } from '../errors.ts';
import { DataError } from './data-errors.ts';

interface Req {
  transactionalId: string | null;
}

interface Res {
  error: number;
  producerId: number;
  producerEpoch: number;
}

export const initProducerId = defineLegacyApi<Req, Res>({
  key: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 2,
  decode(r, version) {
    const transactionalId = r.nullableString();
    r.int32(); // transaction_timeout_ms
    if (version >= 3) {
      r.int64(); // producer_id: a non-transactional producer gets a new id anyway
      r.int16(); // producer_epoch
    }
    r.tags();
    return { transactionalId };
  },
  async handle(req, { broker }) {
    if (req.transactionalId !== null) return { error: DataError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    try {
      return { error: DataError.NONE, producerId: await broker.producerIds.allocate(), producerEpoch: 0 };
    } catch (e) {
      return { error: kafkaErrorCode(e), producerId: -1, producerEpoch: -1 };
    }
  },
  encode(w, res) {
    w.int32(0).int16(res.error).int64(res.producerId).int16(res.producerEpoch);
    w.tags();
  },
});
