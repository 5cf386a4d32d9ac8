// Metadata v2 (key 3).
// Request: as v1.
// Response: brokers [node_id int32, host string, port int32, rack nullable_string],
//   cluster_id nullable_string, controller_id int32, topics [error_code int16, name string,
//   is_internal bool, partitions [error_code int16, partition_index int32, leader_id int32,
//   replica_nodes [int32], isr_nodes [int32]]]
// cluster_id is "eddy".

import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataResponse, MetadataTopic } from './index.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';

export { decodeRequest, flexible } from './v1.ts';

/** brokers [writeBroker], cluster_id, controller_id, topics [writeTopic]: the body of v2 and later. */
export function writeBody(
  w: KafkaWriter,
  res: MetadataResponse,
  writeBroker: (b: MetadataResponse['advertised']) => void,
  writeTopic: (t: MetadataTopic) => void,
): void {
  w.array([res.advertised], writeBroker);
  w.nullableString('eddy'); // cluster_id
  w.int32(res.advertised.nodeId); // controller_id
  w.array(res.topics, writeTopic);
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  writeBody(w, res, (b) => v1.writeBroker(w, b), (t) => v1.writeTopic(w, t, (p) => v0.writePartition(w, node, p)));
}
