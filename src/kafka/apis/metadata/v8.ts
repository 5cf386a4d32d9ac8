// Metadata v8 (key 3): authorized operations (KIP-430).
// Request: topics nullable [name string], allow_auto_topic_creation bool,
//   include_cluster_authorized_operations bool, include_topic_authorized_operations bool
// Response: throttle_time_ms int32, brokers [node_id int32, host string, port int32,
//   rack nullable_string], cluster_id nullable_string, controller_id int32, topics [error_code int16,
//   name string, is_internal bool, partitions [error_code int16, partition_index int32,
//   leader_id int32, leader_epoch int32, replica_nodes [int32], isr_nodes [int32],
//   offline_replicas [int32]], topic_authorized_operations int32], cluster_authorized_operations int32
// The include flags are read and not used: both operation sets are always INT32_MIN, Kafka's
// "not provided".

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataPartition, MetadataRequest, MetadataResponse, MetadataTopic } from './index.ts';
import * as v1 from './v1.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v7 from './v7.ts';

export { flexible } from './v7.ts';

/** What topic_authorized_operations and cluster_authorized_operations say when not provided. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** v4's request, then the two include_*_authorized_operations flags. */
export function readRequest(r: KafkaReader, readTopics: () => string[] | null): MetadataRequest {
  const req = v4.readRequest(r, readTopics);
  r.bool(); // include_cluster_authorized_operations
  r.bool(); // include_topic_authorized_operations
  return req;
}

export function decodeRequest(r: KafkaReader): MetadataRequest {
  return readRequest(r, () => v1.readTopics(r));
}

export function writeTopic(w: KafkaWriter, t: MetadataTopic, writePartition: (p: MetadataPartition) => void): void {
  v1.writeTopic(w, t, writePartition);
  w.int32(AUTHORIZED_OPERATIONS_OMITTED); // topic_authorized_operations
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  v3.writeResponse(w, res, (t) => writeTopic(w, t, (p) => v7.writePartition(w, node, p)));
  w.int32(AUTHORIZED_OPERATIONS_OMITTED); // cluster_authorized_operations
}
