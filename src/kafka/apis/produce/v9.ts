// Produce v9 (key 0), the first flexible version (KIP-482: compact strings, arrays and bytes; a
// tagged-field section ending every structure).
// Request: transactional_id compact_nullable_string, acks int16, timeout_ms int32,
//   topic_data [name compact_string, partition_data [index int32, records compact_nullable_bytes, tags], tags], tags
// Response: responses [name, partition_responses [index, error_code, base_offset, log_append_time_ms,
//   log_start_offset, record_errors [batch_index, batch_index_error_message, tags], error_message,
//   tags], tags], throttle_time_ms int32, tags

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ProduceRequest, ProduceResponse } from './index.ts';
import { readRequest } from './v3.ts';
import { writePartition } from './v8.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): ProduceRequest {
  return readRequest(r, () => r.tags());
}

export function encodeResponse(w: KafkaWriter, res: ProduceResponse): void {
  w.array(res.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => {
      writePartition(w, p); // record_errors is always empty: no per-element tags to write
      w.tags();
    });
    w.tags();
  });
  w.int32(0);
  w.tags();
}
