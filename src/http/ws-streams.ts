// The streams of one WebSocket: a topic stream (one long-poll reader per partition, as SSE) or a
// subscription stream (one puller, queue semantics). Flow control by credits: a reader reads only
// while its stream has credits and its socket's send buffer is under the bound, and never sends more
// events than credits granted. Invariant: credits >= 0; records held unsent <= one read per reader.

import type { Broker } from '../broker/broker.ts';
import type { SubscriptionManager } from '../broker/subscriptions/manager.ts';
import type { PulledMessage } from '../broker/subscriptions/subscription.ts';
import { subscriptionLimits } from '../broker/subscriptions/limits.ts';
import { assert } from '../errors.ts';
import { leasedMessageFieldsJson, recordViewJson, type EventView } from './events.ts';
import { encodeMessagesFrame, type DeliveryEncoding, type WsLimits } from './ws-protocol.ts';
import type { PublishSlot } from './delayed-publish.ts';

export type ServerMessage =
  | { type: 'subscribed'; id: string; topic: string; partitions: { partition: number; offset: number }[]; credits: number }
  | { type: 'subscribed'; id: string; subscription: string; topic: string; ackDeadlineMs: number; credits: number }
  | { type: 'event'; id: string; event: EventView }
  | { type: 'message'; id: string; ackId: string; deliveryAttempt: number; event: EventView }
  | { type: 'acked'; id: string; acked: number; ignored: number; ref?: string }
  | { type: 'nacked'; id: string; nacked: number; ignored: number; ref?: string }
  | { type: 'modified'; id: string; modified: number; ignored: number; ref?: string }
  | { type: 'published'; ref: string; offsets: PublishSlot[] }
  | { type: 'unsubscribed'; id: string; code?: string }
  | { type: 'error'; id?: string; ref?: string; code: string; detail: string };

/** What a stream needs from its socket. */
export interface StreamHost {
  readonly limits: WsLimits;
  send(message: ServerMessage): void;
  /**
   * Sends a frame already made: JSON text (delivered events: their JSON values are not serialised
   * again) or a binary `messages` frame.
   */
  sendFrame(frame: string | Buffer): void;
  /**
   * Sends the binary frame `build` makes in a buffer it takes from `alloc` (the socket's pool); the
   * buffer returns to the pool once the socket is done with it.
   */
  sendPooledFrame(build: (alloc: (bytes: number) => Buffer) => Buffer): void;
  /** True while the socket's send buffer is above limits.socketBufferedBytesMax. */
  readonly congested: boolean;
  /** Resolves when the send buffer is back under the bound, or on abort. */
  writable(signal: AbortSignal): Promise<void>;
  /** Records read from the log (or pulled) and not yet sent, across the socket's streams. */
  held: number;
  delivered(kind: 'event' | 'message', count?: number): void;
  /** A stream failed (topic deleted, partition offline, ...): report it and end the stream. */
  fail(stream: Stream, error: unknown): void;
}

export const ReaderStates = { credits: 'credits', socket: 'socket', log: 'log', sending: 'sending' } as const;
export type ReaderState = (typeof ReaderStates)[keyof typeof ReaderStates];

export class Stream {
  readonly id: string;
  readonly subscription: string | null;
  /** How a subscription stream sends its messages. */
  readonly encoding: DeliveryEncoding;
  readonly ac = new AbortController();
  /** One state per reader (partition reader or subscription puller), for the gauges. */
  readonly readers: { state: ReaderState }[] = [];
  #credits: number;
  readonly #waiters = new Set<() => void>();

  constructor(id: string, options: { credits: number; subscription?: string; encoding?: DeliveryEncoding }) {
    this.id = id;
    this.subscription = options.subscription ?? null;
    this.encoding = options.encoding ?? 'json';
    this.#credits = options.credits;
    this.ac.signal.addEventListener('abort', () => this.#wake(), { once: true });
  }

  get credits(): number {
    return this.#credits;
  }

  grant(n: number): void {
    assert(n > 0, 'credit grant must be positive');
    this.#credits += n;
    this.#wake();
  }

  take(n = 1): void {
    assert(this.#credits >= n, 'a stream sent an event without a credit');
    this.#credits -= n;
  }

  /** Resolves when the stream has a credit, or on abort. */
  async waitCredits(): Promise<void> {
    while (this.#credits === 0 && !this.ac.signal.aborted) await new Promise<void>((resolve) => this.#waiters.add(resolve));
  }

  close(): void {
    this.ac.abort();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
    this.#waiters.clear();
  }
}

/** One partition of a topic stream: long-poll reads sized by credits, sends gated by the socket. */
export async function pumpPartition(host: StreamHost, broker: Broker, stream: Stream, topic: string, partition: number, startOffset: number): Promise<void> {
  const reader: { state: ReaderState } = { state: ReaderStates.credits };
  stream.readers.push(reader);
  const signal = stream.ac.signal;
  const L = host.limits;
  let offset = startOffset;
  try {
    while (!signal.aborted) {
      reader.state = ReaderStates.credits;
      await stream.waitCredits();
      reader.state = ReaderStates.socket;
      await host.writable(signal);
      if (signal.aborted) break;
      reader.state = ReaderStates.log;
      const log = broker.partitionLog(topic, partition);
      if (offset < log.logStartOffset) offset = log.logStartOffset; // retention removed them unread
      const r = await broker.readTextRecords(topic, partition, offset, { limit: Math.min(stream.credits, L.readRecordsMax), maxBytes: L.readBytesMax, maxWaitMs: L.longPollWaitMs, signal });
      reader.state = ReaderStates.sending;
      let unsent = r.records.length;
      host.held += unsent;
      try {
        for (const rec of r.records) {
          if (host.congested) {
            reader.state = ReaderStates.socket;
            await host.writable(signal);
            reader.state = ReaderStates.sending;
          }
          if (signal.aborted || stream.credits === 0) break; // the rest is read again later
          stream.take();
          host.sendFrame(`{"type":"event","id":${JSON.stringify(stream.id)},"event":${recordViewJson(partition, rec)}}`);
          host.delivered('event');
          offset = rec.offset + 1;
          unsent--;
          host.held--;
        }
      } finally {
        host.held -= unsent;
      }
      if (unsent === 0) offset = Math.max(offset, r.nextOffset); // also skips control batches and gaps
    }
  } catch (e) {
    if (!signal.aborted) host.fail(stream, e);
  }
}

function sendMessageJson(host: StreamHost, stream: Stream, m: PulledMessage): number {
  host.sendFrame(`{"type":"message","id":${JSON.stringify(stream.id)},${leasedMessageFieldsJson(m)}}`);
  return 1;
}

/** One binary `messages` frame of messages[from…], up to binaryFrameBytesMax of records (one message at least); how many it holds. */
function sendMessagesBinary(host: StreamHost, stream: Stream, messages: readonly PulledMessage[], from: number): number {
  let end = from + 1;
  let bytes = messages[from]!.record.recordBytes;
  while (end < messages.length && bytes + messages[end]!.record.recordBytes <= host.limits.binaryFrameBytesMax) bytes += messages[end++]!.record.recordBytes;
  host.sendPooledFrame((alloc) => encodeMessagesFrame(stream.id, from === 0 && end === messages.length ? messages : messages.slice(from, end), alloc));
  return end - from;
}

/** A subscription stream: pulls at most `credits` messages at a time; each one is leased to us. */
export async function pumpSubscription(host: StreamHost, manager: SubscriptionManager, stream: Stream): Promise<void> {
  const reader: { state: ReaderState } = { state: ReaderStates.credits };
  stream.readers.push(reader);
  const name = stream.subscription;
  assert(name !== null, 'a subscription stream has a subscription');
  const signal = stream.ac.signal;
  const L = host.limits;
  try {
    while (!signal.aborted) {
      reader.state = ReaderStates.credits;
      await stream.waitCredits();
      reader.state = ReaderStates.socket;
      await host.writable(signal);
      if (signal.aborted) break;
      reader.state = ReaderStates.log;
      const max = Math.min(stream.credits, L.readRecordsMax, subscriptionLimits.pullMessagesMax);
      const messages = await manager.pull(name, { max, waitMs: L.longPollWaitMs, signal });
      reader.state = ReaderStates.sending;
      let sent = 0;
      host.held += messages.length;
      try {
        while (sent < messages.length) {
          if (host.congested) {
            reader.state = ReaderStates.socket;
            await host.writable(signal);
            reader.state = ReaderStates.sending;
          }
          if (signal.aborted) break;
          // pulled at most `credits`, and only this loop takes them
          const n = stream.encoding === 'binary' ? sendMessagesBinary(host, stream, messages, sent) : sendMessageJson(host, stream, messages[sent]!);
          stream.take(n);
          host.delivered('message', n);
          sent += n;
          host.held -= n;
        }
      } finally {
        host.held -= messages.length - sent;
      }
      if (sent < messages.length) {
        // Never sent: hand them back now rather than at the ack deadline (best effort).
        const unsent = messages.slice(sent).map((m) => m.ackId);
        await manager.modifyAckDeadline(name, unsent, 0).catch(() => {});
      }
    }
  } catch (e) {
    if (!signal.aborted) host.fail(stream, e);
  }
}
