// The subscription HTTP API end to end over a real socket (startBroker, port 0): create / list /
// describe with stats / delete, pull + ack + nack with redelivery and a dead letter, the problem+json
// error paths with their stable codes, and the OpenAPI entries. Redelivery uses nack delayMs 0, so no waits.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { startTestBroker } from './support/test-broker.ts';

const withBroker = (t: import('node:test').TestContext): Promise<RunningBroker> => startTestBroker(t);

type Json = Record<string, unknown>;
interface Msg {
  ackId: string;
  deliveryAttempt: number;
  event: { partition: number; offset: number; key: string | null; value: { n: number } | string; headers: Record<string, string | null> };
}

/** Walks a parsed JSON body: at(x, 'a', 0, 'b') is x.a[0].b (undefined when absent). */
function at(v: unknown, ...path: (string | number)[]): unknown {
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}
const n = (m: Msg) => (m.event.value as { n: number }).n;

async function call(b: RunningBroker, method: string, path: string, body?: unknown): Promise<{ status: number; type: string; json: Json }> {
  const res = await fetch(b.http.url + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? (JSON.parse(text) as Json) : {} };
}

function assertProblem(r: { status: number; type: string; json: Json }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.match(r.type, /application\/problem\+json/);
  assert.equal(r.json.code, code);
  assert.equal(r.json.type, `urn:eddy:problem:${code}`);
}

test('subscriptions over HTTP: create, pull, ack, nack, redelivery, dead letter, stats, delete', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 'orders', partitions: 2 });
  await call(b, 'POST', '/v1/topics/orders/events', { events: [{ key: 'a', value: { n: 1 } }, { key: 'b', value: { n: 2 } }, { key: 'c', value: { n: 3 } }] });
  const c = await call(b, 'POST', '/v1/subscriptions', { name: 'work', topic: 'orders', maxDeliveryAttempts: 2, backoff: { initialMs: 0, maxMs: 0, multiplier: 1 } });
  assert.equal(c.status, 201, JSON.stringify(c.json));
  assert.equal(c.json.deadLetterTopic, 'orders.dlq');
  assert.equal(c.json.ackDeadlineMs, 30000);
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 'work', topic: 'orders' }), 409, 'subscription.already_exists');
  assert.deepEqual((at((await call(b, 'GET', '/v1/subscriptions')).json, 'subscriptions') as Json[]).map((s) => s.name), ['work']);

  const p = await call(b, 'POST', '/v1/subscriptions/work/pull', { max: 10, waitMs: 0 });
  assert.equal(p.status, 200);
  const msgs = p.json.messages as Msg[];
  assert.equal(msgs.length, 3);
  assert.deepEqual(msgs.map(n).sort(), [1, 2, 3]);
  for (const m of msgs) {
    assert.equal(m.deliveryAttempt, 1);
    assert.equal(typeof m.ackId, 'string');
    assert.equal(typeof m.event.partition, 'number');
    assert.equal(typeof m.event.offset, 'number');
  }
  const d = await call(b, 'GET', '/v1/subscriptions/work');
  assert.equal(at(d.json, 'stats', 'backlog'), 3);
  assert.equal(at(d.json, 'stats', 'inFlight'), 3);

  const one = msgs.find((m) => n(m) === 1)!;
  const two = msgs.find((m) => n(m) === 2)!;
  const three = msgs.find((m) => n(m) === 3)!;
  assert.deepEqual((await call(b, 'POST', '/v1/subscriptions/work/ack', { ackIds: [one.ackId] })).json, { acked: 1, ignored: 0 });
  assert.deepEqual((await call(b, 'POST', '/v1/subscriptions/work/ack', { ackIds: [one.ackId] })).json, { acked: 0, ignored: 1 });
  assert.deepEqual((await call(b, 'POST', '/v1/subscriptions/work/nack', { ackIds: [two.ackId, three.ackId], delayMs: 0 })).json, { nacked: 2, ignored: 0 });
  const again = (await call(b, 'POST', '/v1/subscriptions/work/pull', { max: 10 })).json.messages as Msg[];
  assert.deepEqual(again.map((m) => m.deliveryAttempt), [2, 2]);
  const twoAgain = again.find((m) => n(m) === 2)!;
  const threeAgain = again.find((m) => n(m) === 3)!;
  await call(b, 'POST', '/v1/subscriptions/work/ack', { ackIds: [twoAgain.ackId] });
  await call(b, 'POST', '/v1/subscriptions/work/nack', { ackIds: [threeAgain.ackId], reason: 'bad_payload' });

  // The dead letter is published in the background after the nack answers: wait for it.
  let stats: Json = {};
  const giveUpMs = Date.now() + 20_000; // hang guard
  for (;;) {
    stats = at((await call(b, 'GET', '/v1/subscriptions/work')).json, 'stats') as Json;
    if (stats.deadLettered === 1 || Date.now() > giveUpMs) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(stats.deadLettered, 1);
  assert.equal(stats.backlog, 0);
  const dlqTopic = (await call(b, 'GET', '/v1/topics/orders.dlq')).json;
  const dlqPartition = (dlqTopic.partitions as Json[]).find((x) => (x.latestOffset as number) > 0)!.partition as number;
  const dl = (await call(b, 'GET', `/v1/topics/orders.dlq/partitions/${dlqPartition}/events?offset=earliest`)).json.events as Msg['event'][];
  assert.equal(dl.length, 1);
  assert.deepEqual(dl[0]!.value, { n: 3 });
  assert.equal(dl[0]!.key, 'c');
  assert.equal(dl[0]!.headers['eddy.dlq.reason'], 'bad_payload');
  assert.equal(dl[0]!.headers['eddy.dlq.attempts'], '2');
  assert.equal(dl[0]!.headers['eddy.dlq.topic'], 'orders');
  assert.equal(dl[0]!.headers['eddy.dlq.offset'], String(three.event.offset));

  const waited = call(b, 'POST', '/v1/subscriptions/work/pull', { max: 1, waitMs: 10_000 });
  await call(b, 'POST', '/v1/topics/orders/events', { events: [{ value: 'late' }] });
  assert.equal(at((await waited).json, 'messages', 0, 'event', 'value'), 'late', 'a long poll wakes on publish');

  assert.equal((await call(b, 'DELETE', '/v1/subscriptions/work')).status, 204);
  assertProblem(await call(b, 'GET', '/v1/subscriptions/work'), 404, 'subscription.not_found');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/work/pull', {}), 404, 'subscription.not_found');
});

test('subscription request validation answers problem+json with stable codes', async (t) => {
  const b = await withBroker(t);
  await call(b, 'POST', '/v1/topics', { name: 'ev' });
  assertProblem(await call(b, 'POST', '/v1/subscriptions', []), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', '{not json'), 400, 'request.malformed_json');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 'bad name', topic: 'ev' }), 400, 'subscription.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'ev', extra: 1 }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'ev', ackDeadlineMs: 600_001 }), 400, 'subscription.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'ev', ackDeadlineMs: '30000' }), 400, 'subscription.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'ev', backoff: { initialMs: -1 } }), 400, 'subscription.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'ev', backoff: { jitter: true } }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'nope' }), 404, 'topic.not_found');
  assert.equal((await call(b, 'POST', '/v1/subscriptions', { name: 's', topic: 'ev', ordered: true })).status, 201);
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/pull', { max: 0 }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/pull', { max: 1001 }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/pull', { waitMs: 60_001 }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/ack', {}), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/ack', { ackIds: [] }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/ack', { ackIds: [42] }), 400, 'subscription.unknown_ack_id');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/ack', { ackIds: ['other:0:0:1'] }), 400, 'subscription.unknown_ack_id');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/nack', { ackIds: ['s:0:0:1'], delayMs: -5 }), 400, 'request.invalid');
  assertProblem(await call(b, 'POST', '/v1/subscriptions/s/nack', { ackIds: ['s:0:0:1'], reason: 'x'.repeat(257) }), 400, 'request.invalid');
  assert.deepEqual((await call(b, 'POST', '/v1/subscriptions/s/nack', { ackIds: ['s:0:0:1'] })).json, { nacked: 0, ignored: 1 });
  assertProblem(await call(b, 'DELETE', '/v1/subscriptions/nope'), 404, 'subscription.not_found');
  const o = (await call(b, 'GET', '/openapi.json')).json;
  for (const path of ['/v1/subscriptions', '/v1/subscriptions/{name}', '/v1/subscriptions/{name}/pull', '/v1/subscriptions/{name}/ack', '/v1/subscriptions/{name}/nack']) {
    assert.ok(at(o, 'paths', path), `openapi describes ${path}`);
  }
});
