// The classic (eager) consumer-group coordinator, one per broker, shared by the Kafka and HTTP front
// ends: a pure state machine on an injected clock whose methods mirror the Kafka group APIs and
// resolve when Kafka would send the response. Guarantees: offsets are acknowledged only once the
// OffsetStore made them durable; close() answers every held request and cancels every timer.
// Group membership itself is not persisted: after a restart groups come back Empty with their offsets.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../../log/clock.ts';
import { assert, type ErrorCode } from '../../errors.ts';
import {
  GroupStates,
  type DeleteGroupResult,
  type DescribeGroupResult,
  type HeartbeatRequest,
  type HeartbeatResult,
  type JoinGroupRequest,
  type JoinGroupResult,
  type LeaveGroupRequest,
  type LeaveGroupResult,
  type ListGroupsResult,
  type OffsetCommitRequest,
  type OffsetCommitResult,
  type OffsetFetchRequest,
  type OffsetFetchResult,
  type SyncGroupRequest,
  type SyncGroupResult,
} from './api.ts';
import { describeGroup, deadGroup } from './describe.ts';
import { Group } from './group.ts';
import { handleHeartbeat } from './heartbeat.ts';
import { handleJoin, type JoinContext } from './join.ts';
import { handleLeave } from './leave.ts';
import { groupLimits } from './limits.ts';
import type { OffsetStore } from './offset-store.ts';
import { commitMembershipError, fetchCommitted, storeCommit } from './offsets.ts';
import { OwnedTimers } from './owned-timers.ts';
import { joinError, Rebalancer, syncError } from './rebalance.ts';
import { handleSync } from './sync.ts';

export interface GroupCoordinatorOptions {
  clock: Clock;
  offsets: OffsetStore;
  /** Kafka's group.max.size (members per group); default groupLimits.membersPerGroupDefault. */
  groupMaxSize?: number;
  /** Kafka's group.min.session.timeout.ms; default 6000. */
  minSessionTimeoutMs?: number;
  /** Kafka's group.max.session.timeout.ms; default 1_800_000. */
  maxSessionTimeoutMs?: number;
  /** Kafka's group.initial.rebalance.delay.ms (3000 in Kafka); default 0 so a lone consumer starts at once. */
  initialRebalanceDelayMs?: number;
  /** Member ids: `${prefix}-${uuid}` by default (prefix = client id, or group instance id). Injected for tests. */
  newMemberId?: (prefix: string) => string;
}

const Status = { Loading: 'loading', Active: 'active', Failed: 'failed', Closed: 'closed' } as const;
type Status = (typeof Status)[keyof typeof Status];

export class GroupCoordinator {
  readonly #clock: Clock;
  readonly #store: OffsetStore;
  readonly #timers: OwnedTimers;
  readonly #rebalancer: Rebalancer;
  readonly #join: JoinContext;
  readonly #groups = new Map<string, Group>();
  readonly #minSessionTimeoutMs: number;
  readonly #maxSessionTimeoutMs: number;
  readonly #ready: Promise<void>;
  #status: Status = Status.Loading;
  #commitSeq = 0;

  constructor(options: GroupCoordinatorOptions) {
    this.#clock = options.clock;
    this.#store = options.offsets;
    this.#minSessionTimeoutMs = options.minSessionTimeoutMs ?? 6000;
    this.#maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? 1_800_000;
    const initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? 0;
    const membersMax = options.groupMaxSize ?? groupLimits.membersPerGroupDefault;
    assert(Number.isInteger(membersMax) && membersMax >= 1, 'groupMaxSize must be a positive integer');
    assert(this.#minSessionTimeoutMs <= this.#maxSessionTimeoutMs, 'minSessionTimeoutMs > maxSessionTimeoutMs');
    assert(this.#maxSessionTimeoutMs <= groupLimits.rebalanceTimeoutMsMax, 'maxSessionTimeoutMs above the timer limit');
    assert(initialRebalanceDelayMs >= 0, 'initialRebalanceDelayMs must not be negative');
    this.#timers = new OwnedTimers(this.#clock);
    this.#rebalancer = new Rebalancer({
      timers: this.#timers,
      initialRebalanceDelayMs,
      onMaybeIdle: (group) => this.#maybeDrop(group),
    });
    this.#join = {
      rebalancer: this.#rebalancer,
      membersMax,
      newMemberId: options.newMemberId ?? ((prefix) => `${prefix}-${randomUUID()}`),
    };
    this.#ready = this.#load();
    // Failures surface through ready() and as coordinator_not_available answers.
    this.#ready.catch(() => undefined);
  }

  /** Resolves once committed offsets are loaded from the store; rejects if loading failed. */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #load(): Promise<void> {
    try {
      const records = await this.#store.load();
      if (this.#status !== Status.Loading) return;
      for (const r of records) {
        let group = this.#groups.get(r.groupId);
        if (group === undefined) {
          group = new Group(r.groupId);
          this.#groups.set(r.groupId, group);
        }
        group.offsets.apply(r.topic, r.partition, r, ++this.#commitSeq);
      }
      this.#status = Status.Active;
    } catch (e) {
      if (this.#status === Status.Loading) this.#status = Status.Failed;
      throw e;
    }
  }

  /** The error every API answers with while the coordinator cannot serve, else null. */
  #unavailable(): ErrorCode | null {
    switch (this.#status) {
      case Status.Active:
        return null;
      case Status.Loading:
        return 'group.coordinator_loading';
      case Status.Failed:
      case Status.Closed:
        return 'group.coordinator_not_available';
    }
  }

  #createGroup(groupId: string): Group | null {
    if (this.#groups.size >= groupLimits.groupsMax) return null;
    const group = new Group(groupId);
    this.#groups.set(groupId, group);
    return group;
  }

  /** Forgets a group with nothing left in it (Kafka removes such groups in its periodic offset expiry). */
  #maybeDrop(group: Group): void {
    if (this.#groups.get(group.groupId) !== group || group.state !== GroupStates.Empty) return;
    if (group.members.size > 0 || group.pendingMembers.size > 0) return;
    if (group.offsets.size > 0 || group.commitsInFlight > 0) return;
    assert(group.joinTimer === null && group.syncTimer === null, `idle group ${group.groupId} still has timers`);
    group.transitionTo(GroupStates.Dead);
    this.#groups.delete(group.groupId);
  }

  async join(req: JoinGroupRequest): Promise<JoinGroupResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== null) return joinError(req.memberId, unavailable);
    if (req.groupId === '') return joinError(req.memberId, 'group.invalid_name');
    const rebalanceOk = Number.isInteger(req.rebalanceTimeoutMs) && req.rebalanceTimeoutMs >= 0 && req.rebalanceTimeoutMs <= groupLimits.rebalanceTimeoutMsMax;
    if (!rebalanceOk || req.protocols.length > groupLimits.protocolsPerMemberMax) return joinError(req.memberId, 'request.invalid');
    const s = req.sessionTimeoutMs;
    if (!Number.isInteger(s) || s < this.#minSessionTimeoutMs || s > this.#maxSessionTimeoutMs) {
      return joinError(req.memberId, 'group.invalid_session_timeout');
    }
    let group = this.#groups.get(req.groupId);
    if (group === undefined) {
      // Only a new member creates a group; a known member id for an unknown group must rejoin.
      if (req.memberId !== '') return joinError(req.memberId, 'group.unknown_member');
      const created = this.#createGroup(req.groupId);
      if (created === null) return joinError(req.memberId, 'group.too_many_groups');
      group = created;
    }
    const answer = handleJoin(this.#join, group, req);
    this.#maybeDrop(group);
    return answer;
  }

  async sync(req: SyncGroupRequest): Promise<SyncGroupResult> {
    const unavailable = this.#unavailable();
    // Kafka: while loading, the rebalance state is lost, so the member is sent back to JoinGroup.
    if (unavailable === 'group.coordinator_loading') return syncError('group.rebalance_in_progress');
    if (unavailable !== null) return syncError(unavailable);
    if (req.groupId === '') return syncError('group.invalid_name');
    const group = this.#groups.get(req.groupId);
    if (group === undefined) return syncError('group.unknown_member');
    return handleSync(this.#rebalancer, group, req);
  }

  async heartbeat(req: HeartbeatRequest): Promise<HeartbeatResult> {
    const unavailable = this.#unavailable();
    // Kafka answers heartbeats blindly while loading.
    if (unavailable === 'group.coordinator_loading') return {};
    if (unavailable !== null) return { error: unavailable };
    if (req.groupId === '') return { error: 'group.invalid_name' };
    const group = this.#groups.get(req.groupId);
    if (group === undefined) return { error: 'group.unknown_member' };
    return handleHeartbeat(this.#rebalancer, group, req);
  }

  async leave(req: LeaveGroupRequest): Promise<LeaveGroupResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== null) return { error: unavailable, members: [] };
    if (req.groupId === '') return { error: 'group.invalid_name', members: [] };
    const group = this.#groups.get(req.groupId);
    if (group === undefined) {
      return { members: req.members.map((m) => ({ ...m, error: 'group.unknown_member' as const })) };
    }
    const result = handleLeave(this.#rebalancer, group, req);
    this.#maybeDrop(group);
    return result;
  }

  async commitOffsets(req: OffsetCommitRequest): Promise<OffsetCommitResult> {
    const all = (error: ErrorCode): OffsetCommitResult => ({
      partitions: req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, error })),
    });
    const unavailable = this.#unavailable();
    if (unavailable !== null) return all(unavailable);
    let group = this.#groups.get(req.groupId);
    if (group === undefined) {
      // Kafka: a negative generation means the group only stores offsets here; anything else is stale.
      if (req.generationId >= 0) return all('group.illegal_generation');
      const created = this.#createGroup(req.groupId);
      if (created === null) return all('group.too_many_groups');
      group = created;
    }
    const membershipError = commitMembershipError(this.#rebalancer, group, req);
    if (membershipError !== null) {
      this.#maybeDrop(group);
      return all(membershipError);
    }
    const result = await storeCommit(this.#store, group, req, { nowMs: this.#clock.now(), seq: ++this.#commitSeq });
    this.#maybeDrop(group);
    return result;
  }

  async fetchOffsets(req: OffsetFetchRequest): Promise<OffsetFetchResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== null) return { error: unavailable, partitions: [] };
    return { partitions: fetchCommitted(this.#groups.get(req.groupId), req.partitions) };
  }

  async describe(groupId: string): Promise<DescribeGroupResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== null) return { ...deadGroup(groupId), error: unavailable };
    const group = this.#groups.get(groupId);
    return group === undefined ? deadGroup(groupId) : describeGroup(group);
  }

  async list(): Promise<ListGroupsResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== null) return { error: unavailable, groups: [] };
    const ids = [...this.#groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      groups: ids.flatMap((groupId) => {
        const g = this.#groups.get(groupId);
        return g === undefined ? [] : [{ groupId, protocolType: g.protocolType ?? '', state: g.state }];
      }),
    };
  }

  /** DeleteGroups: only an Empty group; its offsets are deleted durably before this resolves. */
  async deleteGroup(groupId: string): Promise<DeleteGroupResult> {
    const unavailable = this.#unavailable();
    if (unavailable !== null) return { error: unavailable };
    const group = this.#groups.get(groupId);
    if (group === undefined) return { error: 'group.not_found' };
    if (group.state !== GroupStates.Empty) return { error: 'group.non_empty' };
    for (const timer of group.pendingMembers.values()) timer.cancel();
    group.pendingMembers.clear();
    group.transitionTo(GroupStates.Dead);
    this.#groups.delete(groupId);
    try {
      await this.#store.delete(groupId);
      return {};
    } catch {
      return { error: 'group.coordinator_not_available' };
    }
  }

  /**
   * Forgets every group's committed offsets of a deleted topic, durably (Kafka does the same), so a
   * topic created again under that name starts with no committed position.
   */
  async deleteTopicOffsets(topic: string): Promise<void> {
    await this.#store.deleteTopic(topic);
    for (const group of [...this.#groups.values()]) {
      group.offsets.deleteTopic(topic);
      this.#maybeDrop(group);
    }
  }

  /** Answers every held JoinGroup / SyncGroup with coordinator_not_available and cancels every timer. */
  close(): void {
    if (this.#status === Status.Closed) return;
    this.#status = Status.Closed;
    for (const group of this.#groups.values()) this.#rebalancer.abandon(group, 'group.coordinator_not_available');
    this.#timers.cancelAll();
  }

  /** Live timers owned by the coordinator (for tests and metrics). */
  get timerCount(): number {
    return this.#timers.size;
  }
}
