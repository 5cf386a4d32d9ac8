// OffsetFetch v6 (key 9), the first flexible version (compact strings and arrays, tagged fields).
// Request: group_id, topics nullable [name, partition_indexes [int32], tags], tags
// Response: throttle_time_ms, topics [name, partitions [partition_index, committed_offset,
//   committed_leader_epoch, metadata, error_code, tags], tags], error_code, tags
// librdkafka 2.0.2 writes a null topic list in v6/v7 as a classic int32 0 (four zero bytes, never made
// compact, rd_kafka_OffsetFetchRequest): that exact shape is read as null, as Kafka's lenient parser does.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import * as v1 from './v1.ts';
import * as v5 from './v5.ts';
import type { FetchTopic, GroupOffsets, OffsetFetchRequest } from './index.ts';

export const flexible = true;

/** topics nullable [name, partition_indexes, tags] in the flexible form. */
export function readTopics(r: KafkaReader): FetchTopic[] | null {
  return r.nullableArray(() => {
    const topic = v1.readTopic(r);
    r.tags();
    return topic;
  }, 3);
}

/**
 * The topic list, or null for librdkafka 2.0.2's null shape: four zero bytes followed by exactly
 * `bytesAfter` bytes (what the version has after the list: require_stable and the tags).
 */
export function readTopicsOrLibrdkafkaNull(r: KafkaReader, bytesAfter: number): FetchTopic[] | null {
  const { buf, pos } = r.r;
  if (r.remaining === 4 + bytesAfter && buf[pos] === 0 && buf[pos + 1] === 0 && buf[pos + 2] === 0 && buf[pos + 3] === 0) {
    r.r.skip(4);
    return null;
  }
  return readTopics(r);
}

export function decodeRequest(r: KafkaReader): OffsetFetchRequest {
  const groupId = r.string();
  const topics = readTopicsOrLibrdkafkaNull(r, 1);
  r.tags();
  return { groups: [{ groupId, topics }], groupErrorOnPartitions: false };
}

/** topics [name, partitions [v5 partition, tags], tags] in the flexible form. */
export function writeTopics(w: KafkaWriter, g: GroupOffsets): void {
  w.array(g.topics, (t) => {
    w.string(t.name);
    w.array(t.partitions, (p) => {
      v5.writePartition(w, p);
      w.tags();
    });
    w.tags();
  });
}

export function encodeResponse(w: KafkaWriter, res: GroupOffsets[]): void {
  const g = res[0]!;
  w.int32(0);
  writeTopics(w, g);
  w.int16(g.error);
  w.tags();
}
