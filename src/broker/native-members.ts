// Consumer-group membership for members that do not speak the Kafka protocol (HTTP, CLI, SDK): the
// broker runs the JoinGroup/SyncGroup round for them on the same coordinator, subscribing with
// Kafka's ConsumerProtocol and, when such a member is the leader, computing the assignment
// server-side (range or roundrobin). So one group can mix kafkajs, librdkafka and HTTP members.

import { EddyError, type ErrorCode } from '../errors.ts';
import type { Broker } from './broker.ts';
import { computeAssignments, decodeAssignment, encodeSubscription, isAssignorName, type TopicPartitions } from './groups/index.ts';

export interface NativeJoin {
  groupId: string;
  /** '' to join as a new member; a member id to rejoin after a rebalance. */
  memberId: string;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignor: 'range' | 'roundrobin';
  clientId: string;
  clientHost: string;
}

export interface NativeMembership {
  groupId: string;
  memberId: string;
  generationId: number;
  leader: boolean;
  assignment: TopicPartitions[];
}

function fail(code: ErrorCode | undefined, what: string): never {
  throw new EddyError(code ?? 'broker.internal', `${what} failed: ${code ?? 'unknown error'}`);
}

/** Joins (or rejoins) and syncs; resolves when the rebalance completes with this member's partitions. */
export async function joinNative(broker: Broker, j: NativeJoin): Promise<NativeMembership> {
  for (const t of j.topics) if (!broker.hasTopic(t)) throw new EddyError('topic.not_found', `topic "${t}" does not exist`, { topic: j.topics });
  const metadata = encodeSubscription({ version: 0, topics: j.topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  const order = j.assignor === 'range' ? ['range', 'roundrobin'] : ['roundrobin', 'range'];
  const joined = await broker.groups.join({
    groupId: j.groupId,
    memberId: j.memberId,
    groupInstanceId: null,
    clientId: j.clientId,
    clientHost: j.clientHost,
    sessionTimeoutMs: j.sessionTimeoutMs,
    rebalanceTimeoutMs: j.rebalanceTimeoutMs,
    protocolType: 'consumer',
    protocols: order.map((name) => ({ name, metadata })),
    requireKnownMemberId: false,
  });
  if (joined.error) fail(joined.error, 'join');
  const protocolName = joined.protocolName ?? '';
  let assignments: { memberId: string; assignment: Uint8Array }[] = [];
  if (joined.leader === joined.memberId) {
    if (!isAssignorName(protocolName)) throw new EddyError('group.inconsistent_protocol', `the group chose assignor "${protocolName}", which the broker cannot run for an HTTP leader`);
    assignments = computeAssignments({ protocolName, members: joined.members, partitionCount: (t) => (broker.hasTopic(t) ? broker.partitionCount(t) : undefined) }).assignments;
  }
  const synced = await broker.groups.sync({ groupId: j.groupId, generationId: joined.generationId, memberId: joined.memberId, protocolType: 'consumer', protocolName, assignments });
  if (synced.error) fail(synced.error, 'sync');
  const decoded = synced.assignment.length === 0 ? null : decodeAssignment(synced.assignment);
  if (decoded && !decoded.ok) throw new EddyError('broker.internal', `undecodable assignment: ${decoded.error}`);
  return { groupId: j.groupId, memberId: joined.memberId, generationId: joined.generationId, leader: joined.leader === joined.memberId, assignment: decoded ? decoded.value.assignedPartitions : [] };
}
