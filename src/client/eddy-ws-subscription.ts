// Delivery of one broker subscription over `GET /v1/ws` (the `eddy` transport's default): the broker
// pushes messages as they arrive, within the credits this side grants, and acks, nacks and lease
// extensions travel on the same socket — no request per pull or per ack batch.
//
// Credits follow the consumer's pulls: a pull for `max` deliveries makes sure at most `max` are
// owed or buffered here, so the socket prefetches at most what the consumer last had room for (as
// an HTTP pull would lease). A pull answers at once with what is buffered, or waits up to `waitMs`
// for the first arrival and takes everything that came with it.
//
// Ack / nack / modifyAckDeadline carry a `ref`, and the broker echoes it in its answer or its error,
// so each call resolves or fails on its own answer. Reconnect: when the socket drops (broker restart)
// the buffered deliveries are dropped (their leases died with the broker, or expire and are
// redelivered), requests still waiting for an answer are sent again on the next socket (acking twice
// is harmless: an ack id no longer leased is ignored), and connecting retries with jittered
// exponential backoff; after `giveUpMs` without a socket, calls fail with sdk.transport_failed.

import { WebSocket, type RawData } from 'ws';
import { EddyError, ErrorCodes, type ErrorCode } from '../errors.ts';
import { coalesce } from './coalesce.ts';
import { abortableSleep, backoffWaitMs, wakeOrTimeout } from './waits.ts';
import { subscriptionLimits } from '../broker/subscriptions/limits.ts';
import type { WireRecord } from './envelope.ts';
import { nackReasonLengthMax, type Delivery, type PullOptions, type TransportSubscription } from './transport.ts';

/** Stream id of the one stream each socket carries. */
const streamId = 's';
/** Ack ids per message: the broker takes 10,000; smaller messages keep latency flat. */
const ackIdsPerMessageMax = 1_000;

interface EventView {
  key: string | null;
  value: unknown;
  valueEncoding?: 'base64';
  headers: Record<string, string | null>;
}

type ServerMessage =
  | { type: 'subscribed'; id: string }
  | { type: 'message'; id: string; ackId: string; deliveryAttempt: number; event: EventView }
  | { type: 'acked' | 'nacked' | 'modified'; id: string; ref?: string }
  | { type: 'unsubscribed'; id: string; code?: string }
  | { type: 'error'; id?: string; ref?: string; code: string; detail: string };

export interface WsSubscriptionOptions {
  /** `ws://host:port/v1/ws` */
  url: string;
  /** The broker subscription's name (it exists: the transport created it over HTTP). */
  subscription: string;
  reconnect: { initialMs: number; maxMs: number; giveUpMs: number };
  random: () => number;
  /** Aborted when the transport closes. */
  closing: AbortSignal;
  /** Turns a broker view of an event into the SDK's wire record. */
  wire(e: EventView): WireRecord;
  /** The consumer lag, asked of the broker over HTTP. */
  lag(): Promise<number>;
  /** Called once close() has begun. */
  onClosed?(): void;
}

interface Request {
  message: Record<string, unknown>;
  resolve(): void;
  reject(e: Error): void;
}

function errorOf(code: string, detail: string): EddyError {
  return code in ErrorCodes ? new EddyError(code as ErrorCode, detail) : new EddyError('sdk.transport_failed', `${code}: ${detail}`);
}

export class WsSubscription implements TransportSubscription {
  readonly #o: WsSubscriptionOptions;
  #ws: WebSocket | null = null;
  /** The socket being opened (with its subscribe answered), shared by every caller meanwhile. */
  #connecting: Promise<WebSocket> | null = null;
  readonly #buffer: Delivery[] = [];
  /** Credits granted on the current socket and not yet used by a message. */
  #owed = 0;
  readonly #waiters = new Set<() => void>();
  readonly #requests = new Map<string, Request>();
  #nextRef = 0;
  /** Set when the broker ended the stream for good (subscription deleted, topic gone). */
  #failure: EddyError | null = null;
  /** The last error the broker reported for the stream itself (no ref): the reason of an `unsubscribed` that follows. */
  #streamError: EddyError | null = null;
  #closed = false;

  constructor(options: WsSubscriptionOptions) {
    this.#o = options;
  }

  /** Opens the first socket: fails (after the reconnect policy) when the broker cannot be reached. */
  async open(): Promise<void> {
    await this.#connection();
  }

  #connection(): Promise<WebSocket> {
    if (this.#ws) return Promise.resolve(this.#ws);
    this.#connecting ??= this.#connectWithBackoff().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  async #connectWithBackoff(): Promise<WebSocket> {
    const giveUpAt = Date.now() + this.#o.reconnect.giveUpMs;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new EddyError('sdk.closed', 'subscription closed');
      try {
        return await this.#connect();
      } catch (e) {
        const retryable = e instanceof EddyError && e.code === 'sdk.transport_failed';
        if (!retryable || this.#closed || Date.now() >= giveUpAt) throw e;
        await abortableSleep(backoffWaitMs(attempt, this.#o.reconnect, this.#o.random, giveUpAt), [this.#o.closing]);
      }
    }
  }

  /** One socket: open, subscribe, wait for `subscribed`; then requests still unanswered are sent again. */
  #connect(): Promise<WebSocket> {
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.#o.url, { maxPayload: 64 * 1024 * 1024 });
      let settled = false;
      const fail = (e: EddyError) => {
        if (settled) return;
        settled = true;
        ws.terminate();
        reject(e);
      };
      ws.on('error', (e) => fail(new EddyError('sdk.transport_failed', `WebSocket ${this.#o.url}: ${e.message}`, { retryable: true })));
      ws.once('close', () => {
        fail(new EddyError('sdk.transport_failed', `WebSocket ${this.#o.url} closed while subscribing`, { retryable: true }));
        this.#dropped(ws);
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: streamId, subscription: this.#o.subscription, credits: 0 })));
      ws.on('message', (data: RawData) => {
        let m: ServerMessage;
        try {
          m = JSON.parse(String(data)) as ServerMessage;
        } catch {
          return fail(new EddyError('sdk.transport_failed', 'the broker sent a WebSocket message that is not JSON'));
        }
        if (!settled) {
          if (m.type === 'subscribed' && m.id === streamId) {
            settled = true;
            this.#ws = ws;
            this.#owed = 0;
            for (const r of this.#requests.values()) ws.send(JSON.stringify(r.message));
            this.#wake();
            resolve(ws);
          } else if (m.type === 'error') fail(errorOf(m.code, m.detail));
          return;
        }
        this.#onMessage(ws, m);
      });
    });
  }

  #onMessage(ws: WebSocket, m: ServerMessage): void {
    switch (m.type) {
      case 'message':
        if (this.#closed) return; // sent before the broker saw the close: leased until its deadline
        this.#owed = Math.max(0, this.#owed - 1);
        this.#buffer.push({ ackId: m.ackId, attempt: m.deliveryAttempt, record: this.#o.wire(m.event) });
        this.#wake();
        return;
      case 'acked':
      case 'nacked':
      case 'modified':
        if (m.ref !== undefined) this.#answer(m.ref, null);
        return;
      case 'error':
        if (m.ref !== undefined) this.#answer(m.ref, errorOf(m.code, m.detail));
        else if (m.id === streamId) this.#streamError = errorOf(m.code, m.detail);
        return;
      case 'unsubscribed':
        // The broker ended the stream (subscription deleted, topic gone): nothing more will come.
        this.#failure ??= this.#streamError ?? errorOf(m.code ?? 'subscription.not_found', `subscription "${this.#o.subscription}" ended`);
        for (const r of [...this.#requests.values()]) r.reject(this.#failure);
        this.#requests.clear();
        this.#wake();
        ws.close(1000);
        return;
      default:
        return;
    }
  }

  #answer(ref: string, error: EddyError | null): void {
    const r = this.#requests.get(ref);
    if (!r) return;
    this.#requests.delete(ref);
    if (error) r.reject(error);
    else r.resolve();
  }

  /** The socket closed: forget what it held; reconnect if anyone still needs it. */
  #dropped(ws: WebSocket): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    this.#owed = 0;
    this.#buffer.length = 0;
    this.#wake();
    if (!this.#closed && this.#failure === null && this.#requests.size > 0) {
      this.#connection().catch((e: unknown) => this.#giveUp(e));
    }
  }

  #giveUp(e: unknown): void {
    const err = e instanceof EddyError ? e : new EddyError('sdk.transport_failed', String(e));
    for (const r of [...this.#requests.values()]) r.reject(err);
    this.#requests.clear();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Sends one request and waits for its answer (sent again on the next socket if this one drops). */
  async #request(message: Record<string, unknown>): Promise<void> {
    if (this.#failure) throw this.#failure;
    const ref = String(++this.#nextRef);
    const full = { ...message, id: streamId, ref };
    const answered = new Promise<void>((resolve, reject) => this.#requests.set(ref, { message: full, resolve, reject }));
    const ws = this.#ws;
    if (ws) ws.send(JSON.stringify(full));
    else {
      try {
        await this.#connection(); // sends every waiting request once subscribed
      } catch (e) {
        this.#requests.delete(ref);
        throw e;
      }
    }
    return answered;
  }

  async pull(o: PullOptions): Promise<Delivery[]> {
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      if (this.#closed || o.signal?.aborted) return [];
      if (this.#failure) throw this.#failure;
      if (this.#buffer.length > 0) {
        const out = this.#buffer.splice(0, Math.min(o.max, this.#buffer.length));
        this.#grant(o.max - out.length);
        return out;
      }
      let ws = this.#ws;
      if (!ws) {
        try {
          ws = await this.#connection();
        } catch (e) {
          if (this.#closed || o.signal?.aborted) return [];
          throw e;
        }
        continue;
      }
      this.#grant(o.max);
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) return [];
      await wakeOrTimeout(this.#waiters, remainingMs, o.signal);
    }
  }

  /** Grants credits so that owed + buffered reaches `want` (never more than the broker accepts). */
  #grant(want: number): void {
    const ws = this.#ws;
    const credits = Math.min(want, subscriptionLimits.pullMessagesMax) - this.#owed - this.#buffer.length;
    if (!ws || credits <= 0) return;
    this.#owed += credits;
    ws.send(JSON.stringify({ type: 'credit', id: streamId, credits }));
  }

  /** Acks made while one ack is unanswered travel together in the next (one broker fsync for many). */
  readonly ack = coalesce<string>(async (ackIds) => {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < ackIds.length; i += ackIdsPerMessageMax) sends.push(this.#request({ type: 'ack', ackIds: ackIds.slice(i, i + ackIdsPerMessageMax) }));
    await Promise.all(sends);
  });

  async nack(ackId: string, o: { delayMs: number; reason: string }): Promise<void> {
    await this.#request({ type: 'nack', ackIds: [ackId], delayMs: Math.max(0, Math.round(o.delayMs)), reason: o.reason.slice(0, nackReasonLengthMax) || 'failed' });
  }

  extend(ackIds: readonly string[], ms: number): Promise<void> {
    return this.#modify(ackIds, Math.max(1, Math.round(ms)));
  }

  /** modifyAckDeadline; 0 hands the deliveries back at once. */
  async #modify(ackIds: readonly string[], ms: number): Promise<void> {
    const ackDeadlineMs = Math.min(subscriptionLimits.ackDeadlineMsMax, ms);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < ackIds.length; i += ackIdsPerMessageMax) sends.push(this.#request({ type: 'modifyAckDeadline', ackIds: ackIds.slice(i, i + ackIdsPerMessageMax), ackDeadlineMs }));
    await Promise.all(sends);
  }

  lag(): Promise<number> {
    return this.#o.lag();
  }

  /** Hands buffered (never handed out) deliveries back at once, then closes the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#o.onClosed?.();
    const unsent = this.#buffer.splice(0).map((d) => d.ackId);
    if (unsent.length > 0 && this.#ws) await this.#modify(unsent, 0).catch(() => {});
    this.#closed = true;
    this.#wake();
    const ws = this.#ws;
    this.#ws = null;
    for (const r of [...this.#requests.values()]) r.reject(new EddyError('sdk.closed', 'subscription closed'));
    this.#requests.clear();
    if (ws && ws.readyState === ws.OPEN) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000);
      const timer = setTimeout(() => ws.terminate(), 2_000);
      await closed;
      clearTimeout(timer);
    }
  }
}
