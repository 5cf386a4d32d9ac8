// Metadata v9 (key 3), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: topics compact_nullable [name compact_string, tags], allow_auto_topic_creation bool,
//   include_cluster_authorized_operations bool, include_topic_authorized_operations bool, tags
// Response: throttle_time_ms int32, brokers [node_id int32, host compact_string, port int32,
//   rack compact_nullable_string, tags], cluster_id compact_nullable_string, controller_id int32,
//   topics [error_code int16, name compact_string, is_internal bool, partitions [error_code int16,
//   partition_index int32, leader_id int32, leader_epoch int32, replica_nodes [int32],
//   isr_nodes [int32], offline_replicas [int32], tags], topic_authorized_operations int32, tags],
//   cluster_authorized_operations int32, tags

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataPartition, MetadataRequest, MetadataResponse, MetadataTopic } from './index.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v7 from './v7.ts';
import * as v8 from './v8.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): MetadataRequest {
  const req = v8.readRequest(r, () =>
    r.nullableArray(() => {
      const name = r.string();
      r.tags();
      return name;
    }, 2),
  );
  r.tags();
  return req;
}

export function writeBroker(w: KafkaWriter, b: MetadataResponse['advertised']): void {
  v1.writeBroker(w, b);
  w.tags();
}

export function writePartition(w: KafkaWriter, node: number, p: MetadataPartition): void {
  v7.writePartition(w, node, p);
  w.tags();
}

/** throttle_time_ms, v2's body with tagged brokers and `writeTopic`'s topics, then v9's tail. */
export function writeResponse(w: KafkaWriter, res: MetadataResponse, writeTopic: (t: MetadataTopic) => void): void {
  w.int32(0); // throttle_time_ms
  v2.writeBody(w, res, (b) => writeBroker(w, b), writeTopic);
  w.int32(v8.AUTHORIZED_OPERATIONS_OMITTED); // cluster_authorized_operations
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  writeResponse(w, res, (t) => {
    v8.writeTopic(w, t, (p) => writePartition(w, node, p));
    w.tags();
  });
}
