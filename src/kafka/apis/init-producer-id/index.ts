// InitProducerId (key 22), v0–v4: the handler; each version's wire layout is in ./v<N>.ts.
// Idempotent producers only: with a null transactional_id Kafka's coordinator "blindly" hands out a
// new producer id with epoch 0, also when an existing id and epoch are given (the KIP-360 bump of a
// non-transactional producer is a fresh id), and so does Eddy. A transactional_id is answered with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED: Eddy has no transaction coordinator.

import { defineApi } from '../../api.ts';
import { kafkaErrorCode } from '../../errors.ts';
import { DataError } from '../data-errors.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';

export interface InitProducerIdRequest {
  transactionalId: string | null;
}

export interface InitProducerIdResponse {
  error: number;
  producerId: number;
  producerEpoch: number;
}

export const initProducerId = defineApi<InitProducerIdRequest, InitProducerIdResponse>({
  key: 22,
  name: 'InitProducerId',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 },
  async handle(req, { broker }) {
    if (req.transactionalId !== null) return { error: DataError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
    try {
      return { error: DataError.NONE, producerId: await broker.producerIds.allocate(), producerEpoch: 0 };
    } catch (e) {
      return { error: kafkaErrorCode(e), producerId: -1, producerEpoch: -1 };
    }
  },
});
