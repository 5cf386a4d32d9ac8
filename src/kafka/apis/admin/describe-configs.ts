// DescribeConfigs (key 32), v0–v4; flexible from v4. Request: resources [resource_type int8,
// resource_name, configuration_keys nullable [string] (null = all)], include_synonyms bool (v1+),
// include_documentation bool (v3+). Response: throttle_time_ms, results [error_code, error_message
// nullable, resource_type int8, resource_name, configs [name, value nullable, read_only, is_default
// (v0 only), config_source int8 (v1+), is_sensitive, synonyms [name, value nullable, source int8]
// (v1+), config_type int8 (v3+), documentation nullable (v3+)]]. Topics (type 2) report every
// config with its default; the broker (type 4, name "" or our node id) a few read-only settings.

import type { Broker } from '../../../broker/broker.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import { brokerConfigEntries, itemError, KafkaRefusal, NO_ERROR, ResourceType, topicConfigEntries, type ConfigEntry, type ItemError } from './common.ts';

interface Resource {
  type: number;
  name: string;
  keys: string[] | null;
}

interface Req {
  resources: Resource[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

interface Result {
  type: number;
  name: string;
  error: ItemError;
  configs: ConfigEntry[];
}

interface Res {
  results: Result[];
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

function entriesOf(broker: Broker, nodeId: number, res: Resource): ConfigEntry[] {
  if (res.type === ResourceType.TOPIC) return topicConfigEntries(broker, broker.describeTopic(res.name).config);
  if (res.type === ResourceType.BROKER) {
    if (res.name !== '' && res.name !== String(nodeId)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `unexpected broker id "${res.name}": this broker is ${nodeId}`);
    return brokerConfigEntries(broker, nodeId);
  }
  throw new KafkaRefusal(KafkaError.INVALID_REQUEST, `resource type ${res.type} is not supported (topic = 2, broker = 4)`);
}

export const describeConfigs = defineLegacyApi<Req, Res>({
  key: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  decode(r, version) {
    const resources = r.array(() => {
      const type = r.int8();
      const name = r.string();
      const keys = r.nullableArray(() => r.string(), 1);
      r.tags();
      return { type, name, keys };
    }, 4);
    const includeSynonyms = version >= 1 ? r.bool() : false;
    const includeDocumentation = version >= 3 ? r.bool() : false;
    r.tags();
    return { resources, includeSynonyms, includeDocumentation };
  },
  async handle(req, ctx) {
    const results = req.resources.map((res): Result => {
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
  encode(w, res, version) {
    w.int32(0);
    w.array(res.results, (r) => {
      w.int16(r.error.code).nullableString(r.error.message).int8(r.type).string(r.name);
      w.array(r.configs, (c) => {
        w.string(c.name).nullableString(c.value).bool(c.readOnly);
        if (version === 0) w.bool(c.isDefault);
        else w.int8(c.source);
        w.bool(c.sensitive);
        if (version >= 1) {
          w.array(res.includeSynonyms ? c.synonyms : [], (s) => {
            w.string(s.name).nullableString(s.value).int8(s.source);
            w.tags();
          });
        }
        if (version >= 3) w.int8(c.type).nullableString(res.includeDocumentation ? c.documentation : null);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
});
