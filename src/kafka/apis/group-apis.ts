// The group APIs of the Kafka listener, registered in src/kafka/registry.ts: one module per API in
// ./groups/, each translating to the broker's GroupCoordinator (src/broker/groups/).

import type { AnyKafkaApi } from '../api.ts';
import { deleteGroups } from './groups/delete-groups.ts';
import { describeGroups } from './groups/describe-groups.ts';
import { findCoordinator } from './groups/find-coordinator.ts';
import { heartbeat } from './groups/heartbeat/index.ts';
import { joinGroup } from './groups/join-group.ts';
import { leaveGroup } from './groups/leave-group.ts';
import { listGroups } from './groups/list-groups.ts';
import { offsetCommit } from './groups/offset-commit.ts';
import { offsetFetch } from './groups/offset-fetch.ts';
import { syncGroup } from './groups/sync-group.ts';

export const groupApis: AnyKafkaApi[] = [
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  deleteGroups,
];
