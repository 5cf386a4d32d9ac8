// ApiVersions (key 18), v0–v3: the handler; each version's wire layout is in ./v<N>.ts. The answer is
// the registry (src/kafka/registry.ts), the single source of what Eddy advertises, in key order.
// Two things live in connection.ts, not here: a request of an unsupported ApiVersions version is
// answered there with UNSUPPORTED_VERSION and the ranges (KIP-511), and every ApiVersions response
// goes out with response header v0, flexible version or not.

import { defineApi } from '../../api.ts';
import { kafkaApis } from '../../registry.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';

export interface ApiVersionsRequest {
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

/** One API's advertised range. */
export interface ApiVersionRange {
  key: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  apis: ApiVersionRange[];
}

export const apiVersions = defineApi<ApiVersionsRequest, ApiVersionsResponse>({
  key: 18,
  name: 'ApiVersions',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3 },
  // kafkaApis is read here, at request time: the registry lists this module, so it is not filled yet
  // when this module loads.
  async handle() {
    return { apis: [...kafkaApis].sort((a, b) => a.key - b.key) };
  },
});
