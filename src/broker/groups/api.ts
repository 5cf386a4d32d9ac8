// Requests and results of the group coordinator, shaped after the Kafka APIs (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups) so
// a Kafka front end maps them 1:1 and the HTTP front end uses the same calls. Errors are values:
// `error` is an Eddy error code (src/errors.ts maps it to the Kafka error code and HTTP status).

import type { ErrorCode } from '../../errors.ts';

export const GroupStates = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupStates)[keyof typeof GroupStates];

export interface GroupProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinGroupRequest {
  groupId: string;
  /** '' for a new member. */
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: the front end passes the session timeout, as Kafka does. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** In the member's order of preference. */
  protocols: readonly GroupProtocol[];
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and a member id. */
  requireKnownMemberId: boolean;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinGroupResult {
  error?: ErrorCode;
  /** -1 on error. */
  generationId: number;
  /** null on error (JoinGroup v7+ has it nullable; older versions send ''). */
  protocolType: string | null;
  protocolName: string | null;
  /** '' on error. */
  leader: string;
  /** The member's id; on MEMBER_ID_REQUIRED the id to rejoin with. */
  memberId: string;
  /** The members and their metadata for the chosen protocol: only for the leader, else []. */
  members: JoinGroupMember[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** SyncGroup v3+; null when not sent. */
  groupInstanceId?: string | null;
  /** SyncGroup v5+; null when not sent (then not checked). */
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignment; [] from followers. */
  assignments: readonly { memberId: string; assignment: Uint8Array }[];
}

export interface SyncGroupResult {
  error?: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  /** Empty on error. */
  assignment: Uint8Array;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** Heartbeat v3+. */
  groupInstanceId?: string | null;
}

export interface HeartbeatResult {
  error?: ErrorCode;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** LeaveGroup v0-2 carry one member id (group instance id null); v3+ a list. */
  members: readonly { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveGroupResult {
  /** Whole-request error (coordinator loading, invalid group id). */
  error?: ErrorCode;
  members: { memberId: string; groupInstanceId: string | null; error?: ErrorCode }[];
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1: a standalone (simple consumer / admin) commit, allowed only while the group is Empty. */
  generationId: number;
  memberId: string;
  /** OffsetCommit v7+. */
  groupInstanceId?: string | null;
  offsets: readonly {
    topic: string;
    partition: number;
    offset: number;
    leaderEpoch?: number;
    metadata: string | null;
  }[];
}

export interface OffsetCommitResult {
  partitions: { topic: string; partition: number; error?: ErrorCode }[];
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition with a committed offset. */
  partitions: readonly { topic: string; partition: number }[] | null;
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  offset: number;
  /** -1 when unknown. */
  leaderEpoch: number;
  /** '' when none, as Kafka answers. */
  metadata: string;
}

export interface OffsetFetchResult {
  /** Group-level error (OffsetFetch v2+), e.g. while the coordinator loads. */
  error?: ErrorCode;
  partitions: FetchedOffset[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Metadata for the group's protocol, only while Stable (as Kafka); else empty. */
  metadata: Uint8Array;
  /** Only while Stable; else empty. */
  assignment: Uint8Array;
}

export interface DescribeGroupResult {
  error?: ErrorCode;
  groupId: string;
  /** An unknown group is described as Dead with no error, as Kafka does. */
  state: GroupState;
  protocolType: string;
  /** '' unless Stable. */
  protocol: string;
  members: DescribedMember[];
}

export interface ListGroupsResult {
  error?: ErrorCode;
  groups: { groupId: string; protocolType: string; state: GroupState }[];
}

export interface DeleteGroupResult {
  error?: ErrorCode;
}
