// CreateTopics (key 19), v0–v7; flexible from v5. Request: topics [name, num_partitions int32 (-1 =
// num.partitions), replication_factor int16 (-1 = default), assignments [partition_index int32,
// broker_ids [int32]], configs [name, value nullable]], timeout_ms int32, validate_only bool (v1+).
// Response: throttle_time_ms (v2+), topics [name, topic_id uuid (v7+), error_code, error_message
// nullable (v1+), num_partitions int32 (v5+), replication_factor int16 (v5+), configs nullable [name,
// value nullable, read_only, config_source int8, is_sensitive] (v5+)]. (v4 = v3 on the wire; v6 = v5.)
// Single node: replication factor -1 or 1 only; manual assignments are refused (INVALID_REQUEST).

import { EddyError } from '../../../errors.ts';
import type { Broker } from '../../../broker/broker.ts';
import { applyTopicConfig, topicConfigDefaults, topicConfigToStrings, validatePartitionCount, validateTopicName } from '../../../broker/topic-config.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import { topicId } from '../metadata.ts';
import { duplicates, invalidRequest, itemError, KafkaRefusal, NO_ERROR, refuseInternal, topicConfigEntries, type ConfigEntry, type ItemError } from './common.ts';

interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: number;
  configs: { name: string; value: string | null }[];
}

interface Req {
  topics: CreatableTopic[];
  validateOnly: boolean;
}

interface TopicResult {
  name: string;
  id: Uint8Array;
  error: ItemError;
  numPartitions: number;
  replicationFactor: number;
  configs: ConfigEntry[];
}

const ZERO_UUID = new Uint8Array(16);

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

async function createOne(broker: Broker, t: CreatableTopic, validateOnly: boolean): Promise<TopicResult> {
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

export const createTopics = defineLegacyApi<Req, TopicResult[]>({
  key: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  flexibleFrom: 5,
  decode(r, version) {
    const topics = r.array(() => {
      const name = r.string();
      const numPartitions = r.int32();
      const replicationFactor = r.int16();
      const assignments = r.array(() => {
        r.int32();
        r.array(() => r.int32(), 4);
        r.tags();
      }, 5).length;
      const configs = r.array(() => {
        const c = { name: r.string(), value: r.nullableString() };
        r.tags();
        return c;
      }, 2);
      r.tags();
      return { name, numPartitions, replicationFactor, assignments, configs };
    }, 9);
    r.int32(); // timeout_ms: creation is synchronous
    const validateOnly = version >= 1 ? r.bool() : false;
    r.tags();
    return { topics, validateOnly };
  },
  async handle(req, ctx) {
    const dup = duplicates(req.topics.map((t) => t.name));
    const out: TopicResult[] = [];
    for (const t of req.topics) {
      if (dup.has(t.name)) out.push({ name: t.name, id: ZERO_UUID, error: invalidRequest(`topic "${t.name}" appears more than once`), numPartitions: -1, replicationFactor: -1, configs: [] });
      else out.push(await createOne(ctx.broker, t, req.validateOnly));
    }
    return out;
  },
  encode(w, res, version) {
    if (version >= 2) w.int32(0);
    w.array(res, (t) => {
      w.string(t.name);
      if (version >= 7) w.uuid(t.id);
      w.int16(t.error.code);
      if (version >= 1) w.nullableString(t.error.message);
      if (version >= 5) {
        w.int32(t.numPartitions).int16(t.replicationFactor);
        w.array(t.configs, (c) => {
          w.string(c.name).nullableString(c.value).bool(c.readOnly).int8(c.source).bool(c.sensitive);
          w.tags();
        });
      }
      w.tags();
    });
    w.tags();
  },
});
