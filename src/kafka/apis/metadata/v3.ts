// Metadata v3 (key 3).
// Request: as v1.
// Response: throttle_time_ms int32, brokers [node_id int32, host string, port int32,
//   rack nullable_string], cluster_id nullable_string, controller_id int32, topics [error_code int16,
//   name string, is_internal bool, partitions [error_code int16, partition_index int32,
//   leader_id int32, replica_nodes [int32], isr_nodes [int32]]]

import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataResponse, MetadataTopic } from './index.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';

export { decodeRequest, flexible } from './v2.ts';

/** throttle_time_ms, then v2's body with v1's brokers and `writeTopic`'s topics: v3 to v8. */
export function writeResponse(w: KafkaWriter, res: MetadataResponse, writeTopic: (t: MetadataTopic) => void): void {
  w.int32(0); // throttle_time_ms
  v2.writeBody(w, res, (b) => v1.writeBroker(w, b), writeTopic);
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  writeResponse(w, res, (t) => v1.writeTopic(w, t, (p) => v0.writePartition(w, node, p)));
}
