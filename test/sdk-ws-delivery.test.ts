// The eddy transport's WebSocket delivery (src/client/eddy-ws-subscription.ts) against a real broker:
// the broker leases no more than the consumer's pull asked for, close hands buffered messages back at
// once, and a subscription deleted on the broker ends the stream with its error code.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EddyHttpTransport } from '../src/client/index.ts';
import type { Delivery, SubscriptionSpec } from '../src/client/transport.ts';
import { startTestBroker } from './support/test-broker.ts';

const spec = (name: string): SubscriptionSpec => ({ name, topic: 'jobs', maxDeliveryAttempts: 0, deadLetterTopic: null, backoff: { initialMs: 0, multiplier: 1, maxMs: 0 }, ackDeadlineMs: 60_000, ordered: false });

async function setup(t: TestContext): Promise<{ url: string; transport: EddyHttpTransport }> {
  let transport: EddyHttpTransport | null = null;
  const b = await startTestBroker(t, {}, () => transport?.close()); // the client leaves before the broker stops
  transport = new EddyHttpTransport({ url: b.http.url, delivery: 'websocket', reconnect: { giveUpMs: 0 } });
  return { url: b.http.url, transport };
}

async function stats(url: string, name: string): Promise<{ backlog: number; inFlight: number }> {
  const r = await fetch(`${url}/v1/subscriptions/${name}`);
  return ((await r.json()) as { stats: { backlog: number; inFlight: number } }).stats;
}

async function until(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // a hang guard, never an assertion on time
  while (!(await cond())) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

async function publish(url: string, n: number): Promise<void> {
  const events = Array.from({ length: n }, (_, i) => ({ value: { i } }));
  const r = await fetch(`${url}/v1/topics/jobs/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
  assert.equal(r.status, 200);
}

test('websocket delivery: the broker leases at most what the pull asked for; close hands the unread ones back at once', async (t) => {
  const { url, transport } = await setup(t);
  const first = await transport.subscribe(spec('work'));
  await publish(url, 50);
  const got = await first.pull({ max: 5, waitMs: 5_000 });
  assert.ok(got.length >= 1 && got.length <= 5, `took ${got.length}`);
  await until(async () => (await stats(url, 'work')).inFlight === 5, 'five leased');
  await first.lag(); // one more round trip through the broker
  assert.equal((await stats(url, 'work')).inFlight, 5, 'never more than the pull asked for');
  assert.equal(await first.lag(), 50, 'lag counts every unacknowledged event');

  await first.close();
  // The handed-out ones stay leased (60 s deadline); the buffered ones are free again at once.
  await until(async () => (await stats(url, 'work')).inFlight === got.length, 'buffered messages handed back');
  const second = await transport.subscribe(spec('work'));
  const rest: Delivery[] = [];
  while (rest.length < 50 - got.length) rest.push(...(await second.pull({ max: 100, waitMs: 5_000 })));
  const handedOut = new Set(got.map((d) => (d.record.value as { i: number }).i));
  assert.deepEqual(new Set(rest.map((d) => (d.record.value as { i: number }).i)).size, 50 - got.length);
  for (const d of rest) assert.ok(!handedOut.has((d.record.value as { i: number }).i), 'a handed-out message is not redelivered before its deadline');
  await second.ack(rest.map((d) => d.ackId));
  assert.equal(await second.lag(), got.length);
  await second.close();
});

test('websocket delivery: a subscription deleted on the broker ends the stream with subscription.not_found', async (t) => {
  const { url, transport } = await setup(t);
  const sub = await transport.subscribe(spec('gone'));
  const pulling = assert.rejects(sub.pull({ max: 10, waitMs: 30_000 }), { code: 'subscription.not_found' });
  const r = await fetch(`${url}/v1/subscriptions/gone`, { method: 'DELETE' });
  assert.equal(r.status, 204);
  await pulling;
  await assert.rejects(sub.pull({ max: 10, waitMs: 10 }), { code: 'subscription.not_found' });
  await sub.close();
});

test('websocket delivery: subscribing to a missing broker fails after the reconnect policy, with sdk.transport_failed', async () => {
  const transport = new EddyHttpTransport({ url: 'http://127.0.0.1:9', delivery: 'websocket', reconnect: { giveUpMs: 0 } });
  await assert.rejects(transport.subscribe(spec('nowhere')), { code: 'sdk.transport_failed' });
  await transport.close();
});
