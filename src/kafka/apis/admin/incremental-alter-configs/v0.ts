// IncrementalAlterConfigs v0 (key 44).
// Request: resources [resource_type int8, resource_name string, configs [name string,
//   config_operation int8, value nullable_string]], validate_only bool
// Response: throttle_time_ms int32, responses [error_code int16, error_message nullable_string,
//   resource_type int8, resource_name string]
// config_operation: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT (ConfigOperation in ./index.ts).

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readAlterRequest, untagged, writeAlterResponse } from '../common.ts';
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './index.ts';

export const flexible = false;

/** One entry of a resource's configs: name, config_operation, value. */
export function readConfig(r: KafkaReader): { name: string; op: number; value: string | null } {
  return { name: r.string(), op: r.int8(), value: r.nullableString() };
}

export function decodeRequest(r: KafkaReader): IncrementalAlterConfigsRequest {
  return readAlterRequest(r, () => readConfig(r), 3, untagged);
}

export function encodeResponse(w: KafkaWriter, res: IncrementalAlterConfigsResponse): void {
  writeAlterResponse(w, res, untagged);
}
