// ApiVersions v1 (key 18).
// Request: (empty)
// Response: error_code int16, api_keys [api_key int16, min_version int16, max_version int16],
//   throttle_time_ms int32

import type { KafkaWriter } from '../../protocol/writer.ts';
import type { ApiVersionsResponse } from './index.ts';
import * as v0 from './v0.ts';

export { decodeRequest, flexible } from './v0.ts';

export function encodeResponse(w: KafkaWriter, res: ApiVersionsResponse): void {
  v0.encodeResponse(w, res);
  w.int32(0); // throttle_time_ms
}
