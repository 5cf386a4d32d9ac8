// Metadata v7 (key 3): partition leader epochs (KIP-320).
// Request: as v4.
// Response: throttle_time_ms int32, brokers [node_id int32, host string, port int32,
//   rack nullable_string], cluster_id nullable_string, controller_id int32, topics [error_code int16,
//   name string, is_internal bool, partitions [error_code int16, partition_index int32,
//   leader_id int32, leader_epoch int32, replica_nodes [int32], isr_nodes [int32],
//   offline_replicas [int32]]]
// leader_epoch is 0: leadership never moves.

import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataPartition, MetadataResponse } from './index.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v3 from './v3.ts';

export { decodeRequest, flexible } from './v6.ts';

export function writePartition(w: KafkaWriter, node: number, p: MetadataPartition): void {
  v0.writePartitionHead(w, node, p);
  w.int32(0); // leader_epoch
  v0.writeReplicas(w, node);
  w.array([], () => {}); // offline_replicas
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  v3.writeResponse(w, res, (t) => v1.writeTopic(w, t, (p) => writePartition(w, node, p)));
}
