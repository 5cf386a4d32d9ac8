// The kafka transport's own details (the shared behaviour is in test/sdk-conformance.test.ts): the
// `kafka://` option, and the retry-topic pattern on the wire — `<topic>.retry` records carry the due
// time, attempt and subscription, another group sharing that retry topic ignores them, and the dead
// letter points at where the event was first stored.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { startBroker } from '../server.ts';
import { tempDir } from '../testing/tmp.ts';
import { createEventBus, defineEvent, DlqHeaders, type EventBus } from './index.ts';
import { kafkaBrokers, RetryHeaders } from './kafka-transport.ts';

test('kafka:// lists brokers; anything else is an invalid option', () => {
  assert.deepEqual(kafkaBrokers('kafka://localhost:9092'), ['localhost:9092']);
  assert.deepEqual(kafkaBrokers('kafka://a:1, b:2/'), ['a:1', 'b:2']);
  for (const bad of ['kafka://', 'kafka://host', 'kafka://host:port', 'eddy://host:1']) assert.throws(() => kafkaBrokers(bad), { code: 'sdk.invalid_options' }, bad);
});

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // a hang guard only
  while (!(await cond())) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

test('retry topic and dead letter on the wire; another group ignores the retries it does not own', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-kafka-transport-');
  const broker = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  const buses: EventBus[] = [];
  t.after(async () => {
    await Promise.all(buses.map((b) => b.close())); // owned kafka transports close with their bus, before the broker
    await broker.close();
    await cleanup();
  });
  const brokers = [`localhost:${broker.kafka!.port}`];
  const Paid = defineEvent('Paid', { version: 1, schema: z.object({ orderId: z.string() }), key: (e) => e.orderId });
  const failing = await createEventBus({ source: 'pay', transport: `kafka://${brokers.join(',')}` });
  const fine = await createEventBus({ source: 'audit', transport: { kafka: { brokers } } });
  buses.push(failing, fine);
  assert.equal(failing.transport.name, 'kafka');

  const attempts: number[] = [];
  const audited: number[] = [];
  await failing.subscribe(
    Paid,
    (_e, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error('card declined');
    },
    { group: 'billing', retry: { attempts: 2, backoff: { initialMs: 50, multiplier: 2, maxMs: 100, jitter: false } }, deadLetter: true, pollWaitMs: 100 },
  ).ready;
  await fine.subscribe(Paid, (_e, ctx) => void audited.push(ctx.attempt), { group: 'audit', pollWaitMs: 100 }).ready;

  const { id } = await failing.publish(Paid, { orderId: 'o-1' });
  await until(async () => (await failing.transport.read('Paid.dlq', { max: 10 })).length === 1, 'the dead letter');

  const [retried] = await failing.transport.read('Paid.retry', { max: 10 });
  assert.equal(retried!.headers.ce_id, id);
  assert.equal(retried!.key, 'o-1');
  assert.equal(retried!.headers[RetryHeaders.attempt], '2');
  assert.equal(retried!.headers[RetryHeaders.subscription], 'billing.Paid');
  assert.ok(Number(retried!.headers[RetryHeaders.due]) > 0);
  assert.match(retried!.headers[RetryHeaders.reason] ?? '', /card declined/);

  const [dead] = await failing.transport.read('Paid.dlq', { max: 10 });
  assert.equal(dead!.headers.ce_id, id);
  assert.equal(dead!.headers[DlqHeaders.attempts], '2');
  assert.equal(dead!.headers[DlqHeaders.topic], 'Paid');
  assert.equal(dead!.headers[DlqHeaders.partition], '0');
  assert.equal(dead!.headers[DlqHeaders.offset], '0');
  assert.equal(dead!.headers[DlqHeaders.subscription], 'billing.Paid');
  assert.equal(dead!.headers[RetryHeaders.due], undefined, 'no retry headers on the dead letter');
  assert.deepEqual(dead!.value, { orderId: 'o-1' });

  assert.deepEqual(attempts, [1, 2]);
  await until(() => audited.length === 1, 'the audit group handled it');
  assert.deepEqual(audited, [1], 'the audit group saw the event once, not the billing retry');
});
