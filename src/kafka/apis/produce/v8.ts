// Produce v8 (key 0). Request: as v3.
// Response: responses [name string, partition_responses [index int32, error_code int16,
//   base_offset int64, log_append_time_ms int64, log_start_offset int64,
//   record_errors [batch_index int32, batch_index_error_message nullable_string],
//   error_message nullable_string]], throttle_time_ms int32
// record_errors is always empty (a batch is refused whole); error_message is null on success.

import type { KafkaWriter } from '../../protocol/writer.ts';
import { DataError } from '../data-errors.ts';
import type { ProducePartitionResult, ProduceResponse } from './index.ts';
import { writeResponses } from './v3.ts';
import { writePartition as writeV5Partition } from './v5.ts';

export { decodeRequest, flexible } from './v3.ts';

export function writePartition(w: KafkaWriter, p: ProducePartitionResult): void {
  writeV5Partition(w, p);
  w.array([], () => {});
  w.nullableString(p.error === DataError.NONE ? null : truncate(p.errorMessage));
}

export function encodeResponse(w: KafkaWriter, res: ProduceResponse): void {
  writeResponses(w, res, (p) => writePartition(w, p));
}

/** Error messages are strings on the wire (int16 length): keep them well inside it. */
function truncate(s: string | null): string | null {
  return s === null || s.length <= 1024 ? s : `${s.slice(0, 1021)}...`;
}
