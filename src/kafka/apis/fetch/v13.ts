// Fetch v13 (key 1): topics named by id (KIP-516).
// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32,
//   isolation_level int8, session_id int32, session_epoch int32, topics [topic_id uuid, partitions
//   [partition int32, current_leader_epoch int32, fetch_offset int64, last_fetched_epoch int32,
//   log_start_offset int64, partition_max_bytes int32, tags], tags],
//   forgotten_topics_data [topic_id uuid, partitions [int32], tags], rack_id compact_string, tags
// Response: throttle_time_ms int32, error_code int16, session_id int32, responses [topic_id uuid,
//   partitions [partition_index int32, error_code int16, high_watermark int64,
//   last_stable_offset int64, log_start_offset int64, aborted_transactions compact_nullable
//   [producer_id int64, first_offset int64, tags], preferred_read_replica int32,
//   records compact_nullable_bytes, tags], tags], tags
// The handler resolves each id (../metadata/topic-id.ts) and answers an unknown one with
// UNKNOWN_TOPIC_ID; the response names each topic by the id it was asked by.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { FetchRequest, FetchResponse } from './index.ts';
import * as v12 from './v12.ts';
import { ZERO_UUID } from '../../protocol/layout.ts';

export { flexible } from './v12.ts';


export function decodeRequest(r: KafkaReader): FetchRequest {
  return v12.readRequest(r, () => ({ name: '', id: r.uuid() }));
}

export function encodeResponse(w: KafkaWriter, res: FetchResponse): void {
  v12.writeResponse(w, res, (t) => w.uuid(t.id ?? ZERO_UUID));
}
