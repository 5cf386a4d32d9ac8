// CreatePartitions (key 37), v0–v3; flexible from v2. Request: topics [name, count int32 (the new
// total), assignments nullable [broker_ids [int32]]], timeout_ms int32, validate_only bool.
// Response: throttle_time_ms, results [name, error_code, error_message nullable]. A count not above
// the current one is INVALID_PARTITIONS; manual assignments are refused (single node: INVALID_REQUEST).

import type { Broker } from '../../../broker/broker.ts';
import { validatePartitionCount } from '../../../broker/topic-config.ts';
import { EddyError } from '../../../errors.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import { duplicates, invalidRequest, itemError, KafkaRefusal, NO_ERROR, refuseInternal, type ItemError } from './common.ts';

interface Topic {
  name: string;
  count: number;
  assigned: boolean;
}

interface Req {
  topics: Topic[];
  validateOnly: boolean;
}

interface Result {
  name: string;
  error: ItemError;
}

async function growOne(broker: Broker, t: Topic, validateOnly: boolean): Promise<ItemError> {
  try {
    refuseInternal(t.name);
    if (t.assigned) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, 'manual replica assignments are not supported: Eddy is a single node');
    const current = broker.partitionCount(t.name);
    validatePartitionCount(t.count);
    if (t.count <= current) throw new EddyError('topic.invalid_partitions', `topic "${t.name}" has ${current} partitions; the new count must be larger`);
    if (!validateOnly) await broker.createPartitions(t.name, t.count);
    return NO_ERROR;
  } catch (e) {
    return itemError(e);
  }
}

export const createPartitions = defineLegacyApi<Req, Result[]>({
  key: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  decode(r) {
    const topics = r.array(() => {
      const name = r.string();
      const count = r.int32();
      const assignments = r.nullableArray(() => {
        r.array(() => r.int32(), 4);
        r.tags();
      }, 1);
      r.tags();
      return { name, count, assigned: assignments !== null };
    }, 6);
    r.int32(); // timeout_ms: synchronous
    const validateOnly = r.bool();
    r.tags();
    return { topics, validateOnly };
  },
  async handle(req, ctx) {
    const dup = duplicates(req.topics.map((t) => t.name));
    const out: Result[] = [];
    for (const t of req.topics) {
      out.push({ name: t.name, error: dup.has(t.name) ? invalidRequest(`topic "${t.name}" appears more than once`) : await growOne(ctx.broker, t, req.validateOnly) });
    }
    return out;
  },
  encode(w, res) {
    w.int32(0);
    w.array(res, (t) => {
      w.string(t.name).int16(t.error.code).nullableString(t.error.message);
      w.tags();
    });
    w.tags();
  },
});
