// The rebalance engine shared by every group: preparing a rebalance, completing the join phase
// (Kafka's onCompleteJoin), propagating assignments, and the timers that drive them (session expiry,
// rebalance timeout, initial delay, pending-member and pending-sync expiry) on the injected clock.
// Invariant: every held JoinGroup / SyncGroup response is eventually resolved, and every timer is
// started through OwnedTimers and cancelled when what it guards goes away.

import { GroupStates, type JoinGroupResult, type SyncGroupResult } from './api.ts';
import type { Group } from './group.ts';
import { emptyBytes, type Member } from './member.ts';
import type { OwnedTimers } from './owned-timers.ts';
import { assert, type ErrorCode } from '../../errors.ts';

const { Empty, PreparingRebalance, CompletingRebalance, Stable } = GroupStates;

export function joinError(memberId: string, error: ErrorCode): JoinGroupResult {
  return { error, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

export function syncError(error: ErrorCode): SyncGroupResult {
  return { error, protocolType: null, protocolName: null, assignment: emptyBytes };
}

export interface RebalancerOptions {
  timers: OwnedTimers;
  /** Kafka's group.initial.rebalance.delay.ms. */
  initialRebalanceDelayMs: number;
  /** Called whenever a group may have become removable (Empty, no members, no offsets). */
  onMaybeIdle: (group: Group) => void;
}

export class Rebalancer {
  readonly #timers: OwnedTimers;
  readonly #initialDelayMs: number;
  readonly #onMaybeIdle: (group: Group) => void;

  constructor(options: RebalancerOptions) {
    this.#timers = options.timers;
    this.#initialDelayMs = options.initialRebalanceDelayMs;
    this.#onMaybeIdle = options.onMaybeIdle;
  }

  /** (Re)starts the member's expiry: its session timeout, or `timeoutMs` when given. */
  touch(group: Group, member: Member, timeoutMs = member.sessionTimeoutMs): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = this.#timers.start(timeoutMs, () => {
      member.sessionTimer = null;
      this.#onSessionExpired(group, member);
    });
  }

  #onSessionExpired(group: Group, member: Member): void {
    if (group.members.get(member.memberId) !== member) return;
    // Kafka: members in a rebalance satisfy their heartbeat; the join and sync deadlines govern them
    // and the session restarts when their response goes out. A new member's join timeout is not waived.
    if (!member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null)) return;
    this.removeMember(group, member);
  }

  addPendingMember(group: Group, memberId: string, sessionTimeoutMs: number): void {
    const timer = this.#timers.start(sessionTimeoutMs, () => {
      group.pendingMembers.delete(memberId);
      this.#afterPendingMemberGone(group);
    });
    group.pendingMembers.set(memberId, timer);
  }

  /** A pending member left, expired, or joined with its id (then `joined` and no completion check). */
  removePendingMember(group: Group, memberId: string, joined = false): void {
    const timer = group.pendingMembers.get(memberId);
    if (timer === undefined) return;
    timer.cancel();
    group.pendingMembers.delete(memberId);
    if (!joined) this.#afterPendingMemberGone(group);
  }

  #afterPendingMemberGone(group: Group): void {
    if (group.state === PreparingRebalance) this.tryCompleteJoin(group);
    this.#onMaybeIdle(group);
  }

  /** Removes a member, answers what it is owed, and moves the group on (Kafka's removeMemberAndUpdateGroup). */
  removeMember(group: Group, member: Member): void {
    this.#drop(group, member, 'group.unknown_member');
    switch (group.state) {
      case Stable:
      case CompletingRebalance:
        this.prepareRebalance(group);
        break;
      case PreparingRebalance:
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
    this.#onMaybeIdle(group);
  }

  /** Takes a member out without moving the group on. */
  #drop(group: Group, member: Member, error: ErrorCode): void {
    member.sessionTimer?.cancel();
    member.sessionTimer = null;
    member.awaitingJoin?.(joinError('', error));
    member.awaitingJoin = null;
    member.awaitingSync?.(syncError(error));
    member.awaitingSync = null;
    group.remove(member.memberId);
    this.#afterPendingSyncChange(group);
  }

  /** Answers a held JoinGroup that a newer JoinGroup from the same member supersedes. */
  supersedeJoin(member: Member): void {
    member.awaitingJoin?.(joinError(member.memberId, 'group.rebalance_in_progress'));
    member.awaitingJoin = null;
  }

  maybePrepareRebalance(group: Group): void {
    if (group.canRebalance) this.prepareRebalance(group);
  }

  prepareRebalance(group: Group): void {
    if (group.state === CompletingRebalance) this.#resetAndPropagateAssignmentError(group, 'group.rebalance_in_progress');
    group.syncTimer?.cancel();
    group.syncTimer = null;
    group.pendingSyncMembers.clear();
    const fromEmpty = group.state === Empty;
    group.transitionTo(PreparingRebalance);
    assert(group.joinTimer === null, `group ${group.groupId} already has a join timer`);
    const rebalanceTimeoutMs = group.rebalanceTimeoutMs();
    if (fromEmpty && this.#initialDelayMs > 0) {
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      this.#startInitialDelay(group, this.#initialDelayMs, Math.max(rebalanceTimeoutMs - this.#initialDelayMs, 0));
    } else {
      this.#startJoinDeadline(group, rebalanceTimeoutMs);
      this.tryCompleteJoin(group);
    }
  }

  #startJoinDeadline(group: Group, timeoutMs: number): void {
    group.joinTimer = this.#timers.start(timeoutMs, () => {
      group.joinTimer = null;
      this.completeJoin(group);
    });
  }

  /** Kafka's InitialDelayedJoin: wait; while new members keep arriving, wait again, up to the rebalance timeout. */
  #startInitialDelay(group: Group, delayMs: number, remainingMs: number): void {
    group.joinTimer = this.#timers.start(delayMs, () => {
      group.joinTimer = null;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const nextDelayMs = Math.min(this.#initialDelayMs, remainingMs);
        this.#startInitialDelay(group, nextDelayMs, Math.max(remainingMs - nextDelayMs, 0));
      } else {
        group.initialDelayActive = false;
        this.completeJoin(group);
      }
    });
  }

  tryCompleteJoin(group: Group): void {
    if (group.state === PreparingRebalance && !group.initialDelayActive && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  /** Kafka's onCompleteJoin: drop who did not rejoin, bump the generation, answer every join. */
  completeJoin(group: Group): void {
    assert(group.state === PreparingRebalance, `completeJoin in ${group.state}`);
    group.joinTimer?.cancel();
    group.joinTimer = null;
    group.initialDelayActive = false;
    // Static members keep their place across a missed rebalance (their session decides), as in Kafka.
    for (const m of group.notYetRejoined()) if (m.groupInstanceId === null) this.#drop(group, m, 'group.unknown_member');
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Only static members that have not rejoined remain: wait another rebalance timeout.
      this.#startJoinDeadline(group, group.rebalanceTimeoutMs());
      return;
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.transitionTo(Empty);
      this.#onMaybeIdle(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo(CompletingRebalance);
    const generationId = group.generationId;
    for (const m of group.members.values()) group.pendingSyncMembers.add(m.memberId);
    group.syncTimer = this.#timers.start(group.rebalanceTimeoutMs(), () => {
      group.syncTimer = null;
      this.#onSyncExpired(group, generationId);
    });
    const leaderMembers = group.currentMemberMetadata();
    for (const m of group.members.values()) {
      const result: JoinGroupResult = {
        generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        memberId: m.memberId,
        members: group.isLeader(m.memberId) ? leaderMembers : [],
      };
      m.awaitingJoin?.(result);
      m.awaitingJoin = null;
      m.isNew = false;
      this.touch(group, m);
    }
  }

  /** A member sent SyncGroup for the current generation. */
  removePendingSync(group: Group, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    this.#afterPendingSyncChange(group);
  }

  #afterPendingSyncChange(group: Group): void {
    if (group.pendingSyncMembers.size === 0 && group.syncTimer !== null) {
      group.syncTimer.cancel();
      group.syncTimer = null;
    }
  }

  /** Kafka's onExpirePendingSync: members that never sent SyncGroup are removed, then a rebalance. */
  #onSyncExpired(group: Group, generationId: number): void {
    if (generationId !== group.generationId) return;
    if (group.state !== CompletingRebalance && group.state !== Stable) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const m = group.members.get(memberId);
      if (m !== undefined) this.#drop(group, m, 'group.unknown_member');
    }
    this.prepareRebalance(group);
    this.#onMaybeIdle(group);
  }

  /** The leader's SyncGroup arrived: every member gets its assignment; the group is Stable. */
  completeSync(group: Group, assignments: ReadonlyMap<string, Uint8Array>): void {
    assert(group.state === CompletingRebalance, `completeSync in ${group.state}`);
    for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? emptyBytes;
    group.transitionTo(Stable);
    this.#propagate(group, undefined);
  }

  #resetAndPropagateAssignmentError(group: Group, error: ErrorCode): void {
    assert(group.state === CompletingRebalance, `assignment reset in ${group.state}`);
    for (const m of group.members.values()) m.assignment = emptyBytes;
    this.#propagate(group, error);
  }

  #propagate(group: Group, error: ErrorCode | undefined): void {
    for (const m of group.members.values()) {
      const respond = m.awaitingSync;
      if (respond === null) continue;
      m.awaitingSync = null;
      respond(error === undefined ? syncSuccess(group, m) : syncError(error));
      // Kafka restarts the session once the response goes out.
      this.touch(group, m);
    }
  }

  /** Answers everything still held with `error` (the coordinator is closing). */
  abandon(group: Group, error: ErrorCode): void {
    for (const m of group.members.values()) {
      m.awaitingJoin?.(joinError(m.memberId, error));
      m.awaitingJoin = null;
      m.awaitingSync?.(syncError(error));
      m.awaitingSync = null;
    }
  }
}

export function syncSuccess(group: Group, member: Member): SyncGroupResult {
  return { protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
}
