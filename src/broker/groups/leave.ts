// LeaveGroup for one group, as Kafka (v3+ batch form; v0-2 are one member without an instance id):
// each leaving member is removed at once and the group rebalances. A pending (MEMBER_ID_REQUIRED)
// member just stops being waited for. A static member may leave by its group instance id alone.

import type { LeaveGroupRequest, LeaveGroupResult } from './api.ts';
import type { Group } from './group.ts';
import type { Rebalancer } from './rebalance.ts';

export function handleLeave(rebalancer: Rebalancer, group: Group, req: LeaveGroupRequest): LeaveGroupResult {
  const members = req.members.map(({ memberId, groupInstanceId }) => {
    const id = { memberId, groupInstanceId };
    if (memberId !== '' && group.isStaticMemberFenced(memberId, groupInstanceId)) {
      return { ...id, error: 'group.fenced_instance_id' as const };
    }
    if (group.pendingMembers.has(memberId)) {
      rebalancer.removePendingMember(group, memberId);
      return id;
    }
    const staticId = groupInstanceId === null ? undefined : group.staticMembers.get(groupInstanceId);
    const member = group.members.get(staticId ?? memberId);
    if (member === undefined) return { ...id, error: 'group.unknown_member' as const };
    rebalancer.removeMember(group, member);
    return id;
  });
  return { members };
}
