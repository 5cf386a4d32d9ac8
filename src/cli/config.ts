// `eddy start` settings from three places, later ones winning: an optional JSON config file
// (--config FILE or EDDY_CONFIG), EDDY_* environment variables, then command-line flags.

import { readFileSync } from 'node:fs';
import { parseFsyncPolicy } from '../broker/topic-config.ts';
import type { StartBrokerOptions } from '../server.ts';

export interface StartSettings {
  dataDir: string;
  host: string;
  httpPort: number;
  kafkaPort: number;
  /** host:port Metadata advertises (Kafka's advertised.listeners); '' = the listener's own. */
  kafkaAdvertised: string;
  fsync: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  freeBytesFloor: number;
}

export const startDefaults: StartSettings = {
  dataDir: './.eddy',
  host: '127.0.0.1',
  httpPort: 8092,
  kafkaPort: 9092,
  kafkaAdvertised: '',
  fsync: 'always',
  autoCreateTopics: true,
  defaultPartitions: 1,
  freeBytesFloor: 64 * 1024 * 1024,
};

const envNames: Record<keyof StartSettings, string> = {
  dataDir: 'EDDY_DATA_DIR',
  host: 'EDDY_HOST',
  httpPort: 'EDDY_HTTP_PORT',
  kafkaPort: 'EDDY_KAFKA_PORT',
  kafkaAdvertised: 'EDDY_KAFKA_ADVERTISED',
  fsync: 'EDDY_FSYNC',
  autoCreateTopics: 'EDDY_AUTO_CREATE_TOPICS',
  defaultPartitions: 'EDDY_DEFAULT_PARTITIONS',
  freeBytesFloor: 'EDDY_FREE_BYTES_FLOOR',
};

export class UsageError extends Error {}

function coerce(key: keyof StartSettings, raw: unknown, where: string): StartSettings[keyof StartSettings] {
  const d = startDefaults[key];
  if (typeof d === 'number') {
    const n = typeof raw === 'number' ? raw : Number(String(raw));
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${where}: ${key} must be a non-negative integer, got "${String(raw)}"`);
    if ((key === 'httpPort' || key === 'kafkaPort') && n > 65535) throw new UsageError(`${where}: ${key} must be a port number`);
    return n;
  }
  if (typeof d === 'boolean') {
    const s = String(raw);
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    throw new UsageError(`${where}: ${key} must be true or false`);
  }
  if (typeof raw !== 'string' || raw.length === 0) throw new UsageError(`${where}: ${key} must be a non-empty string`);
  return raw;
}

export function resolveStartSettings(flags: Partial<Record<keyof StartSettings, string>>, env: NodeJS.ProcessEnv, configPath?: string): StartSettings {
  const s: StartSettings = { ...startDefaults };
  const set = (key: keyof StartSettings, raw: unknown, where: string) => {
    (s as unknown as Record<string, unknown>)[key] = coerce(key, raw, where);
  };
  const file = configPath ?? env.EDDY_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`config file ${file} must hold a JSON object`);
    for (const [k, v] of Object.entries(parsed)) {
      if (!(k in startDefaults)) throw new UsageError(`config file ${file}: unknown setting "${k}" (known: ${Object.keys(startDefaults).join(', ')})`);
      set(k as keyof StartSettings, v, `config file ${file}`);
    }
  }
  for (const [k, name] of Object.entries(envNames)) {
    const v = env[name];
    if (v !== undefined && v !== '') set(k as keyof StartSettings, v, name);
  }
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) set(k as keyof StartSettings, v, `--${k}`);
  try {
    parseFsyncPolicy(s.fsync);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (s.kafkaAdvertised !== '') advertised(s.kafkaAdvertised);
  return s;
}

/** `host:port` (a bracketed IPv6 host allowed) of kafkaAdvertised. */
function advertised(raw: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) throw new UsageError(`kafkaAdvertised must be host:port, got "${raw.slice(0, 80)}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function toStartOptions(s: StartSettings): StartBrokerOptions {
  const adv = s.kafkaAdvertised === '' ? null : advertised(s.kafkaAdvertised);
  return {
    dataDir: s.dataDir,
    host: s.host,
    http: { port: s.httpPort },
    kafka: { port: s.kafkaPort, ...(adv ? { advertisedHost: adv.host, advertisedPort: adv.port } : {}) },
    fsync: parseFsyncPolicy(s.fsync),
    autoCreateTopics: s.autoCreateTopics,
    defaultPartitions: s.defaultPartitions,
    freeBytesFloor: s.freeBytesFloor,
  };
}
