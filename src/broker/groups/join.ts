// JoinGroup for one (existing) group, as Kafka's GroupCoordinator: new members (MEMBER_ID_REQUIRED
// round trip, static replacement), known members rejoining, and the fast answers that need no
// rebalance. Guarantee: a join that enters the rebalance is answered when the join phase completes,
// when the member is removed, or when a later JoinGroup from the same member supersedes it.

import { GroupStates, type JoinGroupRequest, type JoinGroupResult, type GroupProtocol } from './api.ts';
import type { Group } from './group.ts';
import { groupLimits } from './limits.ts';
import { distinctProtocols, emptyBytes, matchesProtocols, type Member } from './member.ts';
import { joinError, syncError, type Rebalancer } from './rebalance.ts';

const { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead } = GroupStates;

export interface JoinContext {
  rebalancer: Rebalancer;
  membersMax: number;
  /** Kafka: `${clientId or groupInstanceId}-${uuid}`. */
  newMemberId: (prefix: string) => string;
}

type JoinAnswer = JoinGroupResult | Promise<JoinGroupResult>;

export function handleJoin(ctx: JoinContext, group: Group, req: JoinGroupRequest): JoinAnswer {
  const protocols = distinctProtocols(req.protocols);
  const answer = req.memberId === '' ? joinNewMember(ctx, group, req, protocols) : joinKnownMember(ctx, group, req, protocols);
  // Kafka: "attempt to complete JoinGroup" after every join while PreparingRebalance.
  if (group.state === PreparingRebalance) ctx.rebalancer.tryCompleteJoin(group);
  return answer;
}

function joinNewMember(ctx: JoinContext, group: Group, req: JoinGroupRequest, protocols: GroupProtocol[]): JoinAnswer {
  const instanceId = req.groupInstanceId;
  const knownStatic = instanceId !== null && group.staticMembers.has(instanceId);
  if (!knownStatic && group.members.size + group.pendingMembers.size >= ctx.membersMax) {
    return joinError('', 'group.max_size_reached');
  }
  if (!group.supportsProtocols(req.protocolType, protocols.map((p) => p.name))) {
    return joinError('', 'group.inconsistent_protocol');
  }
  const memberId = ctx.newMemberId(instanceId ?? req.clientId);
  if (instanceId !== null) {
    const oldMemberId = group.staticMembers.get(instanceId);
    if (oldMemberId !== undefined) return replaceStaticMember(ctx, group, oldMemberId, memberId, req, protocols);
    return addMemberAndRebalance(ctx, group, memberId, req, protocols);
  }
  if (req.requireKnownMemberId) {
    ctx.rebalancer.addPendingMember(group, memberId, req.sessionTimeoutMs);
    return joinError(memberId, 'group.member_id_required');
  }
  return addMemberAndRebalance(ctx, group, memberId, req, protocols);
}

function joinKnownMember(ctx: JoinContext, group: Group, req: JoinGroupRequest, protocols: GroupProtocol[]): JoinAnswer {
  const { memberId, groupInstanceId } = req;
  if (!group.supportsProtocols(req.protocolType, protocols.map((p) => p.name))) {
    return joinError(memberId, 'group.inconsistent_protocol');
  }
  if (group.pendingMembers.has(memberId)) {
    // Pending members are always dynamic (static members never get MEMBER_ID_REQUIRED).
    if (groupInstanceId !== null) return joinError(memberId, 'group.unknown_member');
    return addMemberAndRebalance(ctx, group, memberId, req, protocols);
  }
  if (group.isStaticMemberFenced(memberId, groupInstanceId)) return joinError(memberId, 'group.fenced_instance_id');
  const member = group.members.get(memberId);
  if (member === undefined || (groupInstanceId !== null && !group.staticMembers.has(groupInstanceId))) {
    return joinError(memberId, 'group.unknown_member');
  }
  switch (group.state) {
    case PreparingRebalance:
      return updateMemberAndRebalance(ctx, group, member, req, protocols);
    case CompletingRebalance:
      // A retried JoinGroup (lost response) gets the current generation again; changed metadata rebalances.
      if (matchesProtocols(member, protocols)) return currentGeneration(ctx, group, member, group.isLeader(memberId));
      return updateMemberAndRebalance(ctx, group, member, req, protocols);
    case Stable:
      // The leader's JoinGroup always rebalances (it may have seen topic metadata change).
      if (group.isLeader(memberId) || !matchesProtocols(member, protocols)) {
        return updateMemberAndRebalance(ctx, group, member, req, protocols);
      }
      return currentGeneration(ctx, group, member, false);
    case Empty:
    case Dead:
      return joinError(memberId, 'group.unknown_member');
  }
}

function currentGeneration(ctx: JoinContext, group: Group, member: Member, withMembers: boolean): JoinGroupResult {
  ctx.rebalancer.touch(group, member);
  return {
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    memberId: member.memberId,
    members: withMembers ? group.currentMemberMetadata() : [],
  };
}

function newMember(memberId: string, req: JoinGroupRequest, protocols: GroupProtocol[]): Member {
  return {
    memberId,
    groupInstanceId: req.groupInstanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols,
    assignment: emptyBytes,
    awaitingJoin: null,
    awaitingSync: null,
    isNew: true,
    sessionTimer: null,
  };
}

function addMemberAndRebalance(
  ctx: JoinContext,
  group: Group,
  memberId: string,
  req: JoinGroupRequest,
  protocols: GroupProtocol[],
): Promise<JoinGroupResult> {
  const member = newMember(memberId, req, protocols);
  const answer = new Promise<JoinGroupResult>((resolve) => (member.awaitingJoin = resolve));
  if (group.state === PreparingRebalance && group.generationId === 0) group.newMemberAdded = true;
  group.add(member);
  // A new member cannot heartbeat until its join completes: Kafka's NewMemberJoinTimeoutMs applies.
  ctx.rebalancer.touch(group, member, groupLimits.newMemberJoinTimeoutMs);
  if (member.groupInstanceId === null) ctx.rebalancer.removePendingMember(group, memberId, true);
  ctx.rebalancer.maybePrepareRebalance(group);
  return answer;
}

function updateMemberAndRebalance(
  ctx: JoinContext,
  group: Group,
  member: Member,
  req: JoinGroupRequest,
  protocols: GroupProtocol[],
): Promise<JoinGroupResult> {
  ctx.rebalancer.supersedeJoin(member);
  group.updateProtocols(member, protocols);
  member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  const answer = new Promise<JoinGroupResult>((resolve) => (member.awaitingJoin = resolve));
  ctx.rebalancer.maybePrepareRebalance(group);
  return answer;
}

/**
 * A static member restarted (member id '' with a known group instance id): the new member id takes
 * the old one's place and the old id is fenced. In a Stable group with unchanged metadata no
 * rebalance happens and the answer names the old leader id, so the newcomer does not assign.
 */
function replaceStaticMember(
  ctx: JoinContext,
  group: Group,
  oldMemberId: string,
  memberId: string,
  req: JoinGroupRequest,
  protocols: GroupProtocol[],
): JoinAnswer {
  const old = group.members.get(oldMemberId);
  if (old === undefined) return joinError('', 'group.unknown_member');
  const currentLeader = group.leaderId ?? '';
  old.sessionTimer?.cancel();
  old.awaitingJoin?.(joinError(oldMemberId, 'group.fenced_instance_id'));
  old.awaitingSync?.(syncError('group.fenced_instance_id'));
  const replacement: Member = { ...newMember(memberId, req, old.protocols), assignment: old.assignment, isNew: old.isNew };
  group.replaceStatic(oldMemberId, replacement);
  ctx.rebalancer.touch(group, replacement);
  if (group.state === Stable && matchesProtocols(replacement, protocols)) {
    return {
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: currentLeader,
      memberId,
      members: [],
    };
  }
  return updateMemberAndRebalance(ctx, group, replacement, req, protocols);
}
