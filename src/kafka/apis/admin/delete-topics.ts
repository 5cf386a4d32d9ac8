// DeleteTopics (key 20), v0–v6; flexible from v4. Request v0–v5: topic_names [string], timeout_ms
// int32; v6: topics [name nullable, topic_id uuid], timeout_ms int32. Response: throttle_time_ms
// (v1+), responses [name (nullable v6+), topic_id uuid (v6+), error_code, error_message nullable
// (v5+)]. Deletion takes effect at once; internal topics are refused (TOPIC_AUTHORIZATION_FAILED).
// A v6 entry names a topic by name or by id (the id Metadata v10+ reports), not both.

import type { Broker } from '../../../broker/broker.ts';
import { defineLegacyApi, KafkaError } from '../../api.ts';
import { topicId } from '../metadata.ts';
import { AdminError, itemError, KafkaRefusal, NO_ERROR, refuseInternal, type ItemError } from './common.ts';

interface Target {
  name: string | null;
  id: Uint8Array;
}

interface Result {
  name: string | null;
  id: Uint8Array;
  error: ItemError;
}

const ZERO_UUID = new Uint8Array(16);

function isZero(id: Uint8Array): boolean {
  return id.every((b) => b === 0);
}

function nameOfId(broker: Broker, id: Uint8Array): string {
  for (const t of broker.listTopics()) if (Buffer.compare(topicId(t.name, t.createdMs), id) === 0) return t.name;
  throw new KafkaRefusal(AdminError.UNKNOWN_TOPIC_ID, 'no topic has this id');
}

async function deleteOne(broker: Broker, t: Target): Promise<Result> {
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

export const deleteTopics = defineLegacyApi<Target[], Result[]>({
  key: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 4,
  decode(r, version) {
    let targets: Target[];
    if (version >= 6) {
      targets = r.array(() => {
        const t = { name: r.nullableString(), id: r.uuid() };
        r.tags();
        return t;
      }, 18);
    } else targets = r.array(() => ({ name: r.string(), id: ZERO_UUID }), 1);
    r.int32(); // timeout_ms: deletion is synchronous
    r.tags();
    return targets;
  },
  async handle(targets, ctx) {
    const out: Result[] = [];
    for (const t of targets) out.push(await deleteOne(ctx.broker, t));
    return out;
  },
  encode(w, res, version) {
    if (version >= 1) w.int32(0);
    w.array(res, (t) => {
      if (version >= 6) w.nullableString(t.name).uuid(t.id);
      else w.string(t.name ?? '');
      w.int16(t.error.code);
      if (version >= 5) w.nullableString(t.error.message);
      w.tags();
    });
    w.tags();
  },
});
