// Metadata v0 (key 3).
// Request: topics [name string]
// Response: brokers [node_id int32, host string, port int32], topics [error_code int16, name string,
//   partitions [error_code int16, partition_index int32, leader_id int32, replica_nodes [int32],
//   isr_nodes [int32]]]
// An empty topic list asks for every topic. The one broker is the advertised listener; it leads
// every partition and is its only replica and only in-sync replica.

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { MetadataPartition, MetadataRequest, MetadataResponse } from './index.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): MetadataRequest {
  const topics = r.array(() => r.string(), 2);
  return { topics: topics.length === 0 ? null : topics, allowAutoTopicCreation: true };
}

export function writeBroker(w: KafkaWriter, b: MetadataResponse['advertised']): void {
  w.int32(b.nodeId).string(b.host).int32(b.port);
}

/** error_code, partition_index, leader_id: how a partition starts in every version. */
export function writePartitionHead(w: KafkaWriter, node: number, p: MetadataPartition): void {
  w.int16(p.error).int32(p.index).int32(node);
}

/** replica_nodes, isr_nodes: this broker alone in both. */
export function writeReplicas(w: KafkaWriter, node: number): void {
  w.array([node], (n) => w.int32(n));
  w.array([node], (n) => w.int32(n));
}

export function writePartition(w: KafkaWriter, node: number, p: MetadataPartition): void {
  writePartitionHead(w, node, p);
  writeReplicas(w, node);
}

export function encodeResponse(w: KafkaWriter, res: MetadataResponse): void {
  const node = res.advertised.nodeId;
  w.array([res.advertised], (b) => writeBroker(w, b));
  w.array(res.topics, (t) => {
    w.int16(t.error).string(t.name);
    w.array(t.partitions, (p) => writePartition(w, node, p));
  });
}
