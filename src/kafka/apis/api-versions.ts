// ApiVersions (key 18), v0–v3. Request v0–v2: empty; v3 (flexible): client_software_name,
// client_software_version, tags. Response (header v0 always, KIP-511): error_code int16,
// api_keys [api_key int16, min_version int16, max_version int16, tags(v3)], throttle_time_ms int32
// (v1+), tags (v3). The registry is the single source of what is advertised.

import { defineLegacyApi } from '../api.ts';
import { kafkaApis } from '../registry.ts';

interface Req {
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

export const apiVersions = defineLegacyApi<Req, null>({
  key: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  decode(r, version) {
    if (version < 3) return { clientSoftwareName: null, clientSoftwareVersion: null };
    const clientSoftwareName = r.string();
    const clientSoftwareVersion = r.string();
    r.tags();
    return { clientSoftwareName, clientSoftwareVersion };
  },
  async handle() {
    return null;
  },
  encode(w, _res, version) {
    w.int16(0);
    const apis = [...kafkaApis].sort((a, b) => a.key - b.key);
    w.array(apis, (a) => {
      w.int16(a.key).int16(a.minVersion).int16(a.maxVersion);
      w.tags();
    });
    if (version >= 1) w.int32(0);
    w.tags();
  },
});
