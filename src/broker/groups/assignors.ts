// Kafka's eager `range` and `roundrobin` assignors, computed as the Java client's RangeAssignor and
// RoundRobinAssignor do (no racks), for groups whose leader is a native (HTTP/SDK) member.
// Guarantee: every partition of every subscribed topic with a known count goes to exactly one member
// subscribed to its topic. Members sort as Java's MemberInfo: group instance ids first, then member
// ids, by UTF-16 code units (String.compareTo, which JS `<` matches). Output: topics sorted by name.

import {
  decodeSubscription,
  encodeAssignment,
  consumerProtocolVersionMax,
  type TopicPartitions,
} from './consumer-protocol.ts';
import { assert } from '../../errors.ts';

export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  topics: readonly string[];
}

/** Partition count of a topic, or undefined when the topic is unknown (its partitions are skipped). */
export type PartitionCountFn = (topic: string) => number | undefined;

/** memberId -> its partitions, topics sorted, partitions ascending; every member has an entry. */
export type GroupAssignment = Map<string, TopicPartitions[]>;

export const assignorNames = { range: 'range', roundrobin: 'roundrobin' } as const;
export type AssignorName = (typeof assignorNames)[keyof typeof assignorNames];

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Java's MemberInfo.compareTo. */
function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's AbstractPartitionAssignor: topics without metadata (or 0 partitions) are skipped. */
function knownPartitionCount(topic: string, partitionCount: PartitionCountFn): number {
  const n = partitionCount(topic);
  if (n === undefined || n <= 0) return 0;
  assert(Number.isInteger(n), `partition count of ${topic} is not an integer`);
  return n;
}

class AssignmentBuilder {
  readonly #byMember = new Map<string, Map<string, number[]>>();
  constructor(members: readonly AssignorMember[]) {
    for (const m of members) this.#byMember.set(m.memberId, new Map());
  }
  add(memberId: string, topic: string, partition: number): void {
    const topics = this.#byMember.get(memberId);
    assert(topics !== undefined, `assignment to unknown member ${memberId}`);
    const list = topics.get(topic);
    if (list === undefined) topics.set(topic, [partition]);
    else list.push(partition);
  }
  finish(): GroupAssignment {
    const out: GroupAssignment = new Map();
    for (const [memberId, topics] of this.#byMember) {
      const names = [...topics.keys()].sort(compareStrings);
      out.set(memberId, names.map((topic) => ({ topic, partitions: [...(topics.get(topic) ?? [])].sort((a, b) => a - b) })));
    }
    return out;
  }
}

/** RangeAssignor: per topic, its sorted subscribers split the partitions; the first ones get one extra. */
export function rangeAssign(members: readonly AssignorMember[], partitionCount: PartitionCountFn): GroupAssignment {
  const builder = new AssignmentBuilder(members);
  const consumersPerTopic = new Map<string, AssignorMember[]>();
  for (const m of members) {
    for (const topic of new Set(m.topics)) {
      const list = consumersPerTopic.get(topic);
      if (list === undefined) consumersPerTopic.set(topic, [m]);
      else list.push(m);
    }
  }
  for (const [topic, consumers] of consumersPerTopic) {
    const numPartitions = knownPartitionCount(topic, partitionCount);
    if (numPartitions === 0) continue;
    consumers.sort(compareMembers);
    const perConsumer = Math.floor(numPartitions / consumers.length);
    const withExtra = numPartitions % consumers.length;
    consumers.forEach((consumer, i) => {
      const start = perConsumer * i + Math.min(i, withExtra);
      const length = perConsumer + (i + 1 > withExtra ? 0 : 1);
      for (let p = start; p < start + length; p++) builder.add(consumer.memberId, topic, p);
    });
  }
  return builder.finish();
}

/**
 * RoundRobinAssignor: all partitions of all subscribed topics sorted by (topic, partition) are dealt
 * to the sorted members in a circle, skipping members not subscribed to the partition's topic.
 */
export function roundRobinAssign(members: readonly AssignorMember[], partitionCount: PartitionCountFn): GroupAssignment {
  const builder = new AssignmentBuilder(members);
  const sorted = [...members].sort(compareMembers);
  const subscribed = new Map(sorted.map((m) => [m.memberId, new Set(m.topics)]));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(compareStrings);
  let next = 0; // the circular iterator's position in `sorted`
  for (const topic of topics) {
    const numPartitions = knownPartitionCount(topic, partitionCount);
    for (let p = 0; p < numPartitions; p++) {
      // A subscriber exists: the topic came from some member's subscription.
      while (!(subscribed.get(sorted[next]?.memberId ?? '')?.has(topic) ?? false)) next = (next + 1) % sorted.length;
      const member = sorted[next];
      assert(member !== undefined, 'round robin position out of range');
      builder.add(member.memberId, topic, p);
      next = (next + 1) % sorted.length;
    }
  }
  return builder.finish();
}

export function assign(name: AssignorName, members: readonly AssignorMember[], partitionCount: PartitionCountFn): GroupAssignment {
  return name === assignorNames.range ? rangeAssign(members, partitionCount) : roundRobinAssign(members, partitionCount);
}

export function isAssignorName(name: string): name is AssignorName {
  return name === assignorNames.range || name === assignorNames.roundrobin;
}

export interface ServerAssignmentResult {
  /** One entry per member, ready to pass to SyncGroup as the leader's assignments. */
  assignments: { memberId: string; assignment: Uint8Array }[];
  /** Members whose subscription could not be decoded: they are treated as subscribed to nothing. */
  undecodable: { memberId: string; error: string }[];
}

/**
 * Server-side assignment for a group led by a native member: decodes every member's subscription
 * (the leader's JoinGroup member list), runs the named assignor, and encodes each assignment with
 * the member's own subscription version (capped at the newest known), so each client can read it.
 */
export function computeAssignments(input: {
  protocolName: AssignorName;
  members: readonly { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
  partitionCount: PartitionCountFn;
}): ServerAssignmentResult {
  const undecodable: ServerAssignmentResult['undecodable'] = [];
  const versions = new Map<string, number>();
  const assignorMembers: AssignorMember[] = input.members.map((m) => {
    const decoded = decodeSubscription(m.metadata);
    if (!decoded.ok) {
      undecodable.push({ memberId: m.memberId, error: decoded.error });
      versions.set(m.memberId, 0);
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: [] };
    }
    versions.set(m.memberId, Math.min(decoded.value.version, consumerProtocolVersionMax));
    return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: decoded.value.topics };
  });
  const result = assign(input.protocolName, assignorMembers, input.partitionCount);
  const assignments = [...result].map(([memberId, assignedPartitions]) => ({
    memberId,
    assignment: encodeAssignment({ version: versions.get(memberId) ?? 0, assignedPartitions, userData: null }),
  }));
  return { assignments, undecodable };
}
