// CreateTopics (key 19), v0–v7: the handler, shared by every version; each version's wire layout is
// in ./v<N>.ts. num_partitions -1 means the broker's num.partitions; replication factor -1 or 1 only
// (single node); manual replica assignments are refused (INVALID_REQUEST). Creation is synchronous,
// so timeout_ms is read and not used. A topic named twice is refused on each entry.

import { EddyError } from '../../../../errors.ts';
import type { Broker } from '../../../../broker/broker.ts';
import { applyTopicConfig, topicConfigDefaults, topicConfigToStrings, validatePartitionCount, validateTopicName } from '../../../../broker/topic-config.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { topicId } from '../../metadata/topic-id.ts';
import { duplicates, invalidRequest, itemError, KafkaRefusal, NO_ERROR, refuseInternal, topicConfigEntries, ZERO_UUID, type ConfigEntry, type ItemError } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';
import * as v7 from './v7.ts';

export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  /** How many manual assignments were given (any is refused). */
  assignments: number;
  configs: { name: string; value: string | null }[];
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  validateOnly: boolean;
}

export interface CreateTopicResult {
  name: string;
  id: Uint8Array;
  error: ItemError;
  numPartitions: number;
  replicationFactor: number;
  configs: ConfigEntry[];
}

export type CreateTopicsResponse = CreateTopicResult[];

/** Everything Broker.createTopic would refuse, checked without creating anything. */
function check(broker: Broker, t: CreatableTopic): { partitions: number; overrides: Record<string, string> } {
  validateTopicName(t.name);
  refuseInternal(t.name);
  if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
    throw new KafkaRefusal(KafkaError.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor}: Eddy is a single node (use -1 or 1)`);
  }
  if (t.assignments > 0) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, 'manual replica assignments are not supported: Eddy is a single node');
  const partitions = validatePartitionCount(t.numPartitions === -1 ? broker.defaultPartitions : t.numPartitions);
  const given = new Map<string, string>();
  for (const c of t.configs) {
    if (c.value === null) throw new EddyError('topic.invalid_config', `config ${c.name} has a null value`);
    if (given.has(c.name)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `config ${c.name} is given twice`);
    given.set(c.name, c.value);
  }
  const overrides = Object.fromEntries(given); // own properties even for a name like "__proto__"
  applyTopicConfig(topicConfigDefaults, overrides);
  if (broker.hasTopic(t.name)) throw new EddyError('topic.already_exists', `topic "${t.name}" already exists`);
  return { partitions, overrides };
}

async function createOne(broker: Broker, t: CreatableTopic, validateOnly: boolean): Promise<CreateTopicResult> {
  try {
    const { partitions, overrides } = check(broker, t);
    if (validateOnly) {
      const config = topicConfigToStrings(applyTopicConfig(topicConfigDefaults, overrides), broker.fsync);
      return { name: t.name, id: ZERO_UUID, error: NO_ERROR, numPartitions: partitions, replicationFactor: 1, configs: topicConfigEntries(broker, config) };
    }
    const d = await broker.createTopic(t.name, { partitions, config: overrides });
    return { name: t.name, id: topicId(t.name, d.createdMs), error: NO_ERROR, numPartitions: d.partitions.length, replicationFactor: 1, configs: topicConfigEntries(broker, d.config) };
  } catch (e) {
    return { name: t.name, id: ZERO_UUID, error: itemError(e), numPartitions: -1, replicationFactor: -1, configs: [] };
  }
}

export const createTopics = defineApi<CreateTopicsRequest, CreateTopicsResponse>({
  key: 19,
  name: 'CreateTopics',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7 },
  async handle(req, ctx) {
    const dup = duplicates(req.topics.map((t) => t.name));
    const out: CreateTopicResult[] = [];
    for (const t of req.topics) {
      if (dup.has(t.name)) out.push({ name: t.name, id: ZERO_UUID, error: invalidRequest(`topic "${t.name}" appears more than once`), numPartitions: -1, replicationFactor: -1, configs: [] });
      else out.push(await createOne(ctx.broker, t, req.validateOnly));
    }
    return out;
  },
});
