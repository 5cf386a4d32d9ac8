// CreateTopics v0 (key 19).
// Request: topics [name string, num_partitions int32, replication_factor int16,
//   assignments [partition_index int32, broker_ids [int32]], configs [name string, value nullable_string]],
//   timeout_ms int32
// Response: topics [name string, error_code int16]
// num_partitions / replication_factor -1 (the broker's default) are accepted here too, though Kafka
// allows them only from v4.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { untagged, type StructEnd } from '../common.ts';
import type { CreatableTopic, CreateTopicsRequest, CreateTopicsResponse } from './index.ts';

export const flexible = false;

/** The topics array of every version; `end` closes each structure (the tags of flexible versions). */
export function readTopics(r: KafkaReader, end: StructEnd): CreatableTopic[] {
  return r.array(() => {
    const name = r.string();
    const numPartitions = r.int32();
    const replicationFactor = r.int16();
    const assignments = r.array(() => {
      r.int32();
      r.array(() => r.int32(), 4);
      end();
    }, 5).length;
    const configs = r.array(() => {
      const c = { name: r.string(), value: r.nullableString() };
      end();
      return c;
    }, 2);
    end();
    return { name, numPartitions, replicationFactor, assignments, configs };
  }, 9);
}

export function decodeRequest(r: KafkaReader): CreateTopicsRequest {
  const topics = readTopics(r, untagged);
  r.int32(); // timeout_ms: creation is synchronous
  return { topics, validateOnly: false };
}

export function encodeResponse(w: KafkaWriter, res: CreateTopicsResponse): void {
  w.array(res, (t) => {
    w.string(t.name).int16(t.error.code);
  });
}
