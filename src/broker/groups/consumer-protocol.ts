// Kafka's ConsumerProtocol ("consumer" protocol type): the subscription a member sends in JoinGroup
// metadata and the assignment the leader sends in SyncGroup. Decoders are bounded and never throw.
// Like Kafka, a newer version is parsed as the newest one known here and any tail is ignored (forward
// compatibility), so "consumed exactly" is deliberately not checked.
//
// Subscription (never flexible):          Assignment (never flexible; v1-3 = v0 on the wire):
//   version int16                          version int16
//   topics [string]                        assigned_partitions [topic string, partitions [int32]]
//   user_data nullable bytes               user_data nullable bytes
//   owned_partitions [topic, [int32]] v1+
//   generation_id int32 v2+ (default -1)
//   rack_id nullable string v3+

import { groupLimits } from './limits.ts';
import { ByteReader, ByteWriter } from './protocol-bytes.ts';
import { assert } from '../../errors.ts';

export const consumerProtocolType = 'consumer';
/** Newest Subscription / Assignment version known here (Kafka 3.5+, KIP-881 added rack_id). */
export const consumerProtocolVersionMax = 3;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface Subscription {
  /** The version on the wire (may exceed consumerProtocolVersionMax; parsed as the newest known). */
  version: number;
  topics: string[];
  userData: Uint8Array | null;
  ownedPartitions: TopicPartitions[];
  generationId: number;
  rackId: string | null;
}

export interface Assignment {
  version: number;
  assignedPartitions: TopicPartitions[];
  userData: Uint8Array | null;
}

const { protocolTopicsMax, protocolTopicNameBytesMax, protocolPartitionsPerTopicMax } = groupLimits;
const { protocolUserDataBytesMax, protocolRackIdBytesMax } = groupLimits;

/** Writes the fields of `s.version` (0..3); fields of later versions are left out. */
export function encodeSubscription(s: Subscription): Uint8Array {
  assert(Number.isInteger(s.version) && s.version >= 0 && s.version <= consumerProtocolVersionMax, 'subscription version');
  const w = new ByteWriter().int16(s.version);
  w.int32(s.topics.length);
  for (const t of s.topics) w.string(t);
  w.nullableBytes(s.userData);
  if (s.version >= 1) writeTopicPartitions(w, s.ownedPartitions);
  if (s.version >= 2) w.int32(s.generationId);
  if (s.version >= 3) w.nullableString(s.rackId);
  return w.finish();
}

export function decodeSubscription(bytes: Uint8Array): DecodeResult<Subscription> {
  const r = new ByteReader(bytes);
  const version = r.int16('subscription version');
  if (r.error === null && version < 0) r.fail(`unsupported subscription version ${version}`);
  const as = Math.min(version, consumerProtocolVersionMax);
  const topicCount = r.arrayCount('topics', 2, protocolTopicsMax);
  const topics: string[] = [];
  for (let i = 0; i < topicCount && r.error === null; i++) topics.push(r.string('topic', protocolTopicNameBytesMax));
  const userData = r.nullableBytes('user_data', protocolUserDataBytesMax);
  const ownedPartitions = as >= 1 ? readTopicPartitions(r, 'owned_partitions') : [];
  const generationId = as >= 2 ? r.int32('generation_id') : -1;
  const rackId = as >= 3 ? r.nullableString('rack_id', protocolRackIdBytesMax) : null;
  if (r.error !== null) return { ok: false, error: `subscription: ${r.error}` };
  return { ok: true, value: { version, topics, userData, ownedPartitions, generationId, rackId } };
}

export function encodeAssignment(a: Assignment): Uint8Array {
  assert(Number.isInteger(a.version) && a.version >= 0 && a.version <= consumerProtocolVersionMax, 'assignment version');
  const w = new ByteWriter().int16(a.version);
  writeTopicPartitions(w, a.assignedPartitions);
  w.nullableBytes(a.userData);
  return w.finish();
}

export function decodeAssignment(bytes: Uint8Array): DecodeResult<Assignment> {
  const r = new ByteReader(bytes);
  const version = r.int16('assignment version');
  if (r.error === null && version < 0) r.fail(`unsupported assignment version ${version}`);
  const assignedPartitions = readTopicPartitions(r, 'assigned_partitions');
  const userData = r.nullableBytes('user_data', protocolUserDataBytesMax);
  if (r.error !== null) return { ok: false, error: `assignment: ${r.error}` };
  return { ok: true, value: { version, assignedPartitions, userData } };
}

function writeTopicPartitions(w: ByteWriter, list: readonly TopicPartitions[]): void {
  w.int32(list.length);
  for (const tp of list) {
    w.string(tp.topic).int32(tp.partitions.length);
    for (const p of tp.partitions) w.int32(p);
  }
}

function readTopicPartitions(r: ByteReader, what: string): TopicPartitions[] {
  // Each element is at least a 2-byte topic length and a 4-byte partition count.
  const count = r.arrayCount(what, 6, protocolTopicsMax);
  const out: TopicPartitions[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const topic = r.string(`${what} topic`, protocolTopicNameBytesMax);
    const n = r.arrayCount(`${what} partitions`, 4, protocolPartitionsPerTopicMax);
    const partitions: number[] = [];
    for (let j = 0; j < n && r.error === null; j++) partitions.push(r.int32('partition'));
    out.push({ topic, partitions });
  }
  return out;
}
