// IncrementalAlterConfigs (key 44), v0–v1: the handler, shared by every version; each version's wire
// layout is in ./v<N>.ts. Only the named keys change. APPEND / SUBTRACT apply to list configs only
// (cleanup.policy), to the current value (override or default); elsewhere, an unknown operation or a
// null SET value: INVALID_REQUEST. Every key and value is checked before anything changes.

import type { Broker } from '../../../../broker/broker.ts';
import { applyTopicConfig, topicConfigDefaults, topicConfigKeys } from '../../../../broker/topic-config.ts';
import { EddyError } from '../../../../errors.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { alterableTopic, alterEach, itemError, KafkaRefusal, listConfigs, NO_ERROR, type AlterResult, type ItemError } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

const known: ReadonlySet<string> = new Set(topicConfigKeys);

export interface IncrementalAlterResource {
  type: number;
  name: string;
  configs: { name: string; op: number; value: string | null }[];
}

export interface IncrementalAlterConfigsRequest {
  resources: IncrementalAlterResource[];
  validateOnly: boolean;
}

function listOf(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The change one operation makes: a new value, or null to remove the override. */
function change(op: number, key: string, value: string | null, current: string | undefined): string | null {
  if (op === ConfigOperation.DELETE) return null;
  if (op !== ConfigOperation.SET && op !== ConfigOperation.APPEND && op !== ConfigOperation.SUBTRACT) {
    throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `unknown config operation ${op} for ${key}`);
  }
  if (value === null) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `config ${key}: a null value is only allowed with DELETE`);
  if (op === ConfigOperation.SET) return value;
  if (!listConfigs.has(key)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `config ${key} is not a list: APPEND and SUBTRACT do not apply`);
  const items = listOf(current);
  const operand = listOf(value);
  const next = op === ConfigOperation.APPEND ? [...items, ...operand.filter((v) => !items.includes(v))] : items.filter((v) => !operand.includes(v));
  return next.join(',');
}

async function alterOne(broker: Broker, res: IncrementalAlterResource, validateOnly: boolean): Promise<ItemError> {
  try {
    alterableTopic(broker, res.type, res.name);
    const current = broker.describeTopic(res.name).config;
    const changes = new Map<string, string | null>();
    for (const c of res.configs) {
      if (changes.has(c.name)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `config ${c.name} is given twice`);
      changes.set(c.name, change(c.op, c.name, c.value, Object.hasOwn(current, c.name) ? current[c.name] : undefined));
    }
    const set = Object.fromEntries([...changes].filter((e): e is [string, string] => e[1] !== null));
    const deleted = [...changes.keys()].filter((k) => changes.get(k) === null);
    // Every key (a DELETE's included) and value is checked before anything changes.
    for (const k of deleted) if (!known.has(k)) throw new EddyError('topic.invalid_config', `unknown topic config "${k}"`);
    applyTopicConfig(topicConfigDefaults, set);
    if (validateOnly) return NO_ERROR;
    await broker.alterTopicConfig(res.name, Object.fromEntries(changes));
    return NO_ERROR;
  } catch (e) {
    return itemError(e);
  }
}

export type IncrementalAlterConfigsResponse = AlterResult[];

export const incrementalAlterConfigs = defineApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  key: 44,
  name: 'IncrementalAlterConfigs',
  versions: { 0: v0, 1: v1 },
  handle(req, ctx) {
    return alterEach(req.resources, (res) => alterOne(ctx.broker, res, req.validateOnly));
  },
});
