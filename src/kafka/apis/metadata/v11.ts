// Metadata v11 (key 3): cluster authorized operations move to DescribeCluster (KIP-700).
// Request: topics compact_nullable [topic_id uuid, name compact_nullable_string, tags],
//   allow_auto_topic_creation bool, include_topic_authorized_operations bool, tags
// Response: throttle_time_ms int32, brokers [node_id int32, host compact_string, port int32,
//   rack compact_nullable_string, tags], cluster_id compact_nullable_string, controller_id int32,
//   topics [error_code int16, name compact_string, topic_id uuid, is_internal bool, partitions
//   [error_code int16, partition_index int32, leader_id int32, leader_epoch int32,
//   replica_nodes [int32], isr_nodes [int32], offline_replicas [int32], tags],
//   topic_authorized_operations int32, tags], tags

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataRequest, MetadataResponse } from './index.ts';
import * as v2 from './v2.ts';
import * as v4 from './v4.ts';
import * as v9 from './v9.ts';
import * as v10 from './v10.ts';

export { flexible } from './v10.ts';

export function decodeRequest(r: KafkaReader): MetadataRequest {
  const req = v4.readRequest(r, () => v10.readTopics(r));
  r.bool(); // include_topic_authorized_operations
  r.tags();
  return req;
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  w.int32(0); // throttle_time_ms
  v2.writeBody(w, res, (b) => v9.writeBroker(w, b), (t) => v10.writeTopic(w, node, t));
  w.tags();
}
