// Delivery of one broker subscription over `GET /v1/ws` (the `eddy` transport's default): the broker
// pushes messages as they arrive, within the credits this side grants, in binary `messages` frames
// (records as the log stores them, decoded here), and acks, nacks and lease extensions travel on the
// same socket — no request per pull or per ack batch.
//
// Credits follow the consumer's pulls: a pull for `max` deliveries makes sure at most `max` are
// owed or buffered here, so the socket prefetches at most what the consumer last had room for (as
// an HTTP pull would lease). A pull answers at once with what is buffered, or waits up to `waitMs`
// for the first arrival and takes everything that came with it.
//
// Ack / nack / modifyAckDeadline are requests of the subscription's WsChannel (ws-channel.ts: matched
// to their answers by `ref`, sent again after a reconnect, retried with backoff). When the socket
// drops (broker restart) the buffered deliveries are dropped too: their leases died with the broker,
// or expire and are redelivered.

import { EddyError } from '../errors.ts';
import { coalesce } from './coalesce.ts';
import { wakeOrTimeout } from './waits.ts';
import { subscriptionLimits } from '../broker/subscriptions/limits.ts';
import type { WireRecord } from './envelope.ts';
import { recordView } from '../http/events.ts';
import { decodeMessagesFrame } from '../http/ws-protocol.ts';
import { errorOf, WsChannel, type ReconnectPolicy, type ServerMessage } from './ws-channel.ts';
import { nackReasonLengthMax, type Delivery, type PullOptions, type TransportSubscription } from './transport.ts';

/** Stream id of the one stream each socket carries. */
const streamId = 's';
/** Ack ids per message: the broker takes 10,000; smaller messages keep latency flat. */
const ackIdsPerMessageMax = 1_000;
/** With a broker-side ack linger, acks wait at most this long for the ack in flight to be answered. */
const ackPipelineAfterMs = 1;
/** Acks ask the broker to hold their write only below this rate (acks a second, over the last 100 ms). */
const ackLingerPerSecondMax = 10_000;

/**
 * Credits to grant when the consumer wants `target` deliveries owed or buffered and holds `held`: the
 * difference, once `held` has fallen to half of `target` (else 0). Credits refill in halves, like a
 * TCP or HTTP/2 window update, instead of one frame per pull of a few.
 */
export function creditsToGrant(target: number, held: number): number {
  return held * 2 > target ? 0 : Math.max(0, target - held);
}

export interface EventView {
  key: string | null;
  value: unknown;
  valueEncoding?: 'base64';
  headers: Record<string, string | null>;
}

export interface WsSubscriptionOptions {
  /** `ws://host:port/v1/ws` */
  url: string;
  /** The broker subscription's name (it exists: the transport created it over HTTP). */
  subscription: string;
  reconnect: ReconnectPolicy;
  random: () => number;
  /** Aborted when the transport closes. */
  closing: AbortSignal;
  /** Turns a broker view of an event into the SDK's wire record. */
  wire(e: EventView): WireRecord;
  /** The consumer lag, asked of the broker over HTTP. */
  lag(): Promise<number>;
  /** Called once close() has begun. */
  onClosed?(): void;
  /** Sent with each ack: how long the broker may hold its durable write for others (SubscriptionSpec.ackLingerMs). */
  ackLingerMs?: number;
}

export class WsSubscription implements TransportSubscription {
  readonly #o: WsSubscriptionOptions;
  readonly #channel: WsChannel;
  readonly #buffer: Delivery[] = [];
  /** Credits granted on the current socket and not yet used by a message. */
  #owed = 0;
  readonly #waiters = new Set<() => void>();
  /** The last error the broker reported for the stream itself (no ref): the reason of an `unsubscribed` that follows. */
  #streamError: EddyError | null = null;
  #closed = false;

  constructor(options: WsSubscriptionOptions) {
    this.#o = options;
    this.ack = coalesce((ackIds) => this.#sendAcks(ackIds), (options.ackLingerMs ?? 0) > 0 ? { pipelineAfterMs: ackPipelineAfterMs } : {});
    this.#channel = new WsChannel({
      url: options.url,
      reconnect: options.reconnect,
      random: options.random,
      closing: options.closing,
      what: `subscription "${options.subscription}"`,
      handshake: { message: { type: 'subscribe', id: streamId, subscription: options.subscription, credits: 0, encoding: 'binary' }, accepted: (m) => m.type === 'subscribed' && m.id === streamId },
      onOpen: () => {
        this.#owed = 0;
        this.#wake();
      },
      onDropped: () => {
        this.#owed = 0;
        this.#buffer.length = 0;
        this.#wake();
      },
      onMessage: (m) => this.#onMessage(m),
      onBinary: (frame) => this.#onBinary(frame),
    });
  }

  /** Opens the first socket: fails (after the reconnect policy) when the broker cannot be reached. */
  async open(): Promise<void> {
    await this.#channel.connection();
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'error':
        if (m.ref === undefined && m.id === streamId) this.#streamError = errorOf(m.code ?? 'sdk.transport_failed', m.detail ?? 'failed');
        return;
      case 'unsubscribed':
        // The broker ended the stream (subscription deleted, topic gone): nothing more will come.
        this.#channel.fail(this.#streamError ?? errorOf(m.code ?? 'subscription.not_found', `subscription "${this.#o.subscription}" ended`));
        this.#wake();
        return;
      default:
        return;
    }
  }

  /** A binary `messages` frame: several deliveries, their records as stored (see encodeMessagesFrame). */
  #onBinary(frame: Buffer): void {
    if (this.#closed) return; // sent before the broker saw the close: leased until their deadline
    const f = decodeMessagesFrame(frame);
    if (!f.ok) {
      this.#channel.fail(new EddyError('sdk.transport_failed', f.detail));
      this.#wake();
      return;
    }
    if (f.id !== streamId) return;
    this.#owed = Math.max(0, this.#owed - f.messages.length);
    for (const m of f.messages) this.#buffer.push({ ackId: m.ackId, attempt: m.deliveryAttempt, record: this.#o.wire(recordView(m.partition, m.record)) });
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  async #request(message: Record<string, unknown>): Promise<void> {
    await this.#channel.request({ ...message, id: streamId });
  }

  async pull(o: PullOptions): Promise<Delivery[]> {
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      if (this.#closed || o.signal?.aborted) return [];
      const failure = this.#channel.failure;
      if (failure) throw failure;
      if (this.#buffer.length > 0) {
        const out = this.#buffer.splice(0, Math.min(o.max, this.#buffer.length));
        this.#grant(o.max - out.length);
        return out;
      }
      if (!this.#channel.socket) {
        try {
          await this.#channel.connection();
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

  /**
   * Grants credits so that owed + buffered reaches `want` (never more than the broker accepts), once
   * they have fallen to half of it: one credit frame per half window, not one per pull of a few.
   */
  #grant(want: number): void {
    const credits = creditsToGrant(Math.min(want, subscriptionLimits.pullMessagesMax), this.#owed + this.#buffer.length);
    if (credits === 0) return;
    if (this.#channel.send({ type: 'credit', id: streamId, credits })) this.#owed += credits;
  }

  /**
   * Acks made while one ack is unanswered travel together in the next (one broker fsync for many).
   * With ackLingerMs the broker may hold an answer that long for later acks to share its write, so
   * acks wait at most ackPipelineAfterMs for it before going beside it: a key's next event is
   * released when its ack arrives, not when the ack before it is answered.
   */
  readonly ack: (ackIds: readonly string[]) => Promise<void>;

  /** Ack ids sent in the current and in the previous 100 ms window. */
  #acksNow = 0;
  #acksBefore = 0;
  #ackWindowStart = 0;

  /** Counts `n` acks sent now; the ack rate (a second) over the last full 100 ms window. */
  #ackRate(n: number): number {
    const now = performance.now();
    if (now - this.#ackWindowStart >= 100) {
      this.#acksBefore = now - this.#ackWindowStart >= 200 ? 0 : this.#acksNow;
      this.#acksNow = 0;
      this.#ackWindowStart = now;
    }
    this.#acksNow += n;
    return this.#acksBefore * 10;
  }

  async #sendAcks(ackIds: string[]): Promise<void> {
    const sends: Promise<void>[] = [];
    // Acks at full speed already share their writes (each write carries what came during the last):
    // they ask for no hold, and their pacing by answers stays as it was.
    const lingerMs = this.#ackRate(ackIds.length) < ackLingerPerSecondMax ? (this.#o.ackLingerMs ?? 0) : 0;
    for (let i = 0; i < ackIds.length; i += ackIdsPerMessageMax) sends.push(this.#request({ type: 'ack', ackIds: ackIds.slice(i, i + ackIdsPerMessageMax), ...(lingerMs > 0 ? { lingerMs } : {}) }));
    await Promise.all(sends);
  }

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
    if (unsent.length > 0 && this.#channel.socket) await this.#modify(unsent, 0).catch(() => {});
    this.#closed = true;
    this.#wake();
    await this.#channel.close(new EddyError('sdk.closed', 'subscription closed'));
  }
}
