// Publish with delayed delivery over HTTP: per JSON event `delayMs` / `deliverAt` (ms epoch); per
// CloudEvent the extension attributes `eddydelayms` / `eddydeliverat` (structured and batch mode, or
// `ce-eddydelayms` in binary mode; consumed here, not stored); or for the whole request the
// `eddy-delay-ms` / `eddy-deliver-at` HTTP headers (any content type; an event's own value wins). Events due later are stored durably in the
// broker's delayed-delivery scheduler and answer `{ partition: null, offset: null, scheduled: true,
// deliverAt, id }` in their slot; the others are published at once as usual.

import type { Broker, EncodedPublishEvent, PublishEvent, PublishResult } from '../broker/broker.ts';
import { resolveDelay, type DelayedDelivery } from '../broker/delayed.ts';
import { EddyError } from '../errors.ts';

export interface DelayRequest {
  delayMs?: unknown;
  deliverAt?: unknown;
}

/** A parsed event that may carry its own delay (JSON events). */
export type DelayableEvent = PublishEvent & { delay?: DelayRequest };

export type PublishSlot =
  | { partition: number; offset: number; duplicate?: true }
  | { partition: null; offset: null; scheduled: true; deliverAt: number; id: string };

/** How the HTTP answer shows an event stored now (`duplicate` only when it was one). */
const storedSlot = (x: PublishResult): PublishSlot => (x.duplicate ? { partition: x.partition, offset: x.offset, duplicate: true } : { partition: x.partition, offset: x.offset });

function headerInt(v: string | string[] | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v[0]! : v;
  if (!/^\d{1,16}$/.test(s.trim())) throw new EddyError('delay.invalid', `${name} must be a non-negative integer (ms), got "${s.slice(0, 40)}"`);
  return Number(s.trim());
}

/** A CloudEvent's `eddydelayms` / `eddydeliverat` attribute (a number, or a decimal string in binary mode). */
export function cloudEventDelay(into: DelayRequest, name: 'eddydelayms' | 'eddydeliverat', v: unknown, index?: number): void {
  let n: unknown = v;
  if (typeof v === 'string') n = /^\d{1,16}$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number') throw new EddyError('delay.invalid', `${index === undefined ? '' : `events[${index}]: `}${name} must be a non-negative integer (ms)`, index === undefined ? undefined : { index });
  if (name === 'eddydelayms') into.delayMs = n;
  else into.deliverAt = n;
}

/** The request-wide delay from `eddy-delay-ms` / `eddy-deliver-at`, if any. */
export function headerDelay(headers: Record<string, string | string[] | undefined>): DelayRequest | undefined {
  const delayMs = headerInt(headers['eddy-delay-ms'], 'eddy-delay-ms');
  const deliverAt = headerInt(headers['eddy-deliver-at'], 'eddy-deliver-at');
  if (delayMs === undefined && deliverAt === undefined) return undefined;
  return { ...(delayMs !== undefined ? { delayMs } : {}), ...(deliverAt !== undefined ? { deliverAt } : {}) };
}

/** Publishes events none of which is delayed (see Broker.publish on why this is not `async`). */
export function publishNow(broker: Broker, topic: string, events: readonly (PublishEvent | EncodedPublishEvent)[]): Promise<PublishSlot[]> {
  return broker.publish(topic, events).then((r) => r.map(storedSlot));
}

/**
 * Publishes the events that are due now and schedules the others. Not `async` on the common path
 * (nothing delayed): it hands the events to broker.publish, which encodes them at once, and keeps no
 * reference to them while the append waits (see Broker.publish).
 */
export function publishWithDelays(
  broker: Broker,
  delayed: DelayedDelivery | undefined,
  topic: string,
  events: readonly DelayableEvent[],
  httpHeaders: Record<string, string | string[] | undefined>,
): Promise<PublishSlot[]> {
  let requestDelay: DelayRequest | undefined;
  try {
    requestDelay = headerDelay(httpHeaders);
  } catch (e) {
    return Promise.reject(e);
  }
  if (requestDelay === undefined && !events.some((e) => e.delay !== undefined)) return publishNow(broker, topic, events);
  return publishSomeLater(broker, delayed, topic, events, requestDelay);
}

async function publishSomeLater(
  broker: Broker,
  delayed: DelayedDelivery | undefined,
  topic: string,
  events: readonly DelayableEvent[],
  requestDelay: DelayRequest | undefined,
): Promise<PublishSlot[]> {
  const now = broker.clock.now();
  const max = delayed?.delayMsMax;
  const now_: number[] = [];
  const later: number[] = [];
  const dueAt: number[] = [];
  events.forEach((e, i) => {
    const d = e.delay ?? requestDelay;
    let at: number | null = null;
    if (d) {
      try {
        at = resolveDelay(d, now, max);
      } catch (err) {
        if (err instanceof EddyError && e.delay) throw new EddyError(err.code, `events[${i}]: ${err.message}`, { index: i });
        throw err;
      }
    }
    if (at === null) now_.push(i);
    else {
      later.push(i);
      dueAt.push(at);
    }
  });
  const strip = (e: DelayableEvent): PublishEvent => {
    if (!('delay' in e)) return e;
    const { delay: _d, ...rest } = e;
    return rest;
  };
  if (later.length > 0 && !delayed) throw new EddyError('delay.unavailable', 'delayed delivery is not enabled on this server');
  const slots: PublishSlot[] = new Array<PublishSlot>(events.length);
  await Promise.all([
    (async () => {
      if (now_.length === 0) return;
      const r = await broker.publish(topic, now_.map((i) => strip(events[i]!)));
      now_.forEach((i, k) => (slots[i] = storedSlot(r[k]!)));
    })(),
    (async () => {
      if (later.length === 0) return;
      const r = await delayed!.schedule(topic, later.map((i) => strip(events[i]!)), dueAt);
      later.forEach((i, k) => (slots[i] = r[k]!));
    })(),
  ]);
  return slots;
}
