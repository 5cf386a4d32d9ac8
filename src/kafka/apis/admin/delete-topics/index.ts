// DeleteTopics (key 20), v0–v6: the handler, shared by every version; each version's wire layout is
// in ./v<N>.ts. Deletion takes effect at once (timeout_ms is read and not used); internal topics are
// refused (TOPIC_AUTHORIZATION_FAILED). An entry names a topic by name or, in the versions that carry
// topic ids, by the id Metadata reports, not both.

import type { Broker } from '../../../../broker/broker.ts';
import { defineApi, KafkaError } from '../../../api.ts';
import { topicId } from '../../metadata/topic-id.ts';
import { AdminError, itemError, KafkaRefusal, NO_ERROR, refuseInternal, ZERO_UUID, type ItemError } from '../common.ts';
import * as v0 from './v0.ts';
import * as v1 from './v1.ts';
import * as v2 from './v2.ts';
import * as v3 from './v3.ts';
import * as v4 from './v4.ts';
import * as v5 from './v5.ts';
import * as v6 from './v6.ts';

/** One topic to delete: a name (and a zero id), or a null name and a non-zero id. */
export interface DeleteTarget {
  name: string | null;
  id: Uint8Array;
}

export type DeleteTopicsRequest = DeleteTarget[];

export interface DeleteTopicResult {
  name: string | null;
  id: Uint8Array;
  error: ItemError;
}

export type DeleteTopicsResponse = DeleteTopicResult[];

function isZero(id: Uint8Array): boolean {
  return id.every((b) => b === 0);
}

function nameOfId(broker: Broker, id: Uint8Array): string {
  for (const t of broker.listTopics()) if (Buffer.compare(topicId(t.name, t.createdMs), id) === 0) return t.name;
  throw new KafkaRefusal(AdminError.UNKNOWN_TOPIC_ID, 'no topic has this id');
}

async function deleteOne(broker: Broker, t: DeleteTarget): Promise<DeleteTopicResult> {
  let name = t.name;
  let id = t.id;
  try {
    if (name !== null && !isZero(id)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, 'give a topic name or a topic id, not both');
    if (name === null) {
      if (isZero(id)) throw new KafkaRefusal(KafkaError.INVALID_REQUEST, 'neither a topic name nor a topic id');
      name = nameOfId(broker, id);
    }
    refuseInternal(name);
    const d = broker.describeTopic(name);
    id = topicId(name, d.createdMs);
    await broker.deleteTopic(name);
    return { name, id, error: NO_ERROR };
  } catch (e) {
    return { name, id, error: itemError(e) };
  }
}

export const deleteTopics = defineApi<DeleteTopicsRequest, DeleteTopicsResponse>({
  key: 20,
  name: 'DeleteTopics',
  versions: { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6 },
  async handle(targets, ctx) {
    const out: DeleteTopicResult[] = [];
    for (const t of targets) out.push(await deleteOne(ctx.broker, t));
    return out;
  },
});
