// DescribeConfigs v1 (key 32).
// Request: resources [resource_type int8, resource_name string, configuration_keys nullable [string]],
//   include_synonyms bool
// Response: throttle_time_ms int32, results [error_code int16, error_message nullable_string,
//   resource_type int8, resource_name string, configs [name string, value nullable_string,
//   read_only bool, config_source int8, is_sensitive bool, synonyms [name string,
//   value nullable_string, source int8]]]
// synonyms is empty unless the request asked for them.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { untagged, type ConfigEntry, type StructEnd } from '../common.ts';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from './index.ts';
import * as v0 from './v0.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): DescribeConfigsRequest {
  const req = v0.decodeRequest(r);
  return { ...req, includeSynonyms: r.bool() };
}

/** One config as v1 lays it out; `end` closes each synonym (the tags of flexible versions). */
export function writeConfig(w: KafkaWriter, c: ConfigEntry, includeSynonyms: boolean, end: StructEnd): void {
  w.string(c.name).nullableString(c.value).bool(c.readOnly).int8(c.source).bool(c.sensitive);
  w.array(includeSynonyms ? c.synonyms : [], (s) => {
    w.string(s.name).nullableString(s.value).int8(s.source);
    end();
  });
}

export function encodeResponse(w: KafkaWriter, res: DescribeConfigsResponse): void {
  v0.writeResults(w, res, (c) => writeConfig(w, c, res.includeSynonyms, untagged), untagged);
}
