// The operator's re-drive tool: reads a group's dead letters over the broker's HTTP API (what
// `curl $EDDY/v1/topics/OrderPlaced.dlq/partitions/0/events?offset=earliest` shows), prints why each
// one died, and republishes it — to the re-drive topic only that group reads — once the cause is fixed.
import { createEventBus, DlqHeaders, fromWireRecord, type Envelope } from '../../src/client/index.ts'; // in your app: from 'eddy'
import { OrderPlacedRedrive, type Order } from './events.ts';

interface EventView {
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string | null>;
}

export interface DeadLetter {
  partition: number;
  offset: number;
  envelope: Envelope;
  reason: string;
  attempts: number;
  subscription: string;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every dead letter of `topic`'s dead-letter topic, oldest first. */
export async function readDeadLetters(httpUrl: string, topic: string): Promise<DeadLetter[]> {
  const dlq = `${topic}.dlq`;
  const res = await fetch(`${httpUrl}/v1/topics/${encodeURIComponent(dlq)}`);
  if (res.status === 404) return []; // nothing was ever dead-lettered
  const { partitions } = (await res.json()) as { partitions: { partition: number }[] };
  const out: DeadLetter[] = [];
  for (const { partition } of partitions) {
    const { events } = await getJson<{ events: EventView[] }>(`${httpUrl}/v1/topics/${encodeURIComponent(dlq)}/partitions/${partition}/events?offset=earliest&limit=1000`);
    for (const e of events) {
      out.push({
        partition,
        offset: e.offset,
        envelope: fromWireRecord({ key: e.key, headers: e.headers, value: e.value }), // the original CloudEvent, unchanged
        reason: e.headers[DlqHeaders.reason] ?? '',
        attempts: Number(e.headers[DlqHeaders.attempts] ?? 0),
        subscription: e.headers[DlqHeaders.subscription] ?? '',
      });
    }
  }
  return out;
}

/**
 * Republishes email-service's OrderPlaced dead letters to its re-drive topic. The new event keeps
 * the original's correlation id and names the dead letter as its cause. Returns the re-driven ids.
 */
export async function redriveEmailDeadLetters(transport: `eddy://${string}`, letters: readonly DeadLetter[]): Promise<string[]> {
  const ops = await createEventBus({ source: 'ops-redrive', transport });
  try {
    const ids: string[] = [];
    for (const d of letters) {
      if (d.subscription !== 'email-service.OrderPlaced') continue; // another group's dead letter
      const order = d.envelope.data as Order; // validated again by publish
      const { id } = await ops.publish(OrderPlacedRedrive, order, {
        ...(d.envelope.correlationid ? { correlationId: d.envelope.correlationid } : {}),
        causationId: d.envelope.id,
      });
      console.log(`[ops] re-drove ${order.orderId}: dead letter ${d.envelope.id} -> ${OrderPlacedRedrive.topic} as ${id}`);
      ids.push(id);
    }
    return ids;
  } finally {
    await ops.close();
  }
}
