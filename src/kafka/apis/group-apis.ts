// The group APIs of the Kafka listener, registered in src/kafka/registry.ts: one directory per API in
// ./groups/ (index.ts and a module per version), each translating to the broker's GroupCoordinator
// (src/broker/groups/).

import type { AnyKafkaApi } from '../api.ts';
import { deleteGroups } from './groups/delete-groups/index.ts';
import { describeGroups } from './groups/describe-groups/index.ts';
import { findCoordinator } from './groups/find-coordinator/index.ts';
import { heartbeat } from './groups/heartbeat/index.ts';
import { joinGroup } from './groups/join-group/index.ts';
import { leaveGroup } from './groups/leave-group/index.ts';
import { listGroups } from './groups/list-groups/index.ts';
import { offsetCommit } from './groups/offset-commit/index.ts';
import { offsetFetch } from './groups/offset-fetch/index.ts';
import { syncGroup } from './groups/sync-group/index.ts';

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
