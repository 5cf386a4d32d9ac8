// The `eddy` transport: a remote Eddy broker over its HTTP API. Publishes CloudEvents batches
// (`application/cloudevents-batch+json`), maps each (group, topic) onto a broker subscription — so
// redelivery, backoff and dead letters run server-side and survive a consumer crash — and pulls with
// long polls. `embedded` starts a broker in this process (port 0) and talks to it the same way.

import { startBroker, type RunningBroker } from '../server.ts';
import { systemClock, type Clock } from '../log/clock.ts';
import { EddyError, ErrorCodes, type ErrorCode } from '../errors.ts';
import { limits } from '../limits.ts';
import { toStructured, type WireRecord } from './envelope.ts';
import { nackReasonLengthMax, type Delivery, type OutgoingEvent, type SubscriptionSpec, type Transport, type TransportSubscription } from './transport.ts';

interface EventView {
  key: string | null;
  value: unknown;
  valueEncoding?: 'base64';
  headers: Record<string, string | null>;
}

/** Ack ids per request: the broker takes 10,000; smaller requests keep latency flat. */
const ackIdsPerRequestMax = 1_000;

function wire(e: EventView): WireRecord {
  return { key: e.key, headers: e.headers, value: e.value, ...(e.valueEncoding ? { valueEncoding: e.valueEncoding } : {}) };
}

export class EddyHttpTransport implements Transport {
  readonly name = 'eddy';
  readonly clock: Clock;
  readonly url: string;
  readonly #topics = new Set<string>();
  readonly #onClose: (() => Promise<void>) | null;

  constructor(options: { url: string; clock?: Clock; onClose?: () => Promise<void> }) {
    this.url = options.url.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.#onClose = options.onClose ?? null;
  }

  async #call<T>(method: string, path: string, body?: unknown, o: { contentType?: string; okCodes?: readonly ErrorCode[] } = {}): Promise<T | null> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': o.contentType ?? 'application/json' } }),
      });
    } catch (e) {
      throw new EddyError('sdk.transport_failed', `${method} ${path}: ${e instanceof Error ? e.message : String(e)}`, { url: this.url });
    }
    const text = await res.text();
    const json: unknown = text.length > 0 ? JSON.parse(text) : null;
    if (res.ok) return json as T;
    const code = typeof json === 'object' && json !== null ? (json as { code?: unknown }).code : undefined;
    if (typeof code === 'string' && code in ErrorCodes) {
      if (o.okCodes?.includes(code as ErrorCode)) return null;
      throw new EddyError(code as ErrorCode, `${method} ${path}: ${(json as { detail?: string }).detail ?? res.statusText}`);
    }
    throw new EddyError('sdk.transport_failed', `${method} ${path}: HTTP ${res.status}`, { status: res.status });
  }

  async #ensureTopic(topic: string): Promise<void> {
    if (this.#topics.has(topic)) return;
    await this.#call('POST', '/v1/topics', { name: topic }, { okCodes: ['topic.already_exists'] });
    this.#topics.add(topic);
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    const byTopic = new Map<string, Record<string, unknown>[]>();
    for (const e of events) {
      let list = byTopic.get(e.topic);
      if (!list) byTopic.set(e.topic, (list = []));
      list.push(toStructured(e.envelope));
    }
    for (const [topic, list] of byTopic) {
      await this.#ensureTopic(topic);
      for (let i = 0; i < list.length; i += limits.httpEventsPerRequestMax) {
        await this.#call('POST', `/v1/topics/${encodeURIComponent(topic)}/events`, list.slice(i, i + limits.httpEventsPerRequestMax), { contentType: 'application/cloudevents-batch+json' });
      }
    }
  }

  async subscribe(spec: SubscriptionSpec): Promise<TransportSubscription> {
    await this.#ensureTopic(spec.topic);
    if (spec.deadLetterTopic) await this.#ensureTopic(spec.deadLetterTopic);
    await this.#call(
      'POST',
      '/v1/subscriptions',
      {
        name: spec.name,
        topic: spec.topic,
        ackDeadlineMs: spec.ackDeadlineMs,
        maxDeliveryAttempts: spec.maxDeliveryAttempts,
        ...(spec.deadLetterTopic ? { deadLetterTopic: spec.deadLetterTopic } : {}),
        backoff: spec.backoff,
        ordered: spec.ordered,
      },
      { okCodes: ['subscription.already_exists'] },
    );
    const base = `/v1/subscriptions/${encodeURIComponent(spec.name)}`;
    return {
      pull: async (o) => {
        // No abort: a pull answered while we hang up would leave its messages leased until their
        // deadline. The long poll is bounded by waitMs instead.
        const r = await this.#call<{ messages: { ackId: string; deliveryAttempt: number; event: EventView }[] }>('POST', `${base}/pull`, { max: o.max, waitMs: o.waitMs });
        return (r?.messages ?? []).map((m): Delivery => ({ ackId: m.ackId, attempt: m.deliveryAttempt, record: wire(m.event) }));
      },
      ack: async (ids) => {
        for (let i = 0; i < ids.length; i += ackIdsPerRequestMax) await this.#call('POST', `${base}/ack`, { ackIds: ids.slice(i, i + ackIdsPerRequestMax) });
      },
      nack: async (id, o) => {
        await this.#call('POST', `${base}/nack`, { ackIds: [id], delayMs: Math.round(o.delayMs), reason: o.reason.slice(0, nackReasonLengthMax) || 'failed' });
      },
      close: async () => {},
    };
  }

  async read(topic: string, options: { max: number }): Promise<WireRecord[]> {
    const d = await this.#call<{ partitions: { partition: number }[] }>('GET', `/v1/topics/${encodeURIComponent(topic)}`, undefined, { okCodes: ['topic.not_found'] });
    const out: WireRecord[] = [];
    for (const p of d?.partitions ?? []) {
      const r = await this.#call<{ events: EventView[] }>('GET', `/v1/topics/${encodeURIComponent(topic)}/partitions/${p.partition}/events?offset=earliest&limit=${Math.max(1, options.max - out.length)}`);
      for (const e of r?.events ?? []) out.push(wire(e));
      if (out.length >= options.max) break;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#onClose?.();
  }
}

/** An in-process broker on an ephemeral port, closed with the transport. */
export async function startEmbeddedTransport(options: { dataDir: string; clock?: Clock }): Promise<EddyHttpTransport & { broker: RunningBroker }> {
  const broker = await startBroker({ dataDir: options.dataDir, http: { port: 0 } });
  const t = new EddyHttpTransport({ url: broker.http.url, ...(options.clock ? { clock: options.clock } : {}), onClose: () => broker.close() });
  return Object.assign(t, { broker });
}

/** `eddy://host:port` (or http(s)://) -> the broker's HTTP base URL. */
export function eddyUrl(uri: string): string {
  if (uri.startsWith('eddy://')) return `http://${uri.slice('eddy://'.length)}`;
  if (/^https?:\/\//.test(uri)) return uri;
  throw new EddyError('sdk.invalid_options', `transport "${uri}" is not memory, eddy://host:port or http(s)://`);
}
