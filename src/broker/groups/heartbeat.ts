// Heartbeat for one group, as Kafka 2.5+: it keeps the member's session alive and tells it, with
// REBALANCE_IN_PROGRESS, to rejoin while the group prepares a rebalance. A heartbeat between the
// join response and the assignment (CompletingRebalance) is accepted and answered with no error.

import { GroupStates, type HeartbeatRequest, type HeartbeatResult } from './api.ts';
import type { Group } from './group.ts';
import type { Rebalancer } from './rebalance.ts';

const { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead } = GroupStates;

export function handleHeartbeat(rebalancer: Rebalancer, group: Group, req: HeartbeatRequest): HeartbeatResult {
  if (group.isStaticMemberFenced(req.memberId, req.groupInstanceId)) return { error: 'group.fenced_instance_id' };
  const member = group.members.get(req.memberId);
  if (member === undefined) return { error: 'group.unknown_member' };
  if (req.generationId !== group.generationId) return { error: 'group.illegal_generation' };
  switch (group.state) {
    case Empty:
    case Dead:
      return { error: 'group.unknown_member' };
    case PreparingRebalance:
      rebalancer.touch(group, member);
      return { error: 'group.rebalance_in_progress' };
    case CompletingRebalance:
    case Stable:
      rebalancer.touch(group, member);
      return {};
  }
}
