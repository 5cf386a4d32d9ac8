// AlterConfigs (key 33), v0–v2; flexible from v2. Request: resources [resource_type int8,
// resource_name, configs [name, value nullable]], validate_only bool. Response: throttle_time_ms,
// responses [error_code, error_message nullable, resource_type int8, resource_name]. Kafka's legacy
// semantics: the configs given *replace* the topic's overrides (every other key returns to its
// default; a null value means the default). Broker configs are read-only here.

import type { Broker } from '../../../broker/broker.ts';
import { applyTopicConfig, topicConfigDefaults, topicConfigKeys } from '../../../broker/topic-config.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import { itemError, KafkaRefusal, NO_ERROR, refuseInternal, ResourceType, type ItemError } from './common.ts';

export interface AlterResult {
  type: number;
  name: string;
  error: ItemError;
}

interface Resource {
  type: number;
  name: string;
  configs: { name: string; value: string | null }[];
}

interface Req {
  resources: Resource[];
  validateOnly: boolean;
}

/** The response shape AlterConfigs and IncrementalAlterConfigs share. */
export function encodeAlterResults(w: KafkaWriter, results: readonly AlterResult[]): void {
  w.int32(0);
  w.array(results, (r) => {
    w.int16(r.error.code).nullableString(r.error.message).int8(r.type).string(r.name);
    w.tags();
  });
  w.tags();
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

async function replaceOne(broker: Broker, res: Resource, validateOnly: boolean): Promise<ItemError> {
  try {
    alterableTopic(broker, res.type, res.name);
    const given = new Map<string, string | null>();
    for (const c of res.configs) {
      if (given.has(c.name)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `config ${c.name} is given twice`);
      given.set(c.name, c.value);
    }
    const overrides = Object.fromEntries([...given].filter((e): e is [string, string] => e[1] !== null));
    applyTopicConfig(topicConfigDefaults, overrides); // refuses unknown keys and bad values (INVALID_CONFIG)
    if (validateOnly) return NO_ERROR;
    const changes: Record<string, string | null> = Object.fromEntries(topicConfigKeys.map((k) => [k, null]));
    await broker.alterTopicConfig(res.name, { ...changes, ...overrides });
    return NO_ERROR;
  } catch (e) {
    return itemError(e);
  }
}

/** Both alter APIs: resources [type int8, name, configs [entry, tags], tags], validate_only, tags. */
export function decodeAlterRequest<C>(r: KafkaReader, readEntry: () => C, entryBytesMin: number): { resources: { type: number; name: string; configs: C[] }[]; validateOnly: boolean } {
  const resources = r.array(() => {
    const type = r.int8();
    const name = r.string();
    const configs = r.array(() => {
      const c = readEntry();
      r.tags();
      return c;
    }, entryBytesMin);
    r.tags();
    return { type, name, configs };
  }, 4);
  const validateOnly = r.bool();
  r.tags();
  return { resources, validateOnly };
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

export const alterConfigs = defineLegacyApi<Req, AlterResult[]>({
  key: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  decode(r) {
    return decodeAlterRequest(r, () => ({ name: r.string(), value: r.nullableString() }), 2);
  },
  handle(req, ctx) {
    return alterEach(req.resources, (res) => replaceOne(ctx.broker, res, req.validateOnly));
  },
  encode(w, res) {
    encodeAlterResults(w, res);
  },
});
