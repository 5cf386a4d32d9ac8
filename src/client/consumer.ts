// One consumer of a (group, topic) subscription: runs at most `concurrency` handlers at a time (with
// more deliveries leased ahead), in parallel across keys and strictly in order within a key, and settles each
// delivery only when its handler has finished: ack on success (after the idempotency mark), nack
// with the retry backoff on failure (the transport dead-letters after the last attempt).
// A handler's slot is free again as soon as the handler returns: settling (the ack's round trip and
// the broker's fsync) runs beside the next handlers and the next pull, not in their way. The next
// event of the same key still waits until the previous one is settled.
// Invariant: running handlers <= concurrency, deliveries waiting or running <= activeMax(concurrency),
// deliveries settling <= settlingMax(concurrency); close() stops pulling and waits for all of them.
// Leases: from pull until settled, each delivery's ack deadline is pushed forward every 2/3 of
// `ackDeadlineMs` (transport `extend`), so a slow handler's message is not redelivered mid-flight.
// `handlerTimeoutMs` fails a handler that runs longer with sdk.handler_timeout (retry / dead letter
// as any failure; its late result is ignored, its lease is no longer extended).

import { EddyError } from '../errors.ts';
import { decodeNow, type AnyEventDefinition, type EventDefinition } from './define-event.ts';
import { fromWireRecord, type Envelope } from './envelope.ts';
import { handlingScope, type EventContext } from './context.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { backoffDelayMs, type RetryPolicy } from './retry.ts';
import type { Delivery, TransportSubscription } from './transport.ts';
import type { Clock } from '../log/clock.ts';
import { context as otelContext, type Span } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import type { BusMetrics, ProcessedStatus } from './metrics.ts';
import { endSpan, type BusTracing } from './tracing.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { abortableSleep, sharedAbortController } from './waits.ts';

export type RawHandler = (data: unknown, ctx: EventContext) => unknown;

/** What settling a delivery needs once its handler is done: not the record (settlement may take a round trip). */
interface Settling {
  ackId: string;
  attempt: number;
  /** Known once the envelope was read. */
  event?: { id: string; type: string };
}

/**
 * Deliveries waiting for a handler slot or running, at most: `concurrency` running plus as many
 * again leased ahead, and at least 256 ahead. Pulls leave once half of this room is free, so a
 * round trip feeds the handlers for a while: with 2 x concurrency (128 at concurrency 64) a
 * 64-event pull per round trip capped a fast consumer at ~12k events/s on the benchmark machine. Each one
 * holds its record (~1 KiB typical); Pub/Sub's client leases up to 1,000 ahead by default.
 */
export function activeMax(concurrency: number): number {
  return concurrency + Math.max(concurrency, 256);
}

/**
 * Deliveries whose handler has finished and whose ack (or nack) is under way, at most: what a
 * consumer may hold leased beyond activeMax while acks travel. One settling delivery costs an ack
 * id and a few closures (its record is no longer needed); 1,000 is the eddy transport's ack ids per
 * request.
 */
export function settlingMax(concurrency: number): number {
  return Math.max(1_000, 4 * concurrency);
}

export interface ConsumerOptions {
  group: string;
  concurrency: number;
  retry: RetryPolicy;
  deadLetter: boolean;
  idempotency: { store: IdempotencyStore; windowMs: number } | null;
  pollWaitMs: number;
  random: () => number;
  onError: (error: unknown, info: { group: string; eventId?: string; type?: string; attempt?: number }) => void;
  /** Per-bus metrics; none when absent. */
  metrics?: BusMetrics;
  /** Per-bus spans; none when absent. */
  tracing?: BusTracing;
  /** The subscription's topic, for span names. */
  topic?: string;
  /** Timers for lease extension and handler timeouts; without it neither runs. */
  clock?: Clock;
  /** The subscription's lease; with `clock` and a transport `extend`, leases are extended at 2/3 of it. */
  ackDeadlineMs?: number;
  /** A handler running longer fails with sdk.handler_timeout; none when absent. */
  handlerTimeoutMs?: number;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export class Consumer {
  readonly #sub: TransportSubscription;
  readonly #defs: ReadonlyMap<string, AnyEventDefinition>;
  readonly #handler: RawHandler;
  readonly #o: ConsumerOptions;
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
  /** Deliveries in #inFlight whose handler is done and whose settlement is under way. */
  #settling = 0;
  #running = 0;
  readonly #slotWaiters: (() => void)[] = [];
  #slotFreed: (() => void) | null = null;
  #stopping = false;
  readonly #abort = sharedAbortController();
  readonly #loop: Promise<void>;
  /** Lease extension of held deliveries; null without a clock, an ack deadline or a transport `extend`. */
  readonly #leases: LeaseKeeper | null;
  /** Stops reporting this subscription in eddy_consumer_lag (set when metrics and topic are known). */
  readonly #untrackLag: (() => void) | null;

  constructor(sub: TransportSubscription, defs: ReadonlyMap<string, AnyEventDefinition>, handler: RawHandler, options: ConsumerOptions) {
    this.#sub = sub;
    this.#defs = defs;
    this.#handler = handler;
    this.#o = options;
    const { clock, ackDeadlineMs } = options;
    const extend = sub.extend?.bind(sub);
    this.#leases =
      clock && ackDeadlineMs && extend
        ? new LeaseKeeper({ clock, everyMs: Math.max(1, Math.floor((ackDeadlineMs * 2) / 3)), extend: (ids) => extend(ids, ackDeadlineMs), onError: (e) => options.onError(e, { group: options.group }) })
        : null;
    const { metrics, topic } = options;
    this.#untrackLag = metrics && topic !== undefined ? metrics.trackLag({ group: options.group, topic, lag: () => sub.lag() }) : null;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      // Up to `concurrency` handlers run; more deliveries may wait leased (prefetch, activeMax), so
      // handlers never idle while a pull is on the wire. Pull again once half the room is free (or
      // nothing waits or runs): a pull per freed slot would be a stream of one-message round trips.
      // Deliveries being settled do not take room, up to settlingMax of them.
      const leasedMax = activeMax(this.#o.concurrency);
      const active = this.#inFlight.size - this.#settling;
      const room = Math.min(leasedMax - active, leasedMax + settlingMax(this.#o.concurrency) - this.#inFlight.size);
      if (room <= 0 || (active > 0 && room < Math.ceil(leasedMax / 2))) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      let batch: Delivery[];
      try {
        batch = await this.#sub.pull({ max: room, waitMs: this.#o.pollWaitMs, signal: this.#abort.signal });
        failures = 0;
      } catch (e) {
        this.#o.onError(e, { group: this.#o.group });
        failures++;
        await this.#pause(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
        continue;
      }
      for (const d of batch) {
        if (this.#stopping) {
          // Pulled while closing: hand it straight back rather than start new work.
          await this.#sub.nack(d.ackId, { delayMs: 0, reason: 'consumer closing' }).catch((e: unknown) => this.#o.onError(e, { group: this.#o.group }));
          continue;
        }
        this.#schedule(d);
      }
    }
  }

  /** Waits before pulling again after a transport error; close() cuts it short. */
  #pause(ms: number): Promise<void> {
    return abortableSleep(ms, [this.#abort.signal]);
  }

  /** Chains the delivery behind the previous one of its key; keyless deliveries run freely. */
  #schedule(d: Delivery): void {
    const key = d.record.key;
    const prev = key === null ? undefined : this.#lanes.get(key);
    const stopLease = this.#keepLease(d.ackId);
    // The closures below reach the delivery through `held` only, dropped once the handler is done:
    // a settling delivery keeps its ack id, not its record.
    let held: Delivery | null = d;
    // Runs once the key's previous delivery is done, however that ended, and cleans up after itself:
    // the step's own promise is the delivery's `run` (no `then` promise adopting it, no `finally`
    // promise). A step never rejects, so the next delivery of its key always runs.
    const step = async (): Promise<void> => {
      try {
        if (prev !== undefined) await prev;
        if (!this.#tryAcquire()) await this.#slotFree();
        let settling: { settled: Promise<void> };
        try {
          const delivery = held!;
          held = null;
          settling = await this.#handle(delivery);
        } finally {
          this.#release();
        }
        this.#settling++;
        this.#wakePuller();
        try {
          await settling.settled;
        } finally {
          this.#settling--;
        }
      } catch (e) {
        // Only a throwing onError gets here (settling reports its own failures through it), and a
        // step must not reject: the next delivery of its key waits on it.
        try {
          this.#o.onError(e, { group: this.#o.group });
        } catch {
          // nothing left to tell
        }
      } finally {
        stopLease();
        this.#inFlight.delete(run);
        if (key !== null && this.#lanes.get(key) === run) this.#lanes.delete(key);
        this.#wakePuller();
      }
    };
    // step() runs at once up to its first await (the key's previous delivery, a handler slot or the
    // handler itself: #handle is async), so `run` is set before its `finally` can read it.
    const run: Promise<void> = step();
    if (key !== null) this.#lanes.set(key, run);
    this.#inFlight.add(run);
  }

  #wakePuller(): void {
    const wake = this.#slotFreed;
    this.#slotFreed = null;
    wake?.();
  }

  /** Takes a handler slot if one is free (at most `concurrency` handlers run at once). */
  #tryAcquire(): boolean {
    if (this.#running >= this.#o.concurrency) return false;
    this.#running++;
    return true;
  }

  /** Resolves when a running handler passes its slot on (#release). */
  #slotFree(): Promise<void> {
    return new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
  }

  #release(): void {
    const next = this.#slotWaiters.shift();
    if (next) next(); // the slot passes straight to the next waiting handler
    else this.#running--;
  }

  /** Extends the delivery's lease every 2/3 of the ack deadline until the returned stop is called. */
  #keepLease(ackId: string): () => void {
    const leases = this.#leases;
    if (!leases) return () => {};
    leases.hold(ackId);
    return () => leases.release(ackId);
  }

  /**
   * The handler's result, or sdk.handler_timeout after `handlerTimeoutMs` (the late result is dropped).
   * Without a timeout, the result as it is: a synchronous handler's is not wrapped in a promise.
   */
  #withTimeout(result: unknown, env: Envelope): unknown {
    const ms = this.#o.handlerTimeoutMs;
    const clock = this.#o.clock;
    if (ms === undefined || !clock) return result;
    const p = Promise.resolve(result);
    return new Promise<unknown>((resolve, reject) => {
      const timer = clock.setTimer(ms, () => {
        p.catch(() => {}); // the late outcome is ignored
        reject(new EddyError('sdk.handler_timeout', `handler for ${env.type} ${env.id} ran longer than ${ms} ms`, { eventId: env.id, handlerTimeoutMs: ms }));
      });
      p.then(
        (v) => (timer.cancel(), resolve(v)),
        (e: unknown) => (timer.cancel(), reject(e)),
      );
    });
  }

  /**
   * Runs the handler (decode, idempotency check, validation, upcast, handler) and returns its
   * settlement — ack or nack — started, not awaited: the caller frees the handler slot first.
   */
  async #handle(d: Delivery): Promise<{ settled: Promise<void> }> {
    const s: Settling = { ackId: d.ackId, attempt: d.attempt };
    let span: Span | undefined;
    try {
      const env = fromWireRecord(d.record);
      s.event = { id: env.id, type: env.type };
      const def = this.#defs.get(env.type);
      if (!def) return { settled: this.#settle(s, undefined, 'foreign') }; // another event type sharing the topic: not this consumer's
      const handling = this.#o.tracing?.startHandle(env, this.#o.topic ?? def.topic, this.#o.group, d.attempt);
      span = handling?.span;
      const idem = this.#o.idempotency;
      if (idem && (await idem.store.has(this.#o.group, env.id))) return { settled: this.#settle(s, span, 'duplicate') };
      const decoded = decodeNow(def as EventDefinition, env.data, env.version === 0 ? def.version : env.version);
      const data = decoded instanceof Promise ? await decoded : decoded; // no await (a promise and a tick) for a synchronous validator
      const ctx = contextOf(env, d.attempt, this.#o.group);
      const scope = { eventId: env.id, correlationId: ctx.correlationId, traceparent: handling ? handling.traceparent : env.traceparent };
      const run = () => this.#withTimeout(handlingScope.run(scope, () => this.#handler(data, ctx)), env);
      const started = performance.now();
      try {
        const result = handling ? otelContext.with(handling.context, run) : run();
        if (isThenable(result)) await result; // a synchronous handler's result is not awaited (a promise and a tick less)
      } finally {
        this.#o.metrics?.handlerDuration.observe({ type: env.type, group: this.#o.group }, (performance.now() - started) / 1000);
      }
      return { settled: this.#settle(s, span, 'ok') };
    } catch (e) {
      return { settled: this.#failed(s, span, e) };
    }
  }

  /** Acks a handled delivery (after the idempotency mark when handled now); a failure here counts as the handler's. */
  async #settle(s: Settling, span: Span | undefined, outcome: 'ok' | 'duplicate' | 'foreign'): Promise<void> {
    try {
      const idem = this.#o.idempotency;
      if (idem && outcome === 'ok' && s.event) await idem.store.markDone(this.#o.group, s.event.id, idem.windowMs);
      await this.#sub.ack([s.ackId]);
      if (outcome === 'foreign' || !s.event) return;
      this.#o.metrics?.processedAs(s.event.type, this.#o.group, outcome);
      if (span) endSpan(span, undefined, { 'eddy.outcome': outcome });
    } catch (e) {
      await this.#failed(s, span, e);
    }
  }

  async #failed(s: Settling, span: Span | undefined, e: unknown): Promise<void> {
    const status = await this.#fail(s, e);
    if (s.event && status) this.#o.metrics?.processedAs(s.event.type, this.#o.group, status);
    if (span) endSpan(span, e, status ? { 'eddy.outcome': status } : undefined);
  }

  /** Nacks (retry, or dead letter after the last attempt); returns the outcome, null if not settled. */
  async #fail(s: Settling, e: unknown): Promise<ProcessedStatus | null> {
    const env = s.event;
    const info = { group: this.#o.group, attempt: s.attempt, ...(env ? { eventId: env.id, type: env.type } : {}) };
    this.#o.onError(e, info);
    const p = this.#o.retry;
    const last = s.attempt >= p.attempts;
    try {
      if (last && !this.#o.deadLetter) await this.#sub.ack([s.ackId]); // dropped after the last attempt, as asked
      else await this.#sub.nack(s.ackId, { delayMs: backoffDelayMs(p, s.attempt, this.#o.random), reason: reasonOf(e) });
      return last ? 'dead_letter' : 'retry';
    } catch (settleError) {
      this.#o.onError(settleError, info); // redelivered after the ack deadline
      return null;
    }
  }

  /** Stops pulling, waits for the current pull and every in-flight handler to settle. */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort();
    this.#wakePuller();
    await this.#loop;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    this.#untrackLag?.();
    await this.#sub.close();
  }
}

function contextOf(env: Envelope, attempt: number, group: string): EventContext {
  return {
    id: env.id,
    type: env.type,
    source: env.source,
    time: env.time,
    subject: env.subject,
    key: env.partitionkey,
    version: env.version,
    correlationId: env.correlationid ?? env.id,
    causationId: env.causationid,
    traceparent: env.traceparent,
    attempt,
    group,
  };
}

function reasonOf(e: unknown): string {
  if (e instanceof EddyError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
