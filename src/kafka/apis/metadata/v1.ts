// Metadata v1 (key 3).
// Request: topics nullable [name string]
// Response: brokers [node_id int32, host string, port int32, rack nullable_string],
//   controller_id int32, topics [error_code int16, name string, is_internal bool, partitions
//   [error_code int16, partition_index int32, leader_id int32, replica_nodes [int32], isr_nodes [int32]]]
// A null topic list asks for every topic, an empty one for none. rack is null; the controller is the
// one broker; is_internal marks the names starting with "__".

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataPartition, MetadataRequest, MetadataResponse, MetadataTopic } from './index.ts';
import * as v0 from './v0.ts';

export { flexible } from './v0.ts';

export function readTopics(r: KafkaReader): string[] | null {
  return r.nullableArray(() => r.string(), 2);
}

export function decodeRequest(r: KafkaReader): MetadataRequest {
  return { topics: readTopics(r), allowAutoTopicCreation: true };
}

export function writeBroker(w: KafkaWriter, b: MetadataResponse['advertised']): void {
  v0.writeBroker(w, b);
  w.nullableString(null); // rack
}

export function isInternal(t: MetadataTopic): boolean {
  return t.name.startsWith('__');
}

/** error_code, name, is_internal, partitions [writePartition]: a topic until topic ids (v10). */
export function writeTopic(w: KafkaWriter, t: MetadataTopic, writePartition: (p: MetadataPartition) => void): void {
  w.int16(t.error).string(t.name).bool(isInternal(t));
  w.array(t.partitions, writePartition);
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  w.array([res.advertised], (b) => writeBroker(w, b));
  w.int32(node); // controller_id
  w.array(res.topics, (t) => writeTopic(w, t, (p) => v0.writePartition(w, node, p)));
}
