// The eddy transport beyond the shared conformance suite: `{ embedded: { dataDir } }`, events
// crossing between the SDK and plain HTTP CloudEvents (both directions), and server-side
// redelivery of work a crashed consumer had leased (the broker, not the SDK, remembers it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createEventBus, defineEvent, EddyHttpTransport, item, startEmbeddedTransport, type EventContext } from '../src/client/index.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { SimFileIO } from '../src/testing/sim-file-io.ts';
import { Broker } from '../src/broker/broker.ts';
import { buildHttpServer } from '../src/http/server.ts';
import { EddyError } from '../src/errors.ts';
import { startTestBroker } from './support/test-broker.ts';

const Job = defineEvent('Job', { version: 1, schema: z.object({ n: z.number() }) });
const OrderPlaced = defineEvent('OrderPlaced', { version: 2, schema: z.object({ orderId: z.string(), currency: z.string() }), upcast: { 1: (v) => ({ ...v, currency: 'USD' }) }, key: (e) => e.orderId });

async function until(cond: () => boolean, what: string): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // hang guard, not a duration assertion
  while (!cond()) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(2);
  }
}

test('embedded transport: SDK events are plain CloudEvents over HTTP, and HTTP CloudEvents reach SDK handlers', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-');
  t.after(cleanup);
  const bus = await createEventBus({ source: 'order-service', transport: { embedded: { dataDir: dir } } });
  let url = '';
  try {
    url = (bus.transport as unknown as { url: string }).url;
    const got: { data: unknown; ctx: EventContext }[] = [];
    await bus.subscribe(OrderPlaced, (data, ctx) => void got.push({ data, ctx }), { group: 'email', pollWaitMs: 100 }).ready;
    const { id } = await bus.publish(OrderPlaced, { orderId: 'o-1', currency: 'EUR' });
    const read = (await (await fetch(`${url}/v1/topics/OrderPlaced/partitions/0/events?offset=earliest`)).json()) as { events: { key: string; value: unknown; headers: Record<string, string> }[] };
    const e = read.events[0]!;
    assert.equal(e.key, 'o-1');
    assert.deepEqual(e.value, { orderId: 'o-1', currency: 'EUR' });
    assert.equal(e.headers.ce_id, id);
    assert.equal(e.headers.ce_specversion, '1.0');
    assert.equal(e.headers.ce_source, 'order-service');
    assert.equal(e.headers.ce_version, '2');
    assert.equal(e.headers['content-type'], 'application/json');
    // A v1 event from a service that speaks plain CloudEvents over HTTP (no SDK).
    const res = await fetch(`${url}/v1/topics/OrderPlaced/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: 'legacy-1', source: 'legacy', type: 'OrderPlaced', version: 1, correlationid: 'c-9', data: { orderId: 'o-2' } }),
    });
    assert.equal(res.status, 200);
    await until(() => got.length === 2, 'both orders handled');
    assert.deepEqual(got[1]!.data, { orderId: 'o-2', currency: 'USD' });
    assert.equal(got[1]!.ctx.source, 'legacy');
    assert.equal(got[1]!.ctx.correlationId, 'c-9');
    assert.equal(got[1]!.ctx.version, 1);
  } finally {
    await bus.close();
  }
  assert.equal(await fetch(`${url}/healthz`).catch(() => null), null, 'the bus closed the broker it started');
});

test('eddy transport: work leased by a crashed consumer is redelivered by the broker to the group', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-');
  const transport = await startEmbeddedTransport({ dataDir: dir });
  const bus = await createEventBus({ source: 's', transport });
  t.after(async () => {
    // node:test runs after-hooks in registration order: one hook, closing in reverse.
    await bus.close();
    await transport.close();
    await cleanup();
  });
  await bus.publish(OrderPlaced, { orderId: 'o-1', currency: 'EUR' });
  const spec = { name: 'ship.OrderPlaced', topic: 'OrderPlaced', maxDeliveryAttempts: 5, deadLetterTopic: 'OrderPlaced.dlq', backoff: { initialMs: 10, multiplier: 2, maxMs: 50 }, ackDeadlineMs: 1000, ordered: true };
  const crashed = await transport.subscribe(spec); // a consumer that leases the event, then dies without acking
  let leased: unknown[] = [];
  while (leased.length === 0) leased = await crashed.pull({ max: 10, waitMs: 200 });
  await crashed.close(); // its connection goes away with it (nothing acked)
  const attempts: number[] = [];
  await bus.subscribe(OrderPlaced, (_d, ctx) => void attempts.push(ctx.attempt), { group: 'ship', retry: { attempts: 5, backoff: { initialMs: 10, multiplier: 2, maxMs: 50 } }, ackDeadlineMs: 1000, pollWaitMs: 100 }).ready;
  await until(() => attempts.length === 1, 'the redelivery');
  assert.deepEqual(attempts, [2]);
});

test('eddy transport: read pages through a partition past one HTTP read (10,000 events, 1 MiB) up to max', async (t) => {
  const b = await startTestBroker(t);
  const transport = new EddyHttpTransport({ url: b.http.url });
  t.after(() => transport.close());
  const pad = 'x'.repeat(200);
  for (let batch = 0; batch < 3; batch++) {
    const events = Array.from({ length: 5000 }, (_, i) => ({ value: { n: batch * 5000 + i, pad } }));
    const r = await fetch(`${b.http.url}/v1/topics/many/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    assert.equal(r.status, 200);
  }
  const all = await transport.read('many', { max: 100_000 });
  assert.equal(all.length, 15_000, 'every event, over several reads');
  assert.deepEqual(all.map((r) => (r.value as { n: number }).n), Array.from({ length: 15_000 }, (_, i) => i));
  assert.equal((await transport.read('many', { max: 10 })).length, 10);
  assert.deepEqual(await transport.read('missing', { max: 10 }), []);
});

test('eddy transport: publishes travel as WebSocket messages split to fit a frame; an event too large for a frame goes over HTTP', async (t) => {
  const b = await startTestBroker(t);
  const url = b.http.url;
  const created = await fetch(`${url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Blob', config: { 'max.message.bytes': 4 * 1024 * 1024 } }) });
  assert.equal(created.status, 201);
  const Blob = defineEvent('Blob', { version: 1, schema: z.object({ n: z.number(), body: z.string() }), key: () => 'one-key' });
  const bus = await createEventBus({ source: 's', transport: new EddyHttpTransport({ url }) });
  t.after(() => bus.close());
  const metric = async (name: string, labels: string): Promise<number> => {
    const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  const posts = () => metric('eddy_http_requests_total', 'route="/v1/topics/:topic/events",method="POST",status="200"');
  // 5 events of 300 KB: more than one 1 MiB frame holds, so the batch is split.
  await bus.publishMany(Array.from({ length: 5 }, (_, n) => item(Blob, { n, body: String(n).repeat(300_000) })));
  assert.equal(await posts(), 0, 'the batch went over the socket');
  // One of 1.5 MB in the middle of a batch: no frame holds it; it goes over HTTP, in its place.
  await bus.publishMany([item(Blob, { n: 5, body: 'a'.repeat(300_000) }), item(Blob, { n: 6, body: 'z'.repeat(1_500_000) }), item(Blob, { n: 7, body: 'b'.repeat(300_000) })]);
  assert.equal(await posts(), 1, 'the oversized event went over HTTP');
  assert.equal(await metric('eddy_published_events_total', 'topic="Blob"'), 8);
  const stored = await (bus.transport as EddyHttpTransport).read('Blob', { max: 10 });
  assert.deepEqual(stored.map((r) => (r.value as { n: number }).n), [0, 1, 2, 3, 4, 5, 6, 7], 'in the order published');
});

test('eddy transport: a publish the broker cannot take now (an I/O error: the 503 family) is retried with backoff until giveUpMs, then fails with the broker\'s code', async (t) => {
  const io = new SimFileIO();
  const broker = await Broker.open({ dataDir: '/data', io, freeBytesFloor: 0 });
  const { app } = buildHttpServer({ broker });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  assert.ok(typeof addr === 'object' && addr !== null);
  const url = `http://127.0.0.1:${addr.port}`;
  const transport = new EddyHttpTransport({ url, reconnect: { initialMs: 5, maxMs: 20, giveUpMs: 1_000 } });
  t.after(async () => {
    await transport.close();
    await app.close();
    await broker.close().catch(() => {}); // its data directory failed
  });
  await broker.createTopic('Job', { partitions: 1 });
  const bus = await createEventBus({ source: 's', transport });
  await bus.publish(Job, { n: 0 }); // the socket is open and the path works
  io.failOn({ op: 'datasync', path: '/Job-0/', always: true, errno: 'EIO' });
  await assert.rejects(bus.publish(Job, { n: 1 }), (e: unknown) => e instanceof EddyError && e.code === 'log.fsync_failed');
  const refusals = Number((await (await fetch(`${url}/metrics`)).text()).match(/^eddy_ws_errors_total\{code="log.fsync_failed"\} (\d+)/m)?.[1] ?? 0);
  assert.ok(refusals >= 2, `the publish was sent again after a "not now" answer (${refusals} refusals)`);
});

test('a publish with an event the broker would refuse as a CloudEvent fails with event.invalid before its frame is sent; a refusal of a frame sent before it is not an unhandled rejection', async (t) => {
  const b = await startTestBroker(t);
  const Big = defineEvent('BigDoc', { version: 1, schema: z.object({ pad: z.string() }) });
  // Events larger than the topic allows: the broker refuses the frame that carries the first one.
  const created = await fetch(`${b.http.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: Big.topic, config: { 'max.message.bytes': 300_000 } }) });
  assert.equal(created.status, 201);
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => void process.off('unhandledRejection', onUnhandled));
  const transport = new EddyHttpTransport({ url: b.http.url });
  const bus = await createEventBus({ source: 'docs', transport });
  t.after(() => bus.close());
  const pad = 'x'.repeat(700_000);
  // Two events fill more than one frame (the first frame goes before the third event is encoded);
  // the third's subject is longer than an attribute may be (64 KiB).
  await assert.rejects(
    bus.publishMany([item(Big, { pad }), item(Big, { pad }), item(Big, { pad: 'x' }, { subject: 's'.repeat(70_000) })]),
    (e: unknown) => e instanceof EddyError && e.code === 'event.invalid' && /events\[2\]/.test(e.message),
  );
  // The broker answered the first frame (event.too_large), and nobody was left to handle it.
  const refused = async () => /eddy_ws_errors_total\{code="event.too_large"\} [1-9]/.test(await (await fetch(`${b.http.url}/metrics`)).text());
  const giveUpMs = Date.now() + 20_000; // hang guard, not a duration assertion
  while (!(await refused())) {
    if (Date.now() > giveUpMs) assert.fail('the broker never answered the first frame');
    await sleep(2);
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
  const topic = (await (await fetch(`${b.http.url}/v1/topics/${Big.topic}`)).json()) as { partitions: { latestOffset: number }[] };
  assert.equal(topic.partitions.reduce((n, p) => n + p.latestOffset, 0), 0, 'nothing stored');
});
