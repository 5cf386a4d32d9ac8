// Produce (key 0), v3–v9: the handler, shared by every version; each version's wire layout is in
// ./v<N>.ts. acks 0 gets no response; acks 1 and -1 are answered once every partition's append is
// durable (the broker acknowledges after fdatasync under fsync=always). Partitions append
// concurrently, so one request's batches share the log's group commit. timeout_ms bounds replication
// in Kafka: there is none here, so it is read and not used. A non-null transactional_id is answered,
// on every partition, with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53): what Kafka answers a producer
// that may not use transactions; Eddy has no transaction coordinator. Duplicate topic entries are
// each answered.

import { defineApi } from '../../api.ts';
import { kafkaErrorCode } from '../../errors.ts';
import { DataError } from '../data-errors.ts';
import { checkProducedBatch } from './validate.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';
import * as v8 from './v8.ts';
import * as v9 from './v9.ts';

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: { index: number; records: Uint8Array | null }[] }[];
}

export interface ProducePartitionResult {
  index: number;
  error: number;
  baseOffset: number;
  logStartOffset: number;
  errorMessage: string | null;
}

export interface ProduceResponse {
  topics: { name: string; partitions: ProducePartitionResult[] }[];
}

function failed(index: number, error: number, errorMessage: string | null): ProducePartitionResult {
  return { index, error, baseOffset: -1, logStartOffset: -1, errorMessage };
}

export const produce = defineApi<ProduceRequest, ProduceResponse>({
  key: 0,
  name: 'Produce',
  versions: { 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8, 9: v9 },
  noResponse: (req) => req.acks === 0,
  // acks=0 has no response to carry an error: like Kafka, close the connection so the client sees it.
  closeWithoutResponse: (res) => res.topics.some((t) => t.partitions.some((p) => p.error !== DataError.NONE)),
  async handle(req, { broker }) {
    const refuseAll = (error: number, message: string): ProduceResponse => ({
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(p.index, error, message)) })),
    });
    if (req.transactionalId !== null) return refuseAll(DataError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported by this broker');
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) return refuseAll(DataError.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${req.acks}`);
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p): Promise<ProducePartitionResult> => {
            const refusal = checkProducedBatch(p.records);
            if (refusal) return failed(p.index, refusal.error, refusal.message);
            try {
              const r = await broker.produce(t.name, p.index, p.records!);
              return { index: p.index, error: DataError.NONE, baseOffset: r.baseOffset, logStartOffset: broker.partitionLog(t.name, p.index).logStartOffset, errorMessage: null };
            } catch (e) {
              return failed(p.index, kafkaErrorCode(e), e instanceof Error ? e.message : String(e));
            }
          }),
        ),
      })),
    );
    return { topics };
  },
});
