// IncrementalAlterConfigs (key 44), v0–v1; flexible from v1. Request: resources [resource_type int8,
// resource_name, configs [name, config_operation int8 (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT), value
// nullable]], validate_only bool. Response: throttle_time_ms, responses [error_code, error_message
// nullable, resource_type int8, resource_name]. Only the named keys change. APPEND / SUBTRACT apply to
// list configs only (cleanup.policy), to the current value (override or default); elsewhere, an
// unknown operation or a null SET value: INVALID_REQUEST.

import type { Broker } from '../../../broker/broker.ts';
import { applyTopicConfig, topicConfigDefaults, topicConfigKeys } from '../../../broker/topic-config.ts';
import { EddyError } from '../../../errors.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import { alterableTopic, alterEach, decodeAlterRequest, encodeAlterResults, type AlterResult } from './alter-configs.ts';
import { itemError, KafkaRefusal, listConfigs, NO_ERROR, type ItemError } from './common.ts';

export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

const known: ReadonlySet<string> = new Set(topicConfigKeys);

interface Resource {
  type: number;
  name: string;
  configs: { name: string; op: number; value: string | null }[];
}

interface Req {
  resources: Resource[];
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

async function alterOne(broker: Broker, res: Resource, validateOnly: boolean): Promise<ItemError> {
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

export const incrementalAlterConfigs = defineLegacyApi<Req, AlterResult[]>({
  key: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  decode(r) {
    return decodeAlterRequest(r, () => ({ name: r.string(), op: r.int8(), value: r.nullableString() }), 3);
  },
  handle(req, ctx) {
    return alterEach(req.resources, (res) => alterOne(ctx.broker, res, req.validateOnly));
  },
  encode(w, res) {
    encodeAlterResults(w, res);
  },
});
