// One classic consumer group's state, as Kafka's GroupMetadata: state, generation, members in join
// order, leader, protocol support counts, pending and static members, committed offsets.
// Invariants: state changes follow Kafka's transition table; the leader is a member whenever the
// group has members; supported-protocol counts equal the members' (distinct) protocol names.

import type { Timer } from '../../log/clock.ts';
import { GroupStates, type GroupProtocol, type GroupState, type JoinGroupMember } from './api.ts';
import { GroupOffsets } from './group-offsets.ts';
import { metadataFor, vote, type Member } from './member.ts';
import { assert } from '../../errors.ts';

const { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead } = GroupStates;

/** Kafka's GroupState.validPreviousStates. */
const validPreviousStates: Record<GroupState, readonly GroupState[]> = {
  [Empty]: [PreparingRebalance],
  [PreparingRebalance]: [Stable, CompletingRebalance, Empty],
  [CompletingRebalance]: [PreparingRebalance],
  [Stable]: [CompletingRebalance],
  [Dead]: [Stable, PreparingRebalance, CompletingRebalance, Empty, Dead],
};

export class Group {
  readonly groupId: string;
  #state: GroupState = Empty;
  generationId = 0;
  /** Set by the first member; kept while the group is Empty, as Kafka does. */
  protocolType: string | null = null;
  /** Chosen when a join phase completes; null while Empty. */
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion order is join order: the first member to join leads. */
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each with its expiry timer. */
  readonly pendingMembers = new Map<string, Timer>();
  /** group instance id -> member id. */
  readonly staticMembers = new Map<string, string>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  readonly offsets = new GroupOffsets();
  commitsInFlight = 0;
  /** A member joined during the initial rebalance delay (extends it, as Kafka's InitialDelayedJoin). */
  newMemberAdded = false;
  initialDelayActive = false;
  /** The rebalance (join) deadline or initial delay while PreparingRebalance. */
  joinTimer: Timer | null = null;
  /** The deadline for pendingSyncMembers. */
  syncTimer: Timer | null = null;
  readonly #supportedProtocols = new Map<string, number>();

  constructor(groupId: string) {
    this.groupId = groupId;
  }
  get state(): GroupState {
    return this.#state;
  }
  transitionTo(next: GroupState): void {
    assert(validPreviousStates[next].includes(this.#state), `group ${this.groupId}: ${this.#state} -> ${next}`);
    this.#state = next;
  }
  /** Kafka's canRebalance: PreparingRebalance is reachable from the current state. */
  get canRebalance(): boolean {
    return validPreviousStates[PreparingRebalance].includes(this.#state);
  }
  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }
  /** Kafka: the largest rebalance timeout among the members. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }
  add(member: Member): void {
    assert(!this.members.has(member.memberId), `member ${member.memberId} added twice`);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(this.protocolType === member.protocolType, 'member protocol type differs from the group');
    this.members.set(member.memberId, member);
    this.#count(member.protocols, 1);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }
  remove(memberId: string): Member | undefined {
    const member = this.members.get(memberId);
    if (member === undefined) return undefined;
    this.members.delete(memberId);
    this.#count(member.protocols, -1);
    const instanceId = member.groupInstanceId;
    if (instanceId !== null && this.staticMembers.get(instanceId) === memberId) this.staticMembers.delete(instanceId);
    this.pendingSyncMembers.delete(memberId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return member;
  }
  /** A static member rejoined with a new member id: the new one takes the old one's place. */
  replaceStatic(oldMemberId: string, replacement: Member): void {
    const wasLeader = this.isLeader(oldMemberId);
    const wasPendingSync = this.pendingSyncMembers.has(oldMemberId);
    assert(this.remove(oldMemberId) !== undefined, `static member ${oldMemberId} unknown`);
    this.add(replacement);
    if (wasLeader) this.leaderId = replacement.memberId;
    if (wasPendingSync) this.pendingSyncMembers.add(replacement.memberId);
  }
  updateProtocols(member: Member, protocols: GroupProtocol[]): void {
    this.#count(member.protocols, -1);
    member.protocols = protocols;
    this.#count(protocols, 1);
  }
  #count(protocols: readonly GroupProtocol[], delta: number): void {
    for (const p of protocols) {
      const n = (this.#supportedProtocols.get(p.name) ?? 0) + delta;
      assert(n >= 0, `protocol count of ${p.name} below zero`);
      if (n === 0) this.#supportedProtocols.delete(p.name);
      else this.#supportedProtocols.set(p.name, n);
    }
  }
  /** Kafka's supportsProtocols: a first member needs a type and a protocol; later ones must share one. */
  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && names.length > 0;
    return protocolType === this.protocolType && names.some((n) => this.#supportedProtocols.get(n) === this.members.size);
  }
  /**
   * The protocol every member supports with the most first-choice votes. Kafka breaks ties by hash
   * order; here the tie goes to the protocol whose first vote came from the earliest-joined member.
   */
  selectProtocol(): string {
    const candidates = new Set<string>();
    for (const [name, n] of this.#supportedProtocols) if (n === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = vote(m, candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    assert(best !== null, `group ${this.groupId} has no protocol all members support`);
    return best;
  }
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null | undefined): boolean {
    if (groupInstanceId === null || groupInstanceId === undefined) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }
  /** Every member has a JoinGroup in hand and no MEMBER_ID_REQUIRED member is still to come. */
  hasAllMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }
  notYetRejoined(): Member[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === null);
  }
  /** Kafka's maybeElectNewJoinedLeader: keep a rejoined leader, else the first rejoined member. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader !== undefined && leader.awaitingJoin !== null) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin !== null) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }
  /** What the leader receives in its JoinGroup response: each member's metadata for the protocol. */
  currentMemberMetadata(): JoinGroupMember[] {
    const protocol = this.protocolName;
    assert(protocol !== null, `group ${this.groupId} has no protocol`);
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: metadataFor(m, protocol),
    }));
  }
}
