// Topic names and configuration: Kafka's names and validation rules, plus Eddy's `fsync.policy`.
// A config is parsed from string values (as Kafka's CreateTopics / AlterConfigs carry them) into
// typed values, every value checked against its limits; unknown keys are refused.

import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import type { FsyncPolicy } from '../log/partition-log.ts';

export const INTERNAL_TOPIC_PREFIX = '__';

/** Kafka's rule: [a-zA-Z0-9._-], 1..249 characters, not "." or "..". */
export function validateTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw new EddyError('topic.invalid_name', 'topic name must be a non-empty string');
  if (name.length > limits.topicNameLengthMax) throw new EddyError('topic.invalid_name', `topic name is longer than ${limits.topicNameLengthMax} characters`);
  if (name === '.' || name === '..') throw new EddyError('topic.invalid_name', `topic name cannot be "${name}"`);
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new EddyError('topic.invalid_name', `topic name "${name}" may contain only ASCII letters, digits, '.', '_' and '-'`);
}

export function isInternalTopic(name: string): boolean {
  return name.startsWith(INTERNAL_TOPIC_PREFIX);
}

export interface TopicConfig {
  'retention.ms': number;
  'retention.bytes': number;
  'cleanup.policy': 'delete' | 'compact';
  'max.message.bytes': number;
  'segment.bytes': number;
  'segment.ms': number;
  'delete.retention.ms': number;
  /** null: the broker's policy. */
  'fsync.policy': FsyncPolicy | null;
}

export const topicConfigDefaults: TopicConfig = {
  'retention.ms': 7 * 24 * 3600 * 1000,
  'retention.bytes': -1,
  'cleanup.policy': 'delete',
  'max.message.bytes': limits.messageBytesDefault,
  'segment.bytes': limits.segmentBytesDefault,
  'segment.ms': 7 * 24 * 3600 * 1000,
  'delete.retention.ms': 24 * 3600 * 1000,
  'fsync.policy': null,
};

export const topicConfigKeys = Object.keys(topicConfigDefaults) as (keyof TopicConfig)[];

export function parseFsyncPolicy(value: string): FsyncPolicy {
  if (value === 'always') return { kind: 'always' };
  if (value === 'never') return { kind: 'never' };
  const m = /^interval:(\d{1,9})$/.exec(value);
  if (m && Number(m[1]) >= 1) return { kind: 'interval', intervalMs: Number(m[1]) };
  throw new EddyError('topic.invalid_config', `fsync policy must be always, never or interval:<ms>, got "${value}"`);
}

export function formatFsyncPolicy(p: FsyncPolicy): string {
  return p.kind === 'interval' ? `interval:${p.intervalMs}` : p.kind;
}

function parseInt64(key: string, value: string | number, min: number, max: number): number {
  const n = typeof value === 'number' ? value : /^-?\d{1,16}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new EddyError('topic.invalid_config', `${key} must be an integer in [${min}, ${max}], got "${value}"`);
  return n;
}

/** Applies string (or number) overrides to `base`; refuses unknown keys and bad values. */
export function applyTopicConfig(base: TopicConfig, overrides: Record<string, unknown>): TopicConfig {
  const out: TopicConfig = { ...base };
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === null || raw === undefined) continue;
    if (typeof raw !== 'string' && typeof raw !== 'number') throw new EddyError('topic.invalid_config', `${key} must be a string or number`);
    const value = String(raw);
    switch (key) {
      case 'retention.ms':
      case 'retention.bytes':
        out[key] = parseInt64(key, raw, -1, Number.MAX_SAFE_INTEGER);
        break;
      case 'delete.retention.ms':
      case 'segment.ms':
        out[key] = parseInt64(key, raw, 1, Number.MAX_SAFE_INTEGER);
        break;
      case 'max.message.bytes':
        out[key] = parseInt64(key, raw, 128, limits.batchBytesMax);
        break;
      case 'segment.bytes':
        out[key] = parseInt64(key, raw, limits.segmentBytesMin, 2 ** 31 - 1);
        break;
      case 'cleanup.policy':
        if (value !== 'delete' && value !== 'compact') throw new EddyError('topic.invalid_config', `cleanup.policy must be delete or compact, got "${value}"`);
        out[key] = value;
        break;
      case 'fsync.policy':
        out[key] = parseFsyncPolicy(value);
        break;
      default:
        throw new EddyError('topic.invalid_config', `unknown topic config "${key}"; known: ${topicConfigKeys.join(', ')}`);
    }
  }
  return out;
}

/** The config as strings (Kafka's DescribeConfigs / the HTTP API's view). */
export function topicConfigToStrings(c: TopicConfig, brokerFsync: FsyncPolicy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of topicConfigKeys) {
    const v = c[k];
    out[k] = k === 'fsync.policy' ? formatFsyncPolicy((v as FsyncPolicy | null) ?? brokerFsync) : String(v);
  }
  return out;
}

export function validatePartitionCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > limits.partitionsMax) {
    throw new EddyError('topic.invalid_partitions', `partitions must be an integer in [1, ${limits.partitionsMax}]`);
  }
  return n;
}
