// Metadata v10 (key 3): topic ids (KIP-516).
// Request: topics compact_nullable [topic_id uuid, name compact_nullable_string, tags],
//   allow_auto_topic_creation bool, include_cluster_authorized_operations bool,
//   include_topic_authorized_operations bool, tags
// Response: throttle_time_ms int32, brokers [node_id int32, host compact_string, port int32,
//   rack compact_nullable_string, tags], cluster_id compact_nullable_string, controller_id int32,
//   topics [error_code int16, name compact_string, topic_id uuid, is_internal bool, partitions
//   [error_code int16, partition_index int32, leader_id int32, leader_epoch int32,
//   replica_nodes [int32], isr_nodes [int32], offline_replicas [int32], tags],
//   topic_authorized_operations int32, tags], cluster_authorized_operations int32, tags
// Topics are looked up by name: a requested topic_id is read and not used, and a topic asked for by
// id alone (null name) is left out. topic_id is ./topic-id.ts's, all zeros with an error.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataRequest, MetadataResponse, MetadataTopic } from './index.ts';
import * as v1 from './v1.ts';
import * as v8 from './v8.ts';
import * as v9 from './v9.ts';

export { flexible } from './v9.ts';

export function readTopics(r: KafkaReader): string[] | null {
  const topics = r.nullableArray(() => {
    r.uuid(); // topic_id
    const name = r.nullableString();
    r.tags();
    return name;
  }, 2);
  return topics === null ? null : topics.filter((t): t is string => t !== null);
}

export function decodeRequest(r: KafkaReader): MetadataRequest {
  const req = v8.readRequest(r, () => readTopics(r));
  r.tags();
  return req;
}

export function writeTopic(w: KafkaWriter, node: number, t: MetadataTopic): void {
  w.int16(t.error).string(t.name).uuid(t.id).bool(v1.isInternal(t));
  w.array(t.partitions, (p) => v9.writePartition(w, node, p));
  w.int32(v8.AUTHORIZED_OPERATIONS_OMITTED); // topic_authorized_operations
  w.tags();
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  v9.writeResponse(w, res, (t) => writeTopic(w, res.advertised.nodeId, t));
}
