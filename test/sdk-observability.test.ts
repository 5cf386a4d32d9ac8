// Observability of the EventBus SDK: prom-client counters and the handler histogram of one bus
// (memory transport on a FakeClock: ok, retry, dead letter, duplicate), and OpenTelemetry spans of a
// publish -> handle -> publish chain across buses (one trace, each span the child of the right one,
// linked through the envelopes' traceparent). Waits are on conditions, never fixed sleeps.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { createEventBus, defineEvent, fromWireRecord, MemoryTransport, type EventBus, type EventBusOptions, type EventContext } from '../src/client/index.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';

const Item = defineEvent('Item', { version: 1, schema: z.object({ key: z.string(), n: z.number() }), key: (e) => e.key });
const OrderPlaced = defineEvent('OrderPlaced', { version: 1, schema: z.object({ orderId: z.string() }), key: (e) => e.orderId });
const InventoryReserved = defineEvent('InventoryReserved', { version: 1, schema: z.object({ orderId: z.string() }), key: (e) => e.orderId });
const PaymentProcessed = defineEvent('PaymentProcessed', { version: 1, schema: z.object({ orderId: z.string() }), key: (e) => e.orderId });

interface World {
  fake: FakeClock;
  transport: MemoryTransport;
  bus(o?: Partial<EventBusOptions>): Promise<EventBus>;
  until(cond: () => boolean | Promise<boolean>, what: string): Promise<void>;
}

function world(t: TestContext): World {
  const fake = new FakeClock();
  const transport = new MemoryTransport({ clock: fake });
  const buses: EventBus[] = [];
  t.after(() => Promise.all(buses.map((b) => b.close())));
  return {
    fake,
    transport,
    async bus(o = {}) {
      const b = await createEventBus({ source: 'test', transport, ...o });
      buses.push(b);
      return b;
    },
    async until(cond, what) {
      const giveUpMs = Date.now() + 20_000; // a hang guard only
      while (!(await cond())) {
        if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
        fake.advance(10);
        await sleep(1);
      }
    },
  };
}

/** The value of one labelled series of a counter (0 if absent). */
async function valueOf(reg: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = reg.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  const v = values.find((x) => Object.entries(labels).every(([k, want]) => x.labels[k] === want) && Object.keys(x.labels).length === Object.keys(labels).length);
  return v?.value ?? 0;
}

test('metrics: published, processed by status, handler duration, retries and dead letters', async (t) => {
  const w = world(t);
  const b = await w.bus();
  const reg = b.metrics();
  assert.ok(reg instanceof Registry);
  const handled: string[] = [];
  await b.subscribe(
    Item,
    (e, ctx) => {
      if (e.n === 2) throw new Error('always fails');
      if (e.n === 3 && ctx.attempt === 1) throw new Error('fails once');
      handled.push(`${e.n}#${ctx.attempt}`);
    },
    { group: 'g1', retry: { attempts: 3, backoff: { initialMs: 20, multiplier: 2 } }, idempotency: true },
  ).ready;
  await b.publish(Item, { key: 'a', n: 1 });
  await b.publish(Item, { key: 'b', n: 2 });
  await b.publish(Item, { key: 'c', n: 3 });
  await w.until(async () => (await valueOf(reg, 'eddy_dead_letters_total', { type: 'Item', group: 'g1' })) === 1 && handled.length === 2, 'n=2 dead-lettered, n=1 and n=3 handled');
  assert.deepEqual(handled.sort(), ['1#1', '3#2']);
  assert.equal(await valueOf(reg, 'eddy_events_published_total', { type: 'Item' }), 3);
  const processed = (status: string) => valueOf(reg, 'eddy_events_processed_total', { type: 'Item', group: 'g1', status });
  assert.equal(await processed('ok'), 2);
  assert.equal(await processed('retry'), 3, 'n=2 twice, n=3 once');
  assert.equal(await processed('dead_letter'), 1);
  assert.equal(await processed('duplicate'), 0);
  assert.equal(await valueOf(reg, 'eddy_retries_total', { type: 'Item', group: 'g1' }), 3);

  const text = await reg.metrics();
  assert.match(text, /eddy_handler_duration_seconds_count\{type="Item",group="g1"\} 6/, 'one observation per handler run (2 ok + 3 retries + 1 dead letter)');
  assert.match(text, /# TYPE eddy_events_processed_total counter/);
});

test('metrics: a duplicate delivery is counted as duplicate, not handled', async (t) => {
  const w = world(t);
  const b = await w.bus();
  const reg = b.metrics();
  const handled: string[] = [];
  await b.subscribe(Item, (e) => void handled.push(e.key), { group: 'g', idempotency: true }).ready;
  const spy = await w.bus({ source: 'spy' });
  const { id } = await spy.publish(Item, { key: 'k', n: 1 });
  await w.until(() => handled.length === 1, 'first copy handled');
  // The very same record (same event id) stored again, past the transport's id dedup: a redelivery.
  const rec = w.transport.record('Item', 0)!;
  assert.equal(fromWireRecord(rec).id, id);
  w.transport.append('Item', rec, null);
  await w.until(async () => (await valueOf(reg, 'eddy_events_processed_total', { type: 'Item', group: 'g', status: 'duplicate' })) === 1, 'duplicate counted');
  assert.deepEqual(handled, ['k']);
  assert.equal(await valueOf(spy.metrics(), 'eddy_events_published_total', { type: 'Item' }), 1, 'each bus has its own registry');
  assert.equal(await valueOf(reg, 'eddy_events_published_total', { type: 'Item' }), 0);
});

test('metrics: buses given one registry share the metrics', async (t) => {
  const w = world(t);
  const registry = new Registry();
  const a = await w.bus({ metricsRegistry: registry });
  const b = await w.bus({ metricsRegistry: registry });
  assert.equal(a.metrics(), registry);
  await a.publish(Item, { key: 'x', n: 1 });
  await b.publish(Item, { key: 'y', n: 2 });
  assert.equal(await valueOf(registry, 'eddy_events_published_total', { type: 'Item' }), 2);
});

test('tracing: OrderPlaced -> InventoryReserved -> PaymentProcessed is one trace with the right parents', async (t) => {
  const w = world(t);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const cm = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(cm);
  t.after(() => {
    context.disable();
    return provider.shutdown();
  });
  const tracer = provider.getTracer('test');
  const order = await w.bus({ source: 'order-service', tracerProvider: provider });
  const inventory = await w.bus({ source: 'inventory-service', tracerProvider: provider });
  const payment = await w.bus({ source: 'payment-service', tracerProvider: provider });
  const seen = new Map<string, EventContext>();
  await inventory.subscribe(OrderPlaced, async (e, ctx) => {
    seen.set(ctx.type, ctx);
    await inventory.publish(InventoryReserved, { orderId: e.orderId });
  }, { group: 'inventory' }).ready;
  await payment.subscribe(InventoryReserved, async (e, ctx) => {
    seen.set(ctx.type, ctx);
    // A span of the handler's own: the publish inside it is its child.
    await tracer.startActiveSpan('charge card', async (s) => {
      await payment.publish(PaymentProcessed, { orderId: e.orderId });
      s.end();
    });
  }, { group: 'payment' }).ready;
  await order.subscribe(PaymentProcessed, (_e, ctx) => void seen.set(ctx.type, ctx), { group: 'order' }).ready;

  const published = await tracer.startActiveSpan('checkout', async (s) => {
    const r = await order.publish(OrderPlaced, { orderId: 'o-1' });
    s.end();
    return r;
  });
  await w.until(() => exporter.getFinishedSpans().length === 8, 'eight spans finished');
  const spans = exporter.getFinishedSpans();
  const byName = (name: string): ReadableSpan => {
    const found = spans.filter((s) => s.name === name);
    assert.equal(found.length, 1, name);
    return found[0]!;
  };
  const checkout = byName('checkout');
  const pubOrder = byName('publish OrderPlaced');
  const procOrder = byName('process OrderPlaced');
  const pubInv = byName('publish InventoryReserved');
  const procInv = byName('process InventoryReserved');
  const charge = byName('charge card');
  const pubPay = byName('publish PaymentProcessed');
  const procPay = byName('process PaymentProcessed');
  const traceId = checkout.spanContext().traceId;
  for (const s of spans) assert.equal(s.spanContext().traceId, traceId, `${s.name} in the one trace`);
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
  assert.equal(checkout.parentSpanContext, undefined);
  assert.equal(parentOf(pubOrder), checkout.spanContext().spanId);
  assert.equal(parentOf(procOrder), pubOrder.spanContext().spanId);
  assert.equal(parentOf(pubInv), procOrder.spanContext().spanId);
  assert.equal(parentOf(procInv), pubInv.spanContext().spanId);
  assert.equal(parentOf(charge), procInv.spanContext().spanId);
  assert.equal(parentOf(pubPay), charge.spanContext().spanId);
  assert.equal(parentOf(procPay), pubPay.spanContext().spanId);
  for (const s of [pubOrder, pubInv, pubPay]) assert.equal(s.kind, SpanKind.PRODUCER, s.name);
  for (const s of [procOrder, procInv, procPay]) assert.equal(s.kind, SpanKind.CONSUMER, s.name);

  // Attributes carry the CloudEvents id/type/source; the envelope's traceparent names the publish span.
  assert.equal(pubOrder.attributes['cloudevents.event_id'], published.id);
  assert.equal(pubOrder.attributes['cloudevents.event_type'], 'OrderPlaced');
  assert.equal(pubOrder.attributes['cloudevents.event_source'], 'order-service');
  assert.equal(procOrder.attributes['cloudevents.event_id'], published.id);
  assert.equal(procOrder.attributes['messaging.consumer.group.name'], 'inventory');
  assert.equal(procInv.attributes['cloudevents.event_source'], 'inventory-service');
  assert.equal(seen.get('OrderPlaced')!.traceparent, `00-${traceId}-${pubOrder.spanContext().spanId}-01`);
  assert.equal(seen.get('PaymentProcessed')!.traceparent, `00-${traceId}-${pubPay.spanContext().spanId}-01`);
  assert.equal(seen.get('PaymentProcessed')!.causationId, seen.get('InventoryReserved')!.id);
});

test('tracing: a failing handler ends its span with an error status', async (t) => {
  const w = world(t);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  t.after(() => provider.shutdown());
  const b = await w.bus({ tracerProvider: provider });
  await b.subscribe(Item, () => {
    throw new Error('boom');
  }, { group: 'g', retry: { attempts: 1 }, deadLetter: false }).ready;
  await b.publish(Item, { key: 'k', n: 1 });
  await w.until(() => exporter.getFinishedSpans().some((s) => s.name === 'process Item'), 'handling span ended');
  const s = exporter.getFinishedSpans().find((x) => x.name === 'process Item')!;
  assert.equal(s.status.code, 2 /* ERROR */);
  assert.equal(s.status.message, 'boom');
  assert.equal(s.attributes['eddy.outcome'], 'dead_letter');
});

test('tracing: without an SDK the envelopes still carry one trace id down the chain', async (t) => {
  const w = world(t);
  assert.equal(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording(), false, 'no SDK registered in this process');
  const a = await w.bus();
  const seen: EventContext[] = [];
  await a.subscribe(OrderPlaced, async (e, ctx) => {
    seen.push(ctx);
    await a.publish(InventoryReserved, { orderId: e.orderId });
  }, { group: 'x' }).ready;
  await a.subscribe(InventoryReserved, (_e, ctx) => void seen.push(ctx), { group: 'y' }).ready;
  await a.publish(OrderPlaced, { orderId: 'o' });
  await w.until(() => seen.length === 2, 'both handled');
  const [first, second] = seen.map((c) => c.traceparent!.split('-'));
  assert.equal(first![1], second![1], 'same trace id');
  assert.notEqual(first![2], second![2], 'a new span id per hop');
});
