// Produce (key 0), v3–v9; flexible from v9. Request: transactional_id nullable string (v3+), acks
// int16, timeout_ms int32, topic_data [name string, partition_data [index int32, records nullable
// bytes (one record batch v2)]]. Response: responses [name, partition_responses [index int32,
// error_code int16, base_offset int64, log_append_time_ms int64 (v2+), log_start_offset int64 (v5+),
// record_errors [batch_index int32, batch_index_error_message nullable string] (v8+), error_message
// nullable string (v8+)]], throttle_time_ms int32.
// acks 0 gets no response; acks 1 and -1 are answered once every partition's append is durable
// (the broker acknowledges after fdatasync under fsync=always). Partitions append concurrently, so
// one request's batches share the log's group commit. timeout_ms bounds replication in Kafka: there
// is none here, so it is read and not used. A non-null transactional_id is answered, on every
// partition, with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53): what Kafka answers a producer that may
// not use transactions; Eddy has no transaction coordinator. Duplicate topic entries are each answered.

import { kafkaLimits } from '../protocol/limits.ts';
import { defineApi } from '../api.ts';
import { kafkaErrorCode } from '../errors.ts';
import { DataError } from './data-errors.ts';
import { checkProducedBatch } from './produce-validate.ts';

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
  minVersion: 3,
  maxVersion: 9,
  flexibleFrom: 9,
  decode(r) {
    const transactionalId = r.nullableString();
    const acks = r.int16();
    const timeoutMs = r.int32();
    const topics = r.array(() => {
      const name = r.string();
      const partitions = r.array(() => {
        const index = r.int32();
        const records = r.nullableBytes(kafkaLimits.frameBytesMax);
        r.tags();
        return { index, records };
      }, 5);
      r.tags();
      return { name, partitions };
    }, 5);
    r.tags();
    return { transactionalId, acks, timeoutMs, topics };
  },
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
  encode(w, res, version) {
    w.array(res.topics, (t) => {
      w.string(t.name);
      w.array(t.partitions, (p) => {
        w.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1);
        if (version >= 5) w.int64(p.logStartOffset);
        if (version >= 8) {
          w.array([], () => {});
          w.nullableString(p.error === DataError.NONE ? null : truncate(p.errorMessage));
        }
        w.tags();
      });
      w.tags();
    });
    w.int32(0);
    w.tags();
  },
});

/** Error messages are strings on the wire (int16 length): keep them well inside it. */
function truncate(s: string | null): string | null {
  return s === null || s.length <= 1024 ? s : `${s.slice(0, 1021)}...`;
}
