// createEventBus: the SDK's entry point. publish / publishMany validate against the event's latest
// schema and wrap data in a CloudEvents envelope (UUIDv7 id, correlation and causation ids inherited
// from the handler being run, traceparent); subscribe opens one Consumer per (group, topic) over
// the transport's durable subscriptions; close() drains in-flight handlers, then the transport.

import { EddyError } from '../errors.ts';
import type { Clock } from '../log/clock.ts';
import { validateNow, type AnyEventDefinition, type EventDefinition, type EventInput, type EventOutput } from './define-event.ts';
import { childTraceparent, isoTime, type Envelope } from './envelope.ts';
import { handlingScope, type EventContext } from './context.ts';
import { Consumer, type RawHandler } from './consumer.ts';
import { MemoryIdempotencyStore, idempotencyWindowMsDefault, type IdempotencyStore } from './idempotency.ts';
import { retryPolicy, type RetryOptions } from './retry.ts';
import { resolveTransport, type TransportOption } from './resolve-transport.ts';
import { publishDelayMsMax, type OutgoingEvent, type Transport } from './transport.ts';
import { createUuidV7 } from './uuidv7.ts';
import type { Registry } from 'prom-client';
import type { Span, TracerProvider } from '@opentelemetry/api';
import { BusMetrics } from './metrics.ts';
import { BusTracing, endSpan } from './tracing.ts';
import { traceOf, type Trace, type TraceOptions } from './trace.ts';

export interface EventBusOptions {
  /** CloudEvents `source` of everything this bus publishes, e.g. 'order-service'. */
  source: string;
  transport: TransportOption;
  /** Events this bus knows: what `subscribe('*', …)` covers. */
  events?: readonly AnyEventDefinition[];
  /** Time for envelopes and ids (the memory transport's clock when not given). */
  clock?: Clock;
  /** Default idempotency store (memory) for subscriptions with `idempotency: true`. */
  idempotencyStore?: IdempotencyStore;
  /** [0, 1) for backoff jitter; inject a seeded one for replayable tests. */
  random?: () => number;
  /** Handler failures and transport errors; default: none (they are retried / dead-lettered). */
  onError?: (error: unknown, info: { group: string; eventId?: string; type?: string; attempt?: number }) => void;
  /** prom-client registry for this bus's metrics (`bus.metrics()`); default a new one per bus. */
  metricsRegistry?: Registry;
  /** OpenTelemetry TracerProvider for this bus's spans; default the global one (a no-op without an SDK). */
  tracerProvider?: TracerProvider;
}

export interface PublishOptions {
  /** Ordering / partition key; default: the event definition's `key(data)`. */
  key?: string;
  subject?: string;
  /** Default: the handled event's (inside a handler), else the new event's own id. */
  correlationId?: string;
  /** Default: the handled event's id inside a handler. */
  causationId?: string;
  /**
   * Durable delayed delivery: handlers see the event no sooner than `delayMs` from now (at most 365
   * days). On the `eddy` transport the broker keeps it (it survives broker restarts); the memory
   * transport uses its clock; the kafka transport refuses it (delay topics not implemented yet).
   */
  delayMs?: number;
  /** Like delayMs, as an absolute time (ms since the epoch or a Date); a past time means now. */
  deliverAt?: number | Date;
}

export { publishDelayMsMax } from './transport.ts';

/** The due time of a publish's delay options, or undefined when it is due now. */
function dueTimeOf(o: PublishOptions, nowMs: number): number | undefined {
  if (o.delayMs !== undefined && o.deliverAt !== undefined) throw new EddyError('sdk.invalid_options', 'give delayMs or deliverAt, not both');
  let at: number | undefined;
  if (o.delayMs !== undefined) {
    if (typeof o.delayMs !== 'number' || !Number.isFinite(o.delayMs) || o.delayMs < 0 || o.delayMs > publishDelayMsMax) throw new EddyError('sdk.invalid_options', `delayMs must be a number in [0, ${publishDelayMsMax}]`);
    at = nowMs + Math.round(o.delayMs);
  } else if (o.deliverAt !== undefined) {
    const t = o.deliverAt instanceof Date ? o.deliverAt.getTime() : o.deliverAt;
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new EddyError('sdk.invalid_options', 'deliverAt must be a Date or ms since the epoch');
    if (t - nowMs > publishDelayMsMax) throw new EddyError('sdk.invalid_options', `deliverAt is more than ${publishDelayMsMax} ms ahead`);
    at = Math.round(t);
  }
  return at !== undefined && at > nowMs ? at : undefined;
}

/** An event ready for the transport, with its started publish span (ended by `send`). */
type Outgoing = OutgoingEvent & { span: Span };

/** One event of publishMany; build it with `item(...)` to have `data` type-checked. */
export interface PublishItem {
  event: AnyEventDefinition;
  data: unknown;
  options?: PublishOptions;
}

/** Typed publishMany items: each `data` is checked against its own `event`. */
export type PublishItems<T extends readonly AnyEventDefinition[]> = { readonly [K in keyof T]: { event: T[K]; data: EventInput<T[K]>; options?: PublishOptions } };

export interface SubscribeOptions {
  group: string;
  /** Handlers running at once, across keys; a key's events always run one after another. Default 1. */
  concurrency?: number;
  retry?: RetryOptions;
  /** After the last attempt: true (default) -> '<topic>.dlq', a string -> that topic, false -> dropped. */
  deadLetter?: boolean | string;
  /** Each event id handled at most once per group within the window (default 24 h). */
  idempotency?: boolean | { store?: IdempotencyStore; windowMs?: number };
  /** Lease per delivery before the server redelivers it (default 30 s, at least 1 s on the broker). */
  ackDeadlineMs?: number;
  /** Long-poll wait per pull; close() waits for the current one (default 1000 ms). */
  pollWaitMs?: number;
  /**
   * A handler running longer fails with `sdk.handler_timeout` and is retried / dead-lettered like any
   * failure (its late result is ignored). Default: none. While a handler runs, its lease is extended.
   */
  handlerTimeoutMs?: number;
}

export interface SubscriptionHandle {
  /** Resolves once every underlying subscription exists and is being pulled. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

type Handler<E extends AnyEventDefinition> = (data: EventOutput<E>, ctx: EventContext<E['type']>) => unknown;

export interface EventBus {
  readonly transport: Transport;
  publish<E extends AnyEventDefinition>(event: E, data: EventInput<E>, options?: PublishOptions): Promise<{ id: string }>;
  publishMany<const T extends readonly AnyEventDefinition[]>(items: PublishItems<T>): Promise<{ ids: string[] }>;
  subscribe<E extends AnyEventDefinition>(events: E | readonly E[], handler: Handler<E>, options: SubscribeOptions): SubscriptionHandle;
  subscribe(events: '*', handler: (data: unknown, ctx: EventContext) => unknown, options: SubscribeOptions): SubscriptionHandle;
  close(): Promise<void>;
  /** The prom-client registry holding this bus's `eddy_*` metrics, e.g. for a /metrics endpoint. */
  metrics(): Registry;
  /** The causal chain of `correlationId`: events of those topics linked by causation id (`trace.ts`). */
  trace(correlationId: string, options: TraceOptions): Promise<Trace>;
}

/** Concurrency bound per subscription: each slot holds a leased message and a running handler. */
const concurrencyMax = 1_000;
/**
 * How long the broker may hold a consumer's ack before its fdatasync, for the next acks to share it
 * (the `eddy` transport's WebSocket delivery, below 10,000 acks/s): at a few thousand events a second
 * acks otherwise leave a few at a time, each an ack frame, a write and an answer. A key's next event
 * does not wait out the hold: delivering it ends the hold.
 */
const consumerAckLingerMs = 5;
const groupRe = /^[A-Za-z0-9._-]{1,100}$/;

/** A typed item for publishMany: `bus.publishMany([item(OrderPlaced, {...}), …])`. */
export function item<E extends AnyEventDefinition>(event: E, data: EventInput<E>, options?: PublishOptions): PublishItem {
  return { event, data, ...(options ? { options } : {}) };
}

export async function createEventBus(options: EventBusOptions): Promise<EventBus> {
  if (typeof options.source !== 'string' || options.source.length === 0) throw new EddyError('sdk.invalid_options', 'source must be a non-empty string');
  const { transport, owned } = await resolveTransport(options.transport, options.clock);
  const clock = options.clock ?? transport.clock;
  const newId = createUuidV7({ now: () => clock.now() });
  const random = options.random ?? Math.random;
  const onError = options.onError ?? (() => {});
  const defaultStore = options.idempotencyStore ?? new MemoryIdempotencyStore({ clock });
  const metrics = new BusMetrics(options.metricsRegistry);
  const tracing = new BusTracing(options.tracerProvider);
  const known = new Map<string, AnyEventDefinition>();
  for (const e of options.events ?? []) known.set(e.type, e);
  const consumers = new Set<Consumer>();
  const opening = new Set<Promise<unknown>>();
  const groupTopics = new Set<string>();
  let closed = false;

  const checkOpen = () => {
    if (closed) throw new EddyError('sdk.closed', 'the event bus is closed');
  };

  /**
   * The envelope to publish and its started publish span (ended by `send`): synchronous when the
   * validator is (most are), so publishMany makes no promise per event.
   */
  function envelopeOf(it: PublishItem): Outgoing | Promise<Outgoing> {
    const o = it.options ?? {};
    const deliverAt = dueTimeOf(o, clock.now());
    const def = it.event as unknown as EventDefinition;
    const checked = validateNow(def, it.data);
    return checked instanceof Promise ? checked.then((data) => envelopeWith(o, def, data, deliverAt)) : envelopeWith(o, def, checked, deliverAt);
  }

  function envelopeWith(o: PublishOptions, def: EventDefinition, data: unknown, deliverAt: number | undefined): Outgoing {
    const id = newId();
    const scope = handlingScope.getStore();
    const key = o.key ?? def.keyOf?.(data);
    const env: Envelope = {
      specversion: '1.0',
      id,
      source: options.source,
      type: def.type,
      time: isoTime(clock.now()),
      datacontenttype: 'application/json',
      version: def.version,
      correlationid: o.correlationId ?? scope?.correlationId ?? id,
      traceparent: childTraceparent(scope?.traceparent),
      data,
    };
    const causation = o.causationId ?? scope?.eventId;
    if (causation !== undefined) env.causationid = causation;
    if (key !== undefined) env.partitionkey = key;
    if (o.subject !== undefined) env.subject = o.subject;
    const { span, traceparent } = tracing.startPublish(env, def.topic, scope?.traceparent);
    if (traceparent !== undefined) env.traceparent = traceparent;
    const out: Outgoing = { topic: def.topic, envelope: env, span };
    if (deliverAt !== undefined) out.deliverAt = deliverAt;
    return out;
  }

  /** Publishes, then ends the publish spans and counts what was published. */
  async function send(out: Outgoing[]): Promise<void> {
    try {
      await transport.publish(out.map(({ topic, envelope, deliverAt }) => (deliverAt === undefined ? { topic, envelope } : { topic, envelope, deliverAt })));
    } catch (e) {
      for (const o of out) endSpan(o.span, e);
      throw e;
    }
    for (const o of out) {
      endSpan(o.span);
      metrics.published.add(1, o.envelope.type);
    }
  }

  function open(defs: readonly AnyEventDefinition[], handler: RawHandler, so: SubscribeOptions): SubscriptionHandle {
    checkOpen();
    if (!groupRe.test(so.group ?? '')) throw new EddyError('sdk.invalid_options', 'group must be 1..100 of [A-Za-z0-9._-]');
    const concurrency = so.concurrency ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > concurrencyMax) throw new EddyError('sdk.invalid_options', `concurrency must be an integer in [1, ${concurrencyMax}]`);
    const retry = retryPolicy(so.retry);
    if (so.handlerTimeoutMs !== undefined && (!Number.isSafeInteger(so.handlerTimeoutMs) || so.handlerTimeoutMs < 1)) throw new EddyError('sdk.invalid_options', 'handlerTimeoutMs must be a positive integer');
    const ackDeadlineMs = so.ackDeadlineMs ?? 30_000;
    const deadLetter = so.deadLetter ?? true;
    const idem = so.idempotency ?? false;
    const idempotency = idem === false ? null : { store: (idem === true ? undefined : idem.store) ?? defaultStore, windowMs: (idem === true ? undefined : idem.windowMs) ?? idempotencyWindowMsDefault };
    const byTopic = new Map<string, Map<string, AnyEventDefinition>>();
    for (const d of defs) {
      known.set(d.type, d);
      let m = byTopic.get(d.topic);
      if (!m) byTopic.set(d.topic, (m = new Map()));
      m.set(d.type, d);
    }
    if (byTopic.size === 0) throw new EddyError('sdk.invalid_options', 'subscribe needs at least one event (or "*" with events given to createEventBus)');
    for (const topic of byTopic.keys()) {
      const gt = `${so.group}.${topic}`;
      if (groupTopics.has(gt)) throw new EddyError('sdk.invalid_options', `group "${so.group}" already subscribes to topic "${topic}" on this bus: subscribe once with a list of events`);
      groupTopics.add(gt);
    }
    const mine: Consumer[] = [];
    const ready = Promise.all(
      [...byTopic].map(async ([topic, typeMap]) => {
        const sub = await transport.subscribe({
          name: `${so.group}.${topic}`,
          topic,
          maxDeliveryAttempts: deadLetter === false ? 0 : retry.attempts,
          deadLetterTopic: deadLetter === false ? null : deadLetter === true ? `${topic}.dlq` : deadLetter,
          backoff: { initialMs: retry.initialMs, multiplier: retry.multiplier, maxMs: retry.maxMs },
          ackDeadlineMs,
          ordered: true,
          // Settling deliveries take no handler room, so only a key's next event waits on an ack's
          // answer (and the broker ends a hold when it delivers one).
          ackLingerMs: consumerAckLingerMs,
        });
        const c = new Consumer(sub, typeMap, handler, { group: so.group, concurrency, retry, deadLetter: deadLetter !== false, idempotency, pollWaitMs: so.pollWaitMs ?? 1000, random, onError, metrics, tracing, topic, clock: transport.clock, ackDeadlineMs, ...(so.handlerTimeoutMs !== undefined ? { handlerTimeoutMs: so.handlerTimeoutMs } : {}) });
        if (closed) {
          await c.close();
          return;
        }
        consumers.add(c);
        mine.push(c);
      }),
    ).then(() => undefined);
    opening.add(ready);
    ready.catch((e: unknown) => onError(e, { group: so.group })).finally(() => opening.delete(ready));
    return {
      ready,
      async close() {
        await ready.catch(() => {});
        await Promise.all(mine.map((c) => (consumers.delete(c), c.close())));
      },
    };
  }

  const bus: EventBus = {
    transport,
    async publish(event, data, o) {
      checkOpen();
      const out = await envelopeOf({ event, data, ...(o ? { options: o } : {}) });
      await send([out]);
      return { id: out.envelope.id };
    },
    async publishMany(items) {
      checkOpen();
      // Envelopes made synchronously go straight out; with an asynchronous validator (or a failure,
      // kept as a rejected entry) every item is settled first, and the first failure in item order
      // ends the spans of the others and is thrown: nothing is published.
      const built: (Outgoing | Promise<Outgoing>)[] = [];
      let pending = false;
      for (const it of items as readonly PublishItem[]) {
        let b: Outgoing | Promise<Outgoing>;
        try {
          b = envelopeOf(it);
        } catch (e) {
          b = Promise.reject(e);
        }
        if (b instanceof Promise) pending = true;
        built.push(b);
      }
      if (!pending) {
        const out = built as Outgoing[];
        await send(out);
        return { ids: out.map((o) => o.envelope.id) };
      }
      const settled = await Promise.allSettled(built);
      const failed = settled.find((r) => r.status === 'rejected');
      const out = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (failed) {
        for (const o of out) endSpan(o.span, failed.reason); // nothing was published
        throw failed.reason;
      }
      await send(out);
      return { ids: out.map((o) => o.envelope.id) };
    },
    subscribe(events: AnyEventDefinition | readonly AnyEventDefinition[] | '*', handler: (data: never, ctx: never) => unknown, so: SubscribeOptions): SubscriptionHandle {
      const defs = events === '*' ? [...known.values()] : Array.isArray(events) ? (events as readonly AnyEventDefinition[]) : [events as AnyEventDefinition];
      return open(defs, handler as unknown as RawHandler, so);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...opening].map((p) => p.catch(() => {})));
      await Promise.all([...consumers].map((c) => c.close()));
      consumers.clear();
      if (owned) await transport.close();
    },
    metrics: () => metrics.registry,
    trace: (correlationId, o) => traceOf(transport, correlationId, o),
  };
  return bus;
}
