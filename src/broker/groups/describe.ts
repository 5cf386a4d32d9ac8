// DescribeGroups for one group, as Kafka's GroupMetadata.summary: protocol, member metadata and
// assignments are shown only while Stable; otherwise members appear without them. An unknown group
// is described as Dead with no error (kafkajs' describeGroups tests rely on that).

import { GroupStates, type DescribeGroupResult } from './api.ts';
import type { Group } from './group.ts';
import { emptyBytes, metadataFor } from './member.ts';

export function deadGroup(groupId: string): DescribeGroupResult {
  return { groupId, state: GroupStates.Dead, protocolType: '', protocol: '', members: [] };
}

export function describeGroup(group: Group): DescribeGroupResult {
  const protocol = group.state === GroupStates.Stable ? group.protocolName : null;
  return {
    groupId: group.groupId,
    state: group.state,
    protocolType: group.protocolType ?? '',
    protocol: protocol ?? '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: protocol === null ? emptyBytes : metadataFor(m, protocol),
      assignment: protocol === null ? emptyBytes : m.assignment,
    })),
  };
}
