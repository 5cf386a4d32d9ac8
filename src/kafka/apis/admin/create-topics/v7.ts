// CreateTopics v7 (key 19).
// Request: as v5.
// Response: as v5 with topic_id uuid after each topic's name: throttle_time_ms, topics [name,
//   topic_id, error_code, error_message, num_partitions, replication_factor, configs [...], tags], tags
// topic_id is the id Metadata v10+ reports; all zeros when validate_only or when creation failed.

import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { CreateTopicsResponse } from './index.ts';
import { writeResponse } from './v5.ts';

export { decodeRequest, flexible } from './v6.ts';

export function encodeResponse(w: KafkaWriter, res: CreateTopicsResponse): void {
  writeResponse(w, res, (t) => w.string(t.name).uuid(t.id));
}
