// DescribeConfigs v4 (key 32), the first flexible version (KIP-482: compact strings and arrays, a
// tagged-field section ending every structure).
// Request: resources [resource_type, resource_name, configuration_keys, tags], include_synonyms,
//   include_documentation, tags
// Response: throttle_time_ms, results [error_code, error_message, resource_type, resource_name,
//   configs [name, value, read_only, config_source, is_sensitive, synonyms [name, value, source,
//   tags], config_type, documentation, tags], tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from './index.ts';
import { readResources, writeResults } from './v0.ts';
import { writeConfig } from './v3.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): DescribeConfigsRequest {
  const resources = readResources(r, () => r.tags());
  const includeSynonyms = r.bool();
  const includeDocumentation = r.bool();
  r.tags();
  return { resources, includeSynonyms, includeDocumentation };
}

export function encodeResponse(w: KafkaWriter, res: DescribeConfigsResponse): void {
  const tags = () => w.tags();
  writeResults(w, res, (c) => writeConfig(w, c, res, tags), tags);
}
