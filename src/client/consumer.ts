// One consumer of a (group, topic) subscription: runs at most `concurrency` handlers at a time (with
// as many deliveries again leased ahead), in parallel across keys and strictly in order within a key, and settles each
// delivery only when its handler has finished: ack on success (after the idempotency mark), nack
// with the retry backoff on failure (the transport dead-letters after the last attempt).
// Invariant: running handlers <= concurrency, leased deliveries <= 2 x concurrency; close() stops
// pulling and waits for all of them.
// Leases: from pull until settled, each delivery's ack deadline is pushed forward every 2/3 of
// `ackDeadlineMs` (transport `extend`), so a slow handler's message is not redelivered mid-flight.
// `handlerTimeoutMs` fails a handler that runs longer with sdk.handler_timeout (retry / dead letter
// as any failure; its late result is ignored, its lease is no longer extended).

import { EddyError } from '../errors.ts';
import { decodeEvent, type AnyEventDefinition, type EventDefinition } from './define-event.ts';
import { fromWireRecord, type Envelope } from './envelope.ts';
import { handlingScope, type EventContext } from './context.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { backoffDelayMs, type RetryPolicy } from './retry.ts';
import type { Delivery, TransportSubscription } from './transport.ts';
import type { Clock, Timer } from '../log/clock.ts';
import { context as otelContext, type Span } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import type { BusMetrics, ProcessedStatus } from './metrics.ts';
import { endSpan, type BusTracing } from './tracing.ts';

export type RawHandler = (data: unknown, ctx: EventContext) => unknown;

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

export class Consumer {
  readonly #sub: TransportSubscription;
  readonly #defs: ReadonlyMap<string, AnyEventDefinition>;
  readonly #handler: RawHandler;
  readonly #o: ConsumerOptions;
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
  #running = 0;
  readonly #slotWaiters: (() => void)[] = [];
  #slotFreed: (() => void) | null = null;
  #stopping = false;
  readonly #abort = new AbortController();
  readonly #loop: Promise<void>;

  constructor(sub: TransportSubscription, defs: ReadonlyMap<string, AnyEventDefinition>, handler: RawHandler, options: ConsumerOptions) {
    this.#sub = sub;
    this.#defs = defs;
    this.#handler = handler;
    this.#o = options;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      // Up to `concurrency` handlers run; as many more deliveries may wait leased (prefetch), so
      // handlers never idle while a pull is on the wire. Pull again once half the room is free (or
      // nothing is leased): a pull per freed slot would be a stream of one-message round trips.
      const leasedMax = 2 * this.#o.concurrency;
      const room = leasedMax - this.#inFlight.size;
      if (room <= 0 || (this.#inFlight.size > 0 && room < Math.ceil(leasedMax / 2))) {
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
    return new Promise<void>((resolve) => {
      const signal = this.#abort.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  /** Chains the delivery behind the previous one of its key; keyless deliveries run freely. */
  #schedule(d: Delivery): void {
    const key = d.record.key;
    const prev = key === null ? undefined : this.#lanes.get(key);
    const stopLease = this.#keepLease(d);
    const run: Promise<void> = (prev ?? Promise.resolve()).then(async () => {
      await this.#acquire();
      try {
        await this.#handle(d);
      } finally {
        this.#release();
      }
    });
    const done = run.finally(() => {
      stopLease();
      this.#inFlight.delete(done);
      if (key !== null && this.#lanes.get(key) === run) this.#lanes.delete(key);
      const wake = this.#slotFreed;
      this.#slotFreed = null;
      wake?.();
    });
    if (key !== null) this.#lanes.set(key, run);
    this.#inFlight.add(done);
  }

  /** A handler slot: at most `concurrency` handlers run at once. */
  #acquire(): Promise<void> {
    if (this.#running < this.#o.concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
  }

  #release(): void {
    const next = this.#slotWaiters.shift();
    if (next) next(); // the slot passes straight to the next waiting handler
    else this.#running--;
  }

  /** Extends the delivery's lease every 2/3 of the ack deadline until the returned stop is called. */
  #keepLease(d: Delivery): () => void {
    const { clock, ackDeadlineMs } = this.#o;
    const sub = this.#sub;
    if (!clock || !ackDeadlineMs || !sub.extend) return () => {};
    const everyMs = Math.max(1, Math.floor((ackDeadlineMs * 2) / 3));
    let timer: Timer | null = null;
    let stopped = false;
    const arm = () => {
      timer = clock.setTimer(everyMs, () => {
        if (stopped) return;
        sub.extend!([d.ackId], ackDeadlineMs).catch((e: unknown) => this.#o.onError(e, { group: this.#o.group, attempt: d.attempt }));
        arm();
      });
    };
    arm();
    return () => {
      stopped = true;
      timer?.cancel();
    };
  }

  /** The handler's result, or sdk.handler_timeout after `handlerTimeoutMs` (the late result is dropped). */
  #withTimeout(result: unknown, env: Envelope): Promise<unknown> {
    const ms = this.#o.handlerTimeoutMs;
    const clock = this.#o.clock;
    const p = Promise.resolve(result);
    if (ms === undefined || !clock) return p;
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

  async #handle(d: Delivery): Promise<void> {
    let env: Envelope | null = null;
    let span: Span | undefined;
    try {
      env = fromWireRecord(d.record);
      const def = this.#defs.get(env.type);
      if (!def) {
        await this.#sub.ack([d.ackId]); // another event type sharing the topic: not this consumer's
        return;
      }
      const handling = this.#o.tracing?.startHandle(env, this.#o.topic ?? def.topic, this.#o.group, d.attempt);
      span = handling?.span;
      const idem = this.#o.idempotency;
      if (idem && (await idem.store.has(this.#o.group, env.id))) {
        await this.#sub.ack([d.ackId]);
        this.#o.metrics?.processedAs(env.type, this.#o.group, 'duplicate');
        if (span) endSpan(span, undefined, { 'eddy.outcome': 'duplicate' });
        return;
      }
      const data = await decodeEvent(def as EventDefinition, env.data, env.version === 0 ? def.version : env.version);
      const ctx = contextOf(env, d.attempt, this.#o.group);
      const scope = { eventId: env.id, correlationId: ctx.correlationId, traceparent: handling ? handling.traceparent : env.traceparent };
      const run = () => this.#withTimeout(handlingScope.run(scope, () => this.#handler(data, ctx)), env!);
      const started = performance.now();
      try {
        await (handling ? otelContext.with(handling.context, run) : run());
      } finally {
        this.#o.metrics?.handlerDuration.observe({ type: env.type, group: this.#o.group }, (performance.now() - started) / 1000);
      }
      if (idem) await idem.store.markDone(this.#o.group, env.id, idem.windowMs);
      await this.#sub.ack([d.ackId]);
      this.#o.metrics?.processedAs(env.type, this.#o.group, 'ok');
      if (span) endSpan(span, undefined, { 'eddy.outcome': 'ok' });
    } catch (e) {
      const status = await this.#fail(d, env, e);
      if (env && status) this.#o.metrics?.processedAs(env.type, this.#o.group, status);
      if (span) endSpan(span, e, status ? { 'eddy.outcome': status } : undefined);
    }
  }

  /** Nacks (retry, or dead letter after the last attempt); returns the outcome, null if not settled. */
  async #fail(d: Delivery, env: Envelope | null, e: unknown): Promise<ProcessedStatus | null> {
    const info = { group: this.#o.group, attempt: d.attempt, ...(env ? { eventId: env.id, type: env.type } : {}) };
    this.#o.onError(e, info);
    const p = this.#o.retry;
    const last = d.attempt >= p.attempts;
    try {
      if (last && !this.#o.deadLetter) await this.#sub.ack([d.ackId]); // dropped after the last attempt, as asked
      else await this.#sub.nack(d.ackId, { delayMs: backoffDelayMs(p, d.attempt, this.#o.random), reason: reasonOf(e) });
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
    const wake = this.#slotFreed;
    this.#slotFreed = null;
    wake?.();
    await this.#loop;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
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
