// ApiVersions v3 (key 18), the first flexible version (KIP-482: compact strings and arrays, tagged
// fields); the client names its software (KIP-511).
// Request: client_software_name compact_string, client_software_version compact_string, tags
// Response: error_code int16, api_keys [api_key int16, min_version int16, max_version int16, tags],
//   throttle_time_ms int32, tags
// The response carries none of the optional tagged fields (features, finalized features).

import type { KafkaReader } from '../../protocol/reader.ts';
import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ApiVersionsRequest, ApiVersionsResponse } from './index.ts';
import { writeApiKey } from './v0.ts';

export const flexible = true;

export function decodeRequest(r: KafkaReader): ApiVersionsRequest {
  const clientSoftwareName = r.string();
  const clientSoftwareVersion = r.string();
  r.tags();
  return { clientSoftwareName, clientSoftwareVersion };
}

export function encodeResponse(w: KafkaWriter, res: ApiVersionsResponse): void {
  w.int16(0); // error_code
  w.array(res.apis, (a) => {
    writeApiKey(w, a);
    w.tags();
  });
  w.int32(0); // throttle_time_ms
  w.tags();
}
