// SyncGroup for one group, as Kafka: followers are held until the leader's assignment arrives; a
// Stable group answers with the member's current assignment. Errors in Kafka's order: fenced
// instance, unknown member, illegal generation, inconsistent protocol, then by state.

import { GroupStates, type SyncGroupRequest, type SyncGroupResult } from './api.ts';
import type { Group } from './group.ts';
import { syncError, syncSuccess, type Rebalancer } from './rebalance.ts';

const { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead } = GroupStates;

export function handleSync(rebalancer: Rebalancer, group: Group, req: SyncGroupRequest): SyncGroupResult | Promise<SyncGroupResult> {
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return syncError('group.fenced_instance_id');
  const member = group.members.get(req.memberId);
  if (member === undefined) return syncError('group.unknown_member');
  if (req.generationId !== group.generationId) return syncError('group.illegal_generation');
  if (req.protocolType !== null && req.protocolType !== group.protocolType) return syncError('group.inconsistent_protocol');
  if (req.protocolName !== null && req.protocolName !== group.protocolName) return syncError('group.inconsistent_protocol');
  switch (group.state) {
    case Empty:
    case Dead:
      return syncError('group.unknown_member');
    case PreparingRebalance:
      return syncError('group.rebalance_in_progress');
    case CompletingRebalance: {
      rebalancer.removePendingSync(group, member.memberId);
      // A second SyncGroup while one is held: the newer one waits, the older is told to rejoin.
      member.awaitingSync?.(syncError('group.rebalance_in_progress'));
      const answer = new Promise<SyncGroupResult>((resolve) => (member.awaitingSync = resolve));
      if (group.isLeader(member.memberId)) {
        // Members the leader left out get an empty assignment; unknown ids are ignored; last one wins.
        // Copied: the caller's bytes may be a view into a reused frame buffer.
        const assignments = new Map<string, Uint8Array>();
        for (const a of req.assignments) assignments.set(a.memberId, new Uint8Array(a.assignment));
        rebalancer.completeSync(group, assignments);
      }
      return answer;
    }
    case Stable:
      rebalancer.removePendingSync(group, member.memberId);
      rebalancer.touch(group, member);
      return syncSuccess(group, member);
  }
}
