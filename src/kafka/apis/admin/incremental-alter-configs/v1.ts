// IncrementalAlterConfigs v1 (key 44), the first flexible version (KIP-482: compact strings and
// arrays, a tagged-field section ending every structure).
// Request: resources [resource_type, resource_name, configs [name, config_operation, value, tags],
//   tags], validate_only, tags
// Response: throttle_time_ms, responses [error_code, error_message, resource_type, resource_name,
//   tags], tags

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readAlterRequest, writeAlterResponse } from '../common.ts';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './index.ts';
import { readConfig } from './v0.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): IncrementalAlterConfigsRequest {
  return readAlterRequest(r, () => readConfig(r), 3, () => r.tags());
}

export function encodeResponse(w: KafkaWriter, res: IncrementalAlterConfigsResponse): void {
  writeAlterResponse(w, res, () => w.tags());
}
