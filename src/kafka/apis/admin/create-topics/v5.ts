// CreateTopics v5 (key 19), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: topics [name, num_partitions, replication_factor, assignments [partition_index,
//   broker_ids [int32], tags], configs [name, value, tags], tags], timeout_ms, validate_only, tags
// Response: throttle_time_ms, topics [name, error_code, error_message, num_partitions int32,
//   replication_factor int16, configs nullable [name, value nullable, read_only bool,
//   config_source int8, is_sensitive bool, tags], tags], tags
// The configs (KIP-525) are the created topic's whole config, never null (empty on error, with
// num_partitions and replication_factor -1).

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { CreateTopicResult, CreateTopicsRequest, CreateTopicsResponse } from './index.ts';
import { readTopics } from './v0.ts';
import { writeError } from './v1.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): CreateTopicsRequest {
  const topics = readTopics(r, () => r.tags());
  r.int32(); // timeout_ms: creation is synchronous
  const validateOnly = r.bool();
  r.tags();
  return { topics, validateOnly };
}

/** The response of v5 with `writeHead` writing what precedes error_code in each topic (v7 adds the id). */
export function writeResponse(w: KafkaWriter, res: CreateTopicsResponse, writeHead: (t: CreateTopicResult) => void): void {
  w.int32(0);
  w.array(res, (t) => {
    writeHead(t);
    writeError(w, t.error);
    w.int32(t.numPartitions).int16(t.replicationFactor);
    w.array(t.configs, (c) => {
      w.string(c.name).nullableString(c.value).bool(c.readOnly).int8(c.source).bool(c.sensitive);
      w.tags();
    });
    w.tags();
  });
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: CreateTopicsResponse): void {
  writeResponse(w, res, (t) => w.string(t.name));
}
