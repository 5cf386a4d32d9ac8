// ListOffsets v6 (key 2), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: replica_id int32, isolation_level int8, topics [name compact_string, partitions
//   [partition_index int32, current_leader_epoch int32, timestamp int64, tags], tags], tags
// Response: throttle_time_ms int32, topics [name compact_string, partitions [partition_index int32,
//   error_code int16, timestamp int64, offset int64, leader_epoch int32, tags], tags], tags

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ListOffsetsRequest, ListOffsetsResponse } from './index.ts';
import * as v4 from './v4.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): ListOffsetsRequest {
  r.int32(); // replica_id
  r.int8(); // isolation_level: both levels answer the same here
  const topics = r.array(() => {
    const name = r.string();
    const partitions = r.array(() => {
      const partition = v4.readPartition(r);
      r.tags();
      return partition;
    }, 12);
    r.tags();
    return { name, partitions };
  }, 5);
  r.tags();
  return { topics };
}

export function encodeResponse(w: KafkaWriter, res: ListOffsetsResponse): void {
  w.int32(0); // throttle_time_ms
  w.array(res.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => {
      v4.writePartition(w, p);
      w.tags();
    });
    w.tags();
  });
  w.tags();
}
