// The `eddy` transport: a remote Eddy broker over its HTTP and WebSocket API. Publishes CloudEvents
// over one WebSocket (binary `publish` frames on `GET /v1/ws`: each event as its Kafka record's
// fields, which the broker checks and stores as they are, or, delayed, the attributes as JSON with
// the data as bytes after them; pipelined, each answered once durable; `publishVia: 'http'` posts
// `application/cloudevents-batch+json` requests instead), maps
// each (group, topic) onto a broker subscription — so redelivery, backoff and dead letters run
// server-side and survive a consumer crash — and receives its messages over `GET /v1/ws` with
// credits, acking on the same socket (eddy-ws-subscription.ts; `delivery: 'http'` pulls with HTTP
// long polls and acks with requests instead). `embedded` starts a broker in this process (port 0)
// and talks to it the same way.
// Reconnect: a request that cannot reach the broker (connection refused/reset, HTTP 502/503/504, a
// dropped socket) is retried with bounded, jittered exponential backoff for up to
// `reconnect.giveUpMs` (ws-channel.ts for the sockets), so a broker restart pauses publishers and
// consumers instead of failing them. Publishes are safe to repeat (the broker stores a CloudEvent id
// once); acks of leases lost in the restart are ignored by the broker, which redelivers that unacked
// work — acked work is never redelivered.

import { coalesce } from './coalesce.ts';
import type { RunningBroker } from '../server.ts';
import { systemClock, type Clock } from '../log/clock.ts';
import { EddyError, ErrorCodes, type ErrorCode } from '../errors.ts';
import { limits } from '../limits.ts';
import { subscriptionLimits } from '../broker/subscriptions/limits.ts';
import { toStructured, type WireRecord } from './envelope.ts';
import { WsSubscription, type EventView } from './eddy-ws-subscription.ts';
import { HttpRequestError, KeepAliveHttpClient, type HttpAnswer } from './http-client.ts';
import { abortableSleep, backoffWaitMs, sharedAbortController } from './waits.ts';
import { retryStatuses, WsChannel } from './ws-channel.ts';
import { encodePublishFrame, RecordsFrameWriter, wsLimits } from '../http/ws-protocol.ts';
import { cloudEventFromJson } from '../http/events.ts';
import { nackReasonLengthMax, type Delivery, type OutgoingEvent, type SubscriptionSpec, type Transport, type TransportSubscription } from './transport.ts';

/** Ack ids per request: the broker takes 10,000; smaller requests keep latency flat. */
const ackIdsPerRequestMax = 1_000;

export interface ReconnectOptions {
  /** First wait after a failed request (default 50 ms). */
  initialMs?: number;
  /** Wait cap (default 2,000 ms). */
  maxMs?: number;
  /** Time after which a request that still cannot reach the broker fails with sdk.transport_failed (default 60 s; 0 = never retry). */
  giveUpMs?: number;
  /**
   * WebSockets (default 15,000 ms): one that has not opened within this time, or has received
   * nothing for this long after a ping, is cut and opened again — a broker that vanished without
   * closing the connection (power loss, a NAT or proxy that dropped it) is noticed within twice this.
   */
  heartbeatMs?: number;
}

/**
 * How subscriptions receive messages: `websocket` (default) — pushed over one socket per
 * subscription within credits, acks on the socket; `http` — long-poll pulls and ack requests (for
 * proxies that do not pass WebSockets).
 */
export type EddyDelivery = 'websocket' | 'http';

/**
 * How events are published: `websocket` (default) — `publish` messages on one socket, pipelined;
 * `http` — one `POST /v1/topics/{topic}/events` per batch (for proxies that do not pass WebSockets).
 */
export type EddyPublishVia = 'websocket' | 'http';

function wire(e: EventView): WireRecord {
  return { key: e.key, headers: e.headers, value: e.value, ...(e.valueEncoding ? { valueEncoding: e.valueEncoding } : {}) };
}

export class EddyHttpTransport implements Transport {
  readonly name = 'eddy';
  readonly clock: Clock;
  readonly url: string;
  readonly #topics = new Set<string>();
  readonly #onClose: (() => Promise<void>) | null;
  readonly #reconnect: Required<ReconnectOptions>;
  readonly #random: () => number;
  readonly #closing = sharedAbortController();
  readonly #delivery: EddyDelivery;
  readonly #open = new Set<WsSubscription>();
  readonly #http: KeepAliveHttpClient;
  readonly #publishVia: EddyPublishVia;
  /** The publishing socket, opened by the first publish. */
  #publisher: WsChannel | null = null;

  constructor(options: { url: string; clock?: Clock; onClose?: () => Promise<void>; reconnect?: ReconnectOptions; random?: () => number; delivery?: EddyDelivery; publishVia?: EddyPublishVia }) {
    this.url = options.url.replace(/\/+$/, '');
    this.#http = new KeepAliveHttpClient(this.url);
    this.#delivery = options.delivery ?? 'websocket';
    this.#publishVia = options.publishVia ?? 'websocket';
    this.clock = options.clock ?? systemClock;
    this.#onClose = options.onClose ?? null;
    const r = options.reconnect ?? {};
    this.#reconnect = { initialMs: r.initialMs ?? 50, maxMs: r.maxMs ?? 2_000, giveUpMs: r.giveUpMs ?? 60_000, heartbeatMs: r.heartbeatMs ?? 15_000 };
    this.#random = options.random ?? Math.random;
  }

  /** One request, retried with backoff while the broker is unreachable (see the header); `signal` ends the retrying early. */
  async #call<T>(method: string, path: string, body?: unknown, o: { contentType?: string; okCodes?: readonly ErrorCode[]; signal?: AbortSignal } = {}): Promise<T | null> {
    const giveUpAt = Date.now() + this.#reconnect.giveUpMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once<T>(method, path, body, o);
      } catch (e) {
        const retryable = e instanceof EddyError && e.code === 'sdk.transport_failed' && e.detail?.retryable === true;
        const stop = o.signal?.aborted === true || this.#closing.signal.aborted;
        if (!retryable || stop || Date.now() >= giveUpAt) throw e;
        await abortableSleep(backoffWaitMs(attempt, this.#reconnect, this.#random, giveUpAt), [o.signal, this.#closing.signal]);
      }
    }
  }

  async #once<T>(method: string, path: string, body: unknown, o: { contentType?: string; okCodes?: readonly ErrorCode[] }): Promise<T | null> {
    let res: HttpAnswer;
    try {
      res = await this.#http.request(this.url + path, method, body === undefined ? undefined : { text: JSON.stringify(body), contentType: o.contentType ?? 'application/json' });
    } catch (e) {
      // Unreachable or cut short: retried; an answer too large to be the broker's: not.
      const retryable = !(e instanceof HttpRequestError && e.stage === 'too_large');
      throw new EddyError('sdk.transport_failed', `${method} ${path}: ${e instanceof Error ? e.message : String(e)}`, { url: this.url, retryable });
    }
    const text = res.text;
    const ok = res.status >= 200 && res.status < 300;
    let json: unknown = null;
    try {
      json = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      if (ok) throw new EddyError('sdk.transport_failed', `${method} ${path}: response is not JSON`, { status: res.status });
    }
    if (ok) return json as T;
    if (retryStatuses.has(res.status)) throw new EddyError('sdk.transport_failed', `${method} ${path}: HTTP ${res.status}`, { status: res.status, retryable: true });
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
    const byTopic = new Map<string, OutgoingEvent[]>();
    for (const e of events) {
      let list = byTopic.get(e.topic);
      if (!list) byTopic.set(e.topic, (list = []));
      list.push(e);
    }
    for (const [topic, list] of byTopic) {
      await this.#ensureTopic(topic);
      if (this.#publishVia === 'websocket') {
        await this.#publishOverSocket(topic, list);
        continue;
      }
      for (let i = 0; i < list.length; i += limits.httpEventsPerRequestMax) await this.#publishOverHttp(topic, list.slice(i, i + limits.httpEventsPerRequestMax).map((e) => this.#structured(e, true)));
    }
  }

  /** The structured CloudEvent; delayed delivery as the extension attribute eddydelayms (relative, so clock skew does not matter). */
  #structured(e: OutgoingEvent, withData: boolean): Record<string, unknown> {
    const s = toStructured(e.envelope, withData);
    if (e.deliverAt !== undefined) s.eddydelayms = Math.max(0, Math.round(e.deliverAt - this.clock.now()));
    return s;
  }

  async #publishOverHttp(topic: string, events: readonly Record<string, unknown>[]): Promise<void> {
    await this.#call('POST', `/v1/topics/${encodeURIComponent(topic)}/events`, events, { contentType: 'application/cloudevents-batch+json' });
  }

  /**
   * Binary `publish` frames (ws-protocol.ts), pipelined, all sent at once (the broker appends them in
   * the order sent). An event due now travels as its record's fields, encoded here exactly as the
   * broker encodes a structured CloudEvent (the same cloudEventFromJson), which the broker checks and
   * stores as they are; a delayed event travels as its attributes in JSON with its data as bytes
   * after them (the broker consumes the delay attribute). One frame per run of events of one kind,
   * of at most httpEventsPerRequestMax events and one frame's bytes. A single event too large for a
   * frame goes over HTTP, whose body limit is larger — after the frames before it are answered and
   * before the ones after it are sent, so the batch keeps its order.
   */
  async #publishOverSocket(topic: string, list: readonly OutgoingEvent[]): Promise<void> {
    this.#publisher ??= new WsChannel({ url: `${this.url.replace(/^http/, 'ws')}/v1/ws`, reconnect: this.#reconnect, random: this.#random, closing: this.#closing.signal, what: 'publisher' });
    for (let from = 0; from < list.length; ) {
      const run = this.#sendFrames(this.#publisher, topic, list, from);
      if (run.invalid) {
        // Frames sent before the invalid event: their answers are not awaited, their failures handled.
        for (const p of run.sent) p.catch(() => {});
        throw run.invalid;
      }
      await Promise.all(run.sent);
      if (run.http) await this.#publishOverHttp(topic, [this.#structured(run.http, true)]);
      from = run.next;
    }
  }

  /**
   * Sends the frames of list[from..] up to the first event too large for a frame (returned as `http`,
   * with the index after it). Not `async`: what it builds the frames from is garbage once they are
   * sent, not kept (and promoted) while they wait for the broker's answer.
   */
  #sendFrames(channel: WsChannel, topic: string, list: readonly OutgoingEvent[], from: number): { sent: Promise<unknown>[]; http: OutgoingEvent | null; next: number; invalid?: unknown } {
    const head = `{"type":"publish","topic":${JSON.stringify(topic)},"ref":`;
    // Bytes of a frame besides its events: the length prefix, the header's fixed text, the ref.
    const frameOverhead = 4 + Buffer.byteLength(head) + 64;
    const sent: Promise<unknown>[] = [];
    // The frame being built: events due now as record fields, or delayed events as CloudEvents.
    const records = new RecordsFrameWriter(wsLimits.messageBytesMax);
    let cloudevents: { attributes: string[]; data: (string | null)[]; dataBytes: number[] } | null = null;
    let frameBytes = frameOverhead;
    const flush = () => {
      if (records.count > 0) sent.push(channel.requestFrame((ref) => records.take(`${head}${JSON.stringify(ref)}`)));
      if (cloudevents) {
        const c = cloudevents;
        sent.push(channel.requestFrame((ref) => encodePublishFrame(`${head}${JSON.stringify(ref)},"cloudevents":[${c.attributes.join(',')}],"dataBytes":[${c.dataBytes.join(',')}]}`, c.data, c.dataBytes)));
      }
      cloudevents = null;
      frameBytes = frameOverhead;
    };
    /**
     * Makes room for an event of `bytes` in a frame of its kind (`otherKind`: the frame being built
     * is of the other kind; `count`: events of its kind in it): sends the frame being built when the
     * event cannot join it. False when the event is too large for any frame.
     */
    const room = (bytes: number, otherKind: boolean, count: number): boolean => {
      if (otherKind || frameBytes + bytes > wsLimits.messageBytesMax || count === limits.httpEventsPerRequestMax) flush();
      return frameOverhead + bytes <= wsLimits.messageBytesMax;
    };
    for (let i = from; i < list.length; i++) {
      const e = list[i]!;
      const data = e.envelope.data === undefined ? null : JSON.stringify(e.envelope.data);
      if (e.deliverAt === undefined) {
        // Checked here as the broker checks a CloudEvent: a bad one fails the publish before its frame
        // is sent (frames of the events before it may have gone: as when the broker refuses a frame).
        let record;
        try {
          record = cloudEventFromJson(this.#structured(e, false), i, data ?? undefined);
        } catch (err) {
          return { sent, http: null, next: list.length, invalid: err };
        }
        const fieldsBytes = records.size(record);
        // Its fields, its length entry and a comma.
        const bytes = fieldsBytes + 10;
        if (!room(bytes, cloudevents !== null, records.count)) return { sent, http: e, next: i + 1 };
        records.add(record, fieldsBytes);
        frameBytes += bytes;
        continue;
      }
      const attributes = JSON.stringify(this.#structured(e, false));
      const dataBytes = data === null ? -1 : Buffer.byteLength(data);
      // Attributes and a comma, the dataBytes entry and a comma (at most 8 digits), the data.
      const bytes = Buffer.byteLength(attributes) + 10 + Math.max(0, dataBytes);
      if (!room(bytes, records.count > 0, cloudevents?.attributes.length ?? 0)) return { sent, http: e, next: i + 1 };
      cloudevents ??= { attributes: [], data: [], dataBytes: [] };
      cloudevents.attributes.push(attributes);
      cloudevents.data.push(data);
      cloudevents.dataBytes.push(dataBytes);
      frameBytes += bytes;
    }
    flush();
    return { sent, http: null, next: list.length };
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
    const lag = async () => (await this.#call<{ stats: { backlog: number } }>('GET', base))?.stats.backlog ?? 0;
    if (this.#delivery === 'websocket') {
      const sub: WsSubscription = new WsSubscription({ url: `${this.url.replace(/^http/, 'ws')}/v1/ws`, subscription: spec.name, reconnect: this.#reconnect, random: this.#random, closing: this.#closing.signal, wire, lag, onClosed: () => this.#open.delete(sub), ...(spec.ackLingerMs ? { ackLingerMs: spec.ackLingerMs } : {}) });
      await sub.open();
      this.#open.add(sub);
      return sub;
    }
    // Acks made while one ack request is in flight travel together in the next one.
    const ack = coalesce<string>(async (ids) => {
      for (let i = 0; i < ids.length; i += ackIdsPerRequestMax) await this.#call('POST', `${base}/ack`, { ackIds: ids.slice(i, i + ackIdsPerRequestMax) });
    });
    return {
      pull: async (o) => {
        // No abort: a pull answered while we hang up would leave its messages leased until their
        // deadline. The long poll is bounded by waitMs instead.
        // While the broker is unreachable the pull retries (with backoff) until it is back or the
        // consumer closes (then: no messages).
        let r: { messages: { ackId: string; deliveryAttempt: number; event: EventView }[] } | null;
        try {
          r = await this.#call('POST', `${base}/pull`, { max: o.max, waitMs: o.waitMs }, o.signal ? { signal: o.signal } : {});
        } catch (e) {
          if (o.signal?.aborted) return [];
          throw e;
        }
        return (r?.messages ?? []).map((m): Delivery => ({ ackId: m.ackId, attempt: m.deliveryAttempt, record: wire(m.event) }));
      },
      ack,
      nack: async (id, o) => {
        await this.#call('POST', `${base}/nack`, { ackIds: [id], delayMs: Math.round(o.delayMs), reason: o.reason.slice(0, nackReasonLengthMax) || 'failed' });
      },
      extend: async (ids, ms) => {
        const deadlineMs = Math.min(subscriptionLimits.ackDeadlineMsMax, Math.max(1, Math.round(ms)));
        for (let i = 0; i < ids.length; i += ackIdsPerRequestMax) await this.#call('POST', `${base}/modifyAckDeadline`, { ackIds: ids.slice(i, i + ackIdsPerRequestMax), ackDeadlineMs: deadlineMs });
      },
      lag,
      close: async () => {},
    };
  }

  /** Pages through each partition (a read returns at most httpFetchEventsMax events and 1 MiB of log) up to the end it had when the read began. */
  async read(topic: string, options: { max: number }): Promise<WireRecord[]> {
    const t = encodeURIComponent(topic);
    const d = await this.#call<{ partitions: { partition: number; earliestOffset: number; latestOffset: number }[] }>('GET', `/v1/topics/${t}`, undefined, { okCodes: ['topic.not_found'] });
    const out: WireRecord[] = [];
    for (const p of d?.partitions ?? []) {
      let offset = p.earliestOffset;
      while (offset < p.latestOffset && out.length < options.max) {
        const limit = Math.min(limits.httpFetchEventsMax, options.max - out.length);
        const r = await this.#call<{ events: EventView[]; nextOffset: number }>('GET', `/v1/topics/${t}/partitions/${p.partition}/events?offset=${offset}&limit=${limit}`);
        for (const e of r?.events ?? []) out.push(wire(e));
        if (!r || r.nextOffset <= offset) break;
        offset = r.nextOffset;
      }
      if (out.length >= options.max) break;
    }
    return out.slice(0, options.max);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all([...this.#open].map((s) => s.close()));
    await this.#publisher?.close(new EddyError('sdk.closed', 'transport closed'));
    this.#http.close();
    await this.#onClose?.();
  }
}

/**
 * An in-process broker on an ephemeral port, closed with the transport. The broker's modules are
 * loaded here, not when the SDK is imported: a service that talks to a broker elsewhere never loads them.
 */
export async function startEmbeddedTransport(options: { dataDir: string; clock?: Clock; reconnect?: ReconnectOptions; delivery?: EddyDelivery }): Promise<EddyHttpTransport & { broker: RunningBroker }> {
  const { startBroker } = await import('../server.ts');
  const broker = await startBroker({ dataDir: options.dataDir, http: { port: 0 } });
  const t = new EddyHttpTransport({ url: broker.http.url, ...(options.clock ? { clock: options.clock } : {}), ...(options.reconnect ? { reconnect: options.reconnect } : {}), ...(options.delivery ? { delivery: options.delivery } : {}), onClose: () => broker.close() });
  return Object.assign(t, { broker });
}

/** `eddy://host:port` (or http(s)://) -> the broker's HTTP base URL. */
export function eddyUrl(uri: string): string {
  if (uri.startsWith('eddy://')) return `http://${uri.slice('eddy://'.length)}`;
  if (/^https?:\/\//.test(uri)) return uri;
  throw new EddyError('sdk.invalid_options', `transport "${uri}" is not memory, eddy://host:port or http(s)://`);
}
