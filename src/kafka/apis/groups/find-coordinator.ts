// FindCoordinator (key 10), v0–v4; flexible from v3. Request: key (v0–v3), key_type int8 (v1+; 0 group,
// 1 transaction), coordinator_keys [string] (v4+). Response: throttle_time_ms (v1+); v0–v3: error_code,
// error_message (v1+, nullable), node_id, host, port; v4+: coordinators [key, node_id, host, port,
// error_code, error_message]. This listener coordinates every group; Eddy has no transaction
// coordinator, so key_type 1 answers COORDINATOR_NOT_AVAILABLE (retriable, as a broker without one).

import { defineLegacyApi, KafkaError, type KafkaContext } from '../../api.ts';
import { readStrings } from './common.ts';

const KeyType = { Group: 0, Transaction: 1 } as const;

interface Req {
  keyType: number;
  keys: string[];
}

interface Coordinator {
  key: string;
  error: number;
  message: string | null;
  nodeId: number;
  host: string;
  port: number;
}

function coordinatorFor(key: string, keyType: number, advertised: KafkaContext['advertised']): Coordinator {
  if (keyType === KeyType.Group) return { key, error: KafkaError.NONE, message: null, ...advertised };
  const [error, message] =
    keyType === KeyType.Transaction
      ? [KafkaError.COORDINATOR_NOT_AVAILABLE, 'Eddy has no transaction coordinator']
      : [KafkaError.INVALID_REQUEST, `unknown key_type ${keyType}`];
  return { key, error, message, nodeId: -1, host: '', port: -1 };
}

export const findCoordinator = defineLegacyApi<Req, Coordinator[]>({
  key: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  decode(r, version) {
    const key = version <= 3 ? r.string() : '';
    const keyType = version >= 1 ? r.int8() : KeyType.Group;
    const keys = version >= 4 ? readStrings(r) : [key];
    r.tags();
    return { keyType, keys };
  },
  async handle(req, ctx) {
    return req.keys.map((key) => coordinatorFor(key, req.keyType, ctx.advertised));
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    if (version >= 4) {
      w.array(res, (c) => {
        w.string(c.key).int32(c.nodeId).string(c.host).int32(c.port).int16(c.error).nullableString(c.message);
        w.tags();
      });
    } else {
      const c = res[0]!;
      w.int16(c.error);
      if (version >= 1) w.nullableString(c.message);
      w.int32(c.nodeId).string(c.host).int32(c.port);
    }
    w.tags();
  },
});
