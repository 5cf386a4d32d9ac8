// DescribeConfigs (key 32), v0–v4: the handler, shared by every version; each version's wire layout
// is in ./v<N>.ts. Topics (type 2) report every config with its default; the broker (type 4, name ""
// or our node id) a few read-only settings; other resource types are INVALID_REQUEST. Null or empty
// configuration_keys means all. The response carries what the request asked to include (synonyms,
// documentation), so an encoder needs nothing else.

import type { Broker } from '../../../../broker/broker.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { brokerConfigEntries, itemError, KafkaRefusal, NO_ERROR, ResourceType, topicConfigEntries, type ConfigEntry, type ItemError } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';

export interface DescribedResource {
  type: number;
  name: string;
  /** Null: every config. */
  keys: string[] | null;
}

export interface DescribeConfigsRequest {
  resources: DescribedResource[];
  /** False where the version cannot ask for them. */
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export interface DescribeConfigsResult {
  type: number;
  name: string;
  error: ItemError;
  configs: ConfigEntry[];
}

export interface DescribeConfigsResponse {
  results: DescribeConfigsResult[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

function entriesOf(broker: Broker, nodeId: number, res: DescribedResource): ConfigEntry[] {
  if (res.type === ResourceType.TOPIC) return topicConfigEntries(broker, broker.describeTopic(res.name).config);
  if (res.type === ResourceType.BROKER) {
    if (res.name !== '' && res.name !== String(nodeId)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `unexpected broker id "${res.name}": this broker is ${nodeId}`);
    return brokerConfigEntries(broker, nodeId);
  }
  throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `resource type ${res.type} is not supported (topic = 2, broker = 4)`);
}

export const describeConfigs = defineApi<DescribeConfigsRequest, DescribeConfigsResponse>({
  key: 32,
  name: 'DescribeConfigs',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 },
  async handle(req, ctx) {
    const results = req.resources.map((res): DescribeConfigsResult => {
      try {
        const all = entriesOf(ctx.broker, ctx.advertised.nodeId, res);
        const wanted = res.keys === null || res.keys.length === 0 ? null : new Set(res.keys);
        return { type: res.type, name: res.name, error: NO_ERROR, configs: wanted ? all.filter((c) => wanted.has(c.name)) : all };
      } catch (e) {
        return { type: res.type, name: res.name, error: itemError(e), configs: [] };
      }
    });
    return { results, includeSynonyms: req.includeSynonyms, includeDocumentation: req.includeDocumentation };
  },
});
