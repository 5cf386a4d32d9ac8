// DescribeConfigs v3 (key 32).
// Request: as v2, then include_documentation bool
// Response: as v2 with two fields after each config's synonyms: configs [name, value, read_only,
//   config_source, is_sensitive, synonyms [name, value, source], config_type int8,
//   documentation nullable_string]
// documentation is null unless the request asked for it.

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { untagged, type ConfigEntry, type StructEnd } from '../common.ts';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from './index.ts';
import { writeResults } from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';

export const flexible = false;

export function decodeRequest(r: KafkaReader): DescribeConfigsRequest {
  const req = v2.decodeRequest(r);
  return { ...req, includeDocumentation: r.bool() };
}

/** One config as v3 lays it out; `end` closes each synonym (the tags of flexible versions). */
export function writeConfig(w: KafkaWriter, c: ConfigEntry, res: DescribeConfigsResponse, end: StructEnd): void {
  v1.writeConfig(w, c, res.includeSynonyms, end);
  w.int8(c.type).nullableString(res.includeDocumentation ? c.documentation : null);
}

export function encodeResponse(w: KafkaWriter, res: DescribeConfigsResponse): void {
  writeResults(w, res, (c) => writeConfig(w, c, res, untagged), untagged);
}
