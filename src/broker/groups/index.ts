// The consumer-group module's public surface: the coordinator both front ends call, its request
// and result types, the OffsetStore interface the broker implements, the ConsumerProtocol codec and
// the server-side assignors. Everything else in this folder is internal to the coordinator.

export { GroupCoordinator, type GroupCoordinatorOptions } from './coordinator.ts';
export * from './api.ts';
export { InMemoryOffsetStore, type OffsetCommitEntry, type OffsetRecord, type OffsetStore } from './offset-store.ts';
export {
  consumerProtocolType,
  consumerProtocolVersionMax,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Assignment,
  type DecodeResult,
  type Subscription,
  type TopicPartitions,
} from './consumer-protocol.ts';
export {
  assign,
  assignorNames,
  computeAssignments,
  isAssignorName,
  rangeAssign,
  roundRobinAssign,
  type AssignorMember,
  type AssignorName,
  type GroupAssignment,
  type PartitionCountFn,
  type ServerAssignmentResult,
} from './assignors.ts';
export { groupLimits } from './limits.ts';
