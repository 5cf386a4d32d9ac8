// Produce v3 (key 0).
// Request: transactional_id nullable_string, acks int16, timeout_ms int32,
//   topic_data [name string, partition_data [index int32, records nullable_bytes]]
// Response: responses [name string, partition_responses [index int32, error_code int16,
//   base_offset int64, log_append_time_ms int64]], throttle_time_ms int32
// records holds one record batch v2 (checked by ./validate.ts before the broker sees it);
// log_append_time_ms is -1 (CreateTime topics).

import { untagged, type StructEnd } from '../../protocol/layout.ts';
import { kafkaLimits } from '../../protocol/limits.ts';
import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ProducePartitionResult, ProduceRequest, ProduceResponse } from './index.ts';

export const flexible = false;

/** The request of every version; `end` closes each structure (tags from v9). */
export function readRequest(r: KafkaReader, end: StructEnd): ProduceRequest {
  const transactionalId = r.nullableString();
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const partition = { index: r.int32(), records: r.nullableBytes(kafkaLimits.frameBytesMax) };
      end();
      return partition;
    }, 5);
    end();
    return { name, partitions };
  }, 5);
  end();
  return { transactionalId, acks, timeoutMs, topics };
}

export function decodeRequest(r: KafkaReader): ProduceRequest {
  return readRequest(r, untagged);
}

/** The fields every version's partition response starts with. */
export function writePartitionHead(w: KafkaWriter, p: ProducePartitionResult): void {
  w.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1);
}

/** responses [name, partition_responses [writePartition]], throttle_time_ms: the frame of every version. */
export function writeResponses(w: KafkaWriter, res: ProduceResponse, writePartition: (p: ProducePartitionResult) => void): void {
  w.array(res.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, writePartition);
  });
  w.int32(0);
}

export function encodeResponse(w: KafkaWriter, res: ProduceResponse): void {
  writeResponses(w, res, (p) => writePartitionHead(w, p));
}
