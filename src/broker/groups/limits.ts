// Named limits of the group coordinator and the consumer-protocol codec, units last, each with the
// reason for its number. Kafka leaves several of these unbounded; a single-node broker bounds them so
// memory stays bounded whatever clients send.

import { limits } from '../../limits.ts';

export const groupLimits = {
  /** Groups held in memory (members or committed offsets). Bounds coordinator memory. */
  groupsMax: 100_000,
  /** Default group.max.size: Kafka's is unbounded; 1000 members is far above one node's use. */
  membersPerGroupDefault: 1000,
  /** Protocols offered by one member: clients offer 1 to 3; 64 bounds the vote tally. */
  protocolsPerMemberMax: 64,
  /** Kafka's offset.metadata.max.bytes default. */
  offsetMetadataBytesMax: 4096,
  /** Kafka's NewMemberJoinTimeoutMs: a new member whose join never completes is dropped after this. */
  newMemberJoinTimeoutMs: 5 * 60 * 1000,
  /** Rebalance timeouts arrive as int32; Kafka Streams used Integer.MAX_VALUE. Also Node's timer max. */
  rebalanceTimeoutMsMax: 2_147_483_647,
  /** Topics in one subscription or assignment: a consumer cannot name more topics than exist. */
  protocolTopicsMax: limits.topicsMax,
  /** Topic names inside the consumer protocol: Kafka's name limit. */
  protocolTopicNameBytesMax: limits.topicNameLengthMax,
  /** Partitions per topic inside the consumer protocol. */
  protocolPartitionsPerTopicMax: limits.partitionsMax,
  /** Assignor user data: Kafka Streams' is tens of KiB; 1 MiB leaves room and bounds allocation. */
  protocolUserDataBytesMax: 1024 * 1024,
  /** Rack ids are short labels (broker.rack / client.rack). */
  protocolRackIdBytesMax: 1024,
} as const;
