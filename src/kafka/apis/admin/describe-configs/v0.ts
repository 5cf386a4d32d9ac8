// DescribeConfigs v0 (key 32).
// Request: resources [resource_type int8, resource_name string, configuration_keys nullable [string]]
// Response: throttle_time_ms int32, results [error_code int16, error_message nullable_string,
//   resource_type int8, resource_name string, configs [name string, value nullable_string,
//   read_only bool, is_default bool, is_sensitive bool]]

import type { KafkaReader } from '../../../protocol/reader.ts';
import type { KafkaWriter } from '../../../protocol/writer.ts';
import { untagged, type ConfigEntry, type StructEnd } from '../common.ts';
import type { DescribeConfigsRequest, DescribeConfigsResponse, DescribedResource } from './index.ts';

export const flexible = false;

/** The resources array of every version; `end` closes each structure (the tags of flexible versions). */
export function readResources(r: KafkaReader, end: StructEnd): DescribedResource[] {
  return r.array(() => {
    const type = r.int8();
    const name = r.string();
    const keys = r.nullableArray(() => r.string(), 1);
    end();
    return { type, name, keys };
  }, 4);
}

/** The response of every version, each config written by `writeConfig`; `end` closes each structure. */
export function writeResults(w: KafkaWriter, res: DescribeConfigsResponse, writeConfig: (c: ConfigEntry) => void, end: StructEnd): void {
  w.int32(0);
  w.array(res.results, (r) => {
    w.int16(r.error.code).nullableString(r.error.message).int8(r.type).string(r.name);
    w.array(r.configs, (c) => {
      writeConfig(c);
      end();
    });
    end();
  });
  end();
}

export function decodeRequest(r: KafkaReader): DescribeConfigsRequest {
  return { resources: readResources(r, untagged), includeSynonyms: false, includeDocumentation: false };
}

export function encodeResponse(w: KafkaWriter, res: DescribeConfigsResponse): void {
  writeResults(w, res, (c) => w.string(c.name).nullableString(c.value).bool(c.readOnly).bool(c.isDefault).bool(c.sensitive), untagged);
}
