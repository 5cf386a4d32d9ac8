// What the admin API modules share: Kafka's config resource types, config sources and config types,
// the topic and broker config entries DescribeConfigs / CreateTopics report, the mapping of a thrown
// error to a per-item (error_code, error_message), what AlterConfigs and IncrementalAlterConfigs have
// in common, and `StructEnd`, which lets a flexible version reuse a classic version's layout. Eddy is
// a single node with replication factor 1; internal topics ("__…") are never changed through the
// admin APIs.

import { EddyError } from '../../../errors.ts';
import { limits } from '../../../limits.ts';
import type { Broker } from '../../../broker/broker.ts';
import { formatFsyncPolicy, isInternalTopic, topicConfigDefaults, topicConfigKeys, topicConfigToStrings } from '../../../broker/topic-config.ts';
import { KafkaError } from '../../api.ts';
import { kafkaErrorCode } from '../../errors.ts';
import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';

/** Kafka error codes the admin APIs use beyond KafkaError in api.ts. */
export const AdminError = {
  ...KafkaError,
  INVALID_REPLICA_ASSIGNMENT: 39,
  UNKNOWN_TOPIC_ID: 100,
} as const;

/** ConfigResource.Type on the wire. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

/** DescribeConfigs config_source (v1+). */
export const ConfigSource = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

/** DescribeConfigs config_type (v3+). */
export const ConfigType = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;

/** Configs whose value is a comma-separated list (IncrementalAlterConfigs APPEND / SUBTRACT apply). */
export const listConfigs: ReadonlySet<string> = new Set(['cleanup.policy']);

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  source: number;
  sensitive: boolean;
  type: number;
  documentation: string;
  /** DescribeConfigs v1+ with include_synonyms: the value from each source, most specific first. */
  synonyms: { name: string; value: string | null; source: number }[];
}

const topicConfigInfo: Record<string, { type: number; documentation: string }> = {
  'retention.ms': { type: ConfigType.LONG, documentation: 'Closed segments older than this are deleted (-1: keep forever).' },
  'retention.bytes': { type: ConfigType.LONG, documentation: 'Closed segments are deleted while the partition is larger than this (-1: no limit).' },
  'cleanup.policy': { type: ConfigType.LIST, documentation: 'delete (retention) or compact (newest record per key).' },
  'max.message.bytes': { type: ConfigType.INT, documentation: 'Largest record batch accepted.' },
  'segment.bytes': { type: ConfigType.INT, documentation: 'A segment rolls when it would grow past this size.' },
  'segment.ms': { type: ConfigType.LONG, documentation: 'A segment rolls when its first append is older than this.' },
  'delete.retention.ms': { type: ConfigType.LONG, documentation: 'Compaction removes tombstones older than this.' },
  'fsync.policy': { type: ConfigType.STRING, documentation: "Eddy: when appends are fdatasync'ed: always, never or interval:<ms>." },
};

/** The default value of every topic config, as strings (fsync.policy: the broker's policy). */
export function topicConfigDefaultStrings(broker: Broker): Record<string, string> {
  return topicConfigToStrings(topicConfigDefaults, broker.fsync);
}

/**
 * The entries of a topic config (the strings of Broker.describeTopic().config). A value equal to the
 * default is reported as the default (Eddy does not expose which keys were set explicitly).
 */
export function topicConfigEntries(broker: Broker, config: Record<string, string>): ConfigEntry[] {
  const defaults = topicConfigDefaultStrings(broker);
  return topicConfigKeys.map((name) => {
    const value = config[name] ?? defaults[name] ?? null;
    const isDefault = value === defaults[name];
    const source = isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG;
    const synonyms = [{ name, value, source }];
    if (!isDefault) synonyms.push({ name, value: defaults[name] ?? null, source: ConfigSource.DEFAULT_CONFIG });
    const info = topicConfigInfo[name] ?? { type: ConfigType.UNKNOWN, documentation: '' };
    return { name, value, readOnly: false, isDefault, source, sensitive: false, type: info.type, documentation: info.documentation, synonyms };
  });
}

/** The broker resource: a few of its settings, read-only (they are fixed at start). */
export function brokerConfigEntries(broker: Broker, nodeId: number): ConfigEntry[] {
  const entry = (name: string, value: string, type: number, documentation: string): ConfigEntry => ({
    name,
    value,
    readOnly: true,
    isDefault: false,
    source: ConfigSource.STATIC_BROKER_CONFIG,
    sensitive: false,
    type,
    documentation,
    synonyms: [{ name, value, source: ConfigSource.STATIC_BROKER_CONFIG }],
  });
  return [
    entry('broker.id', String(nodeId), ConfigType.INT, 'The node id of this (single) broker.'),
    entry('num.partitions', String(broker.defaultPartitions), ConfigType.INT, 'Partitions of an auto-created topic or of CreateTopics with num_partitions -1.'),
    entry('auto.create.topics.enable', String(broker.autoCreateTopics), ConfigType.BOOLEAN, 'Metadata and Produce create unknown topics.'),
    entry('default.replication.factor', '1', ConfigType.INT, 'Eddy is a single node: every partition has one replica.'),
    entry('message.max.bytes', String(limits.messageBytesDefault), ConfigType.INT, 'Default max.message.bytes of a topic.'),
    entry('log.segment.bytes', String(limits.segmentBytesDefault), ConfigType.INT, 'Default segment.bytes of a topic.'),
    entry('fsync.policy', formatFsyncPolicy(broker.fsync), ConfigType.STRING, "Eddy: the broker's default fsync policy."),
  ];
}

/** Throws topic.internal for "__…" topics (Eddy's own metadata and offsets). */
export function refuseInternal(name: string): void {
  if (isInternalTopic(name)) throw new EddyError('topic.internal', `topic "${name}" is internal to Eddy and cannot be changed`);
}

/** Error messages echo request values (up to 32 KiB strings); a short one always fits an int16 length. */
const errorMessageCharsMax = 1000;

export interface ItemError {
  code: number;
  message: string | null;
}

export const NO_ERROR: ItemError = { code: KafkaError.NONE, message: null };

/** A refusal of the Kafka front end itself, with the Kafka error code to answer (not a Broker error). */
export class KafkaRefusal extends Error {
  readonly kafkaCode: number;
  constructor(kafkaCode: number, message: string) {
    super(message);
    this.name = 'KafkaRefusal';
    this.kafkaCode = kafkaCode;
  }
}

/** A per-item error from what was thrown (KafkaRefusal or EddyError: its Kafka code; anything else: -1). */
export function itemError(e: unknown): ItemError {
  const message = e instanceof Error ? e.message : String(e);
  const code = e instanceof KafkaRefusal ? e.kafkaCode : kafkaErrorCode(e);
  return { code, message: message.length > errorMessageCharsMax ? `${message.slice(0, errorMessageCharsMax)}…` : message };
}

export function invalidRequest(message: string): ItemError {
  return { code: KafkaError.INVALID_REQUEST, message };
}

/** Names that appear more than once (Kafka answers INVALID_REQUEST for each of them). */
export function duplicates(names: readonly (string | null)[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) {
    if (n === null) continue;
    if (seen.has(n)) dup.add(n);
    seen.add(n);
  }
  return dup;
}

/** The topic id of "no id" (a DeleteTopics entry named by name; a topic not created). */
import type { StructEnd } from '../../protocol/layout.ts';

export { untagged, ZERO_UUID, type StructEnd } from '../../protocol/layout.ts';

// ---- AlterConfigs and IncrementalAlterConfigs ----

/** One resource of either alter API's response. */
export interface AlterResult {
  type: number;
  name: string;
  error: ItemError;
}

/** Refuses what is not a topic; resolves the topic (throws topic.not_found / topic.internal). */
export function alterableTopic(broker: Broker, type: number, name: string): void {
  if (type === ResourceType.BROKER) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, 'broker configs are read-only in Eddy (set them at start)');
  if (type !== ResourceType.TOPIC) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `resource type ${type} is not supported (topic = 2)`);
  refuseInternal(name);
  broker.describeTopic(name);
}

/** Resources named twice in one request get INVALID_REQUEST (as Kafka answers). */
export function duplicateResources(resources: readonly { type: number; name: string }[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) {
    const k = `${r.type}\0${r.name}`;
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return dup;
}

/** Applies `alter` to each resource in order; a resource named twice fails with INVALID_REQUEST. */
export async function alterEach<R extends { type: number; name: string }>(resources: readonly R[], alter: (res: R) => Promise<ItemError>): Promise<AlterResult[]> {
  const dup = duplicateResources(resources);
  const out: AlterResult[] = [];
  for (const res of resources) {
    const error = dup.has(`${res.type}\0${res.name}`) ? { code: KafkaError.INVALID_REQUEST, message: `resource "${res.name}" appears more than once` } : await alter(res);
    out.push({ type: res.type, name: res.name, error });
  }
  return out;
}

/** The request of both alter APIs: resources [resource_type int8, resource_name, configs [entry]], validate_only. */
export function readAlterRequest<C>(r: KafkaReader, readEntry: () => C, entryBytesMin: number, end: StructEnd): { resources: { type: number; name: string; configs: C[] }[]; validateOnly: boolean } {
  const resources = r.array(() => {
    const type = r.int8();
    const name = r.string();
    const configs = r.array(() => {
      const c = readEntry();
      end();
      return c;
    }, entryBytesMin);
    end();
    return { type, name, configs };
  }, 4);
  const validateOnly = r.bool();
  end();
  return { resources, validateOnly };
}

/** The response of both alter APIs: throttle_time_ms, responses [error_code, error_message, resource_type, resource_name]. */
export function writeAlterResponse(w: KafkaWriter, results: readonly AlterResult[], end: StructEnd): void {
  w.int32(0);
  w.array(results, (r) => {
    w.int16(r.error.code).nullableString(r.error.message).int8(r.type).string(r.name);
    end();
  });
  end();
}
