// The one interface every SDK transport implements: publish CloudEvents, and queue-semantics
// subscriptions (one per consumer group and topic) with pull / ack / nack, server-side redelivery
// after the ack deadline, backoff between attempts and a dead-letter topic — the broker's model.
// Invariant: a delivery leaves its subscription only when acked or dead-lettered, never on close.

import type { Clock } from '../log/clock.ts';
import type { Envelope, WireRecord } from './envelope.ts';

export interface OutgoingEvent {
  topic: string;
  envelope: Envelope;
  /** Durable delayed delivery: not before this time (ms epoch, the bus clock); absent = now. */
  deliverAt?: number;
}

export interface BackoffSpec {
  initialMs: number;
  multiplier: number;
  maxMs: number;
}

/** A durable subscription: one per (group, topic); every consumer of the group shares it. */
export interface SubscriptionSpec {
  /** `<group>.<topic>` — the broker subscription's name. */
  name: string;
  topic: string;
  /** Deliveries before dead-lettering; 0 = unlimited (no dead letter). */
  maxDeliveryAttempts: number;
  /** Required when maxDeliveryAttempts > 0. */
  deadLetterTopic: string | null;
  /** Used by the server for redeliveries the SDK did not ask for (lease expiry, consumer crash). */
  backoff: BackoffSpec;
  ackDeadlineMs: number;
  /** A key's next event is delivered only after the previous one is acked. */
  ordered: boolean;
  /**
   * How long the broker may hold an ack's durable write for later acks to share it (the ack's answer
   * comes up to that much later); for a consumer that does not wait on ack answers. The `eddy`
   * transport's WebSocket delivery sends it with each ack; others ignore it. Absent or 0: at once.
   */
  ackLingerMs?: number;
}

export interface Delivery {
  ackId: string;
  /** 1 on the first delivery. */
  attempt: number;
  record: WireRecord;
}

export interface PullOptions {
  max: number;
  waitMs: number;
  signal?: AbortSignal;
}

export interface TransportSubscription {
  /** Leases up to `max` deliveries, waiting up to `waitMs` for the first. */
  pull(options: PullOptions): Promise<Delivery[]>;
  ack(ackIds: readonly string[]): Promise<void>;
  /** Fails one delivery: redelivered after `delayMs`, or dead-lettered (with `reason`) after the last attempt. */
  nack(ackId: string, options: { delayMs: number; reason: string }): Promise<void>;
  /**
   * Extends the leases of still-running deliveries to `ms` from now (the consumer calls it while a
   * handler runs, so slow work is not redelivered mid-flight). Ack ids no longer leased are ignored.
   * Optional: a transport without leases (kafka: the group's session, not a per-message deadline,
   * bounds a handler) leaves it out and the consumer skips extension.
   */
  extend?(ackIds: readonly string[], ms: number): Promise<void>;
  /**
   * The consumer lag: events of the subscription's topic not yet acknowledged (waiting, in flight or
   * waiting for a retry). Read when metrics are scraped, not on the delivery path.
   */
  lag(): Promise<number>;
  /** Stops pulling; unacked leases go back to the subscription (at their deadline at the latest). */
  close(): Promise<void>;
}

export interface Transport {
  readonly name: string;
  readonly clock: Clock;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  /** Opens the subscription, creating it (and its topics) when missing; an existing one is reused as is. */
  subscribe(spec: SubscriptionSpec): Promise<TransportSubscription>;
  /** Up to `max` stored records of a topic from its start (inspection: dead letters, tests, tools). */
  read(topic: string, options: { max: number }): Promise<WireRecord[]>;
  close(): Promise<void>;
}

/** Dead-letter headers, named as the broker writes them. */
export const DlqHeaders = {
  reason: 'eddy.dlq.reason',
  attempts: 'eddy.dlq.attempts',
  topic: 'eddy.dlq.topic',
  partition: 'eddy.dlq.partition',
  offset: 'eddy.dlq.offset',
  subscription: 'eddy.dlq.subscription',
} as const;

/** Nack reasons are stored in a header; the broker caps them at 256 characters. */
export const nackReasonLengthMax = 256;

/** The furthest ahead an event may be delayed (the broker's bound; the kafka transport's forwarder clamps to it too). */
export const publishDelayMsMax = 365 * 24 * 60 * 60 * 1000;
