// FindCoordinator (key 10), v0–v4: the handler; each version's wire layout is in ./v<N>.ts.
// This listener coordinates every group; Eddy has no transaction coordinator, so key_type 1 answers
// COORDINATOR_NOT_AVAILABLE (retriable, as a broker without one).

import { defineApi, KafkaError, type KafkaContext } from '../../../api.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';

/** key_type values. */
export const KeyType = { Group: 0, Transaction: 1 } as const;

export interface FindCoordinatorRequest {
  keyType: number;
  keys: string[];
}

export interface Coordinator {
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

export const findCoordinator = defineApi<FindCoordinatorRequest, Coordinator[]>({
  key: 10,
  name: 'FindCoordinator',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 },
  async handle(req, ctx) {
    return req.keys.map((key) => coordinatorFor(key, req.keyType, ctx.advertised));
  },
});
