// CreatePartitions (key 37), v0–v3: the handler, shared by every version; each version's wire layout
// is in ./v<N>.ts. count is the new total: one not above the current count is INVALID_PARTITIONS;
// manual assignments are refused (single node: INVALID_REQUEST); a topic named twice is refused on
// each entry. The change is synchronous, so timeout_ms is read and not used.

import type { Broker } from '../../../../broker/broker.ts';
import { validatePartitionCount } from '../../../../broker/topic-config.ts';
import { EddyError } from '../../../../errors.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { duplicates, invalidRequest, itemError, KafkaRefusal, NO_ERROR, refuseInternal, type ItemError } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';

export interface GrownTopic {
  name: string;
  count: number;
  /** True when the request gave (non-null) manual assignments. */
  assigned: boolean;
}

export interface CreatePartitionsRequest {
  topics: GrownTopic[];
  validateOnly: boolean;
}

export interface CreatePartitionsResult {
  name: string;
  error: ItemError;
}

export type CreatePartitionsResponse = CreatePartitionsResult[];

async function growOne(broker: Broker, t: GrownTopic, validateOnly: boolean): Promise<ItemError> {
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

export const createPartitions = defineApi<CreatePartitionsRequest, CreatePartitionsResponse>({
  key: 37,
  name: 'CreatePartitions',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3 },
  async handle(req, ctx) {
    const dup = duplicates(req.topics.map((t) => t.name));
    const out: CreatePartitionsResult[] = [];
    for (const t of req.topics) {
      out.push({ name: t.name, error: dup.has(t.name) ? invalidRequest(`topic "${t.name}" appears more than once`) : await growOne(ctx.broker, t, req.validateOnly) });
    }
    return out;
  },
});
