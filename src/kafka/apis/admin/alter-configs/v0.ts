// AlterConfigs v0 (key 33).
// Request: resources [resource_type int8, resource_name string, configs [name string,
//   value nullable_string]], validate_only bool
// Response: throttle_time_ms int32, responses [error_code int16, error_message nullable_string,
//   resource_type int8, resource_name string]

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { readAlterRequest, untagged, writeAlterResponse } from '../common.ts';
import type { AlterConfigsRequest, AlterConfigsResponse } from './index.ts';

export const flexible = false;

/** One entry of a resource's configs: name, value. */
export function readConfig(r: KafkaReader): { name: string; value: string | null } {
  return { name: r.string(), value: r.nullableString() };
}

export function decodeRequest(r: KafkaReader): AlterConfigsRequest {
  return readAlterRequest(r, () => readConfig(r), 2, untagged);
}

export function encodeResponse(w: KafkaWriter, res: AlterConfigsResponse): void {
  writeAlterResponse(w, res, untagged);
}
