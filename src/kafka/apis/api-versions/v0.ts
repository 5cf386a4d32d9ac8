// ApiVersions v0 (key 18).
// Request: (empty)
// Response: error_code int16, api_keys [api_key int16, min_version int16, max_version int16]

import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ApiVersionRange, ApiVersionsRequest, ApiVersionsResponse } from './index.ts';

export const flexible = false;

export function decodeRequest(): ApiVersionsRequest {
  return { clientSoftwareName: null, clientSoftwareVersion: null };
}

export function writeApiKey(w: KafkaWriter, a: ApiVersionRange): void {
  w.int16(a.key).int16(a.minVersion).int16(a.maxVersion);
}

export function encodeResponse(w: KafkaWriter, res: ApiVersionsResponse): void {
  w.int16(0); // error_code
  w.array(res.apis, (a) => writeApiKey(w, a));
}
