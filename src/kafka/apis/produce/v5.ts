// Produce v5 (key 0). Request: as v3.
// Response: responses [name string, partition_responses [index int32, error_code int16,
//   base_offset int64, log_append_time_ms int64, log_start_offset int64]], throttle_time_ms int32

import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ProducePartitionResult, ProduceResponse } from './index.ts';
import { writePartitionHead, writeResponses } from './v3.ts';

export { decodeRequest, flexible } from './v3.ts';

export function writePartition(w: KafkaWriter, p: ProducePartitionResult): void {
  writePartitionHead(w, p);
  w.int64(p.logStartOffset);
}

export function encodeResponse(w: KafkaWriter, res: ProduceResponse): void {
  writeResponses(w, res, (p) => writePartition(w, p));
}
