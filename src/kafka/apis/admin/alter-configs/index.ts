// AlterConfigs (key 33), v0–v2: the handler, shared by every version; each version's wire layout is
// in ./v<N>.ts. Kafka's legacy semantics: the configs given *replace* the topic's overrides (every
// other key returns to its default; a null value means the default). Broker configs are read-only
// here; a resource named twice, or a config named twice in one resource, is INVALID_REQUEST.

import type { Broker } from '../../../../broker/broker.ts';
import { applyTopicConfig, topicConfigDefaults, topicConfigKeys } from '../../../../broker/topic-config.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { alterableTopic, alterEach, itemError, KafkaRefusal, NO_ERROR, type AlterResult, type ItemError } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';

export interface AlterConfigsResource {
  type: number;
  name: string;
  configs: { name: string; value: string | null }[];
}

export interface AlterConfigsRequest {
  resources: AlterConfigsResource[];
  validateOnly: boolean;
}

export type AlterConfigsResponse = AlterResult[];

async function replaceOne(broker: Broker, res: AlterConfigsResource, validateOnly: boolean): Promise<ItemError> {
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

export const alterConfigs = defineApi<AlterConfigsRequest, AlterConfigsResponse>({
  key: 33,
  name: 'AlterConfigs',
  versions: { 0: v0, 1: v1, 2: v2 },
  handle(req, ctx) {
    return alterEach(req.resources, (res) => replaceOne(ctx.broker, res, req.validateOnly));
  },
});
