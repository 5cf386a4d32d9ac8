// SDK delayed delivery: `publish(evt, data, { delayMs | deliverAt })` on the eddy transport (an
// embedded broker keeps the event durably; it survives a broker restart), on the memory transport
// (its clock), and on the kafka transport (delay topic, forwarded by the subscribers' transports).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createEventBus, defineEvent, KafkaTransport, EddyError, type EventBus } from '../src/client/index.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { tempDir } from '../src/testing/tmp.ts';

const Reminder = defineEvent('Reminder', { version: 1, schema: z.object({ n: z.number() }), key: (e) => String(e.n) });

async function until(cond: () => boolean, what: string): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // hang guard, not a duration assertion
  while (!cond()) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

/**
 * Publishes #3 at once, #1 after `firstMs` and #2 at `secondMs` from now: each is handled once and
 * neither delayed one early. The order of the two delayed ones is not asserted here: the broker
 * counts a delay from the frame's arrival, so a slow machine can bring them closer or swap them;
 * release in due-time order is tested on a fake clock (src/broker/delayed.test.ts).
 */
async function delayedOnTime(bus: EventBus, got: { n: number; at: number }[], firstMs: number, secondMs: number): Promise<void> {
  const t0 = Date.now();
  await bus.publish(Reminder, { n: 3 });
  await bus.publish(Reminder, { n: 1 }, { delayMs: firstMs });
  await bus.publish(Reminder, { n: 2 }, { deliverAt: new Date(t0 + secondMs) });
  await until(() => got.length === 3, 'all handled');
  assert.deepEqual(got.map((g) => g.n).sort(), [1, 2, 3]);
  const at = (n: number) => got.find((g) => g.n === n)!.at;
  assert.ok(at(1) >= t0 + firstMs, `#1 handled ${at(1) - t0} ms after publish`);
  assert.ok(at(2) >= t0 + secondMs, `#2 handled ${at(2) - t0} ms after publish`);
}

test('eddy transport (embedded): a delayed event is handled after its time, an immediate one at once', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-delay-');
  const bus = await createEventBus({ source: 'svc', transport: { embedded: { dataDir: dir } } });
  t.after(async () => {
    await bus.close();
    await cleanup();
  });
  const got: { n: number; at: number }[] = [];
  await bus.subscribe(Reminder, (d) => void got.push({ n: d.n, at: Date.now() }), { group: 'g', pollWaitMs: 100 }).ready;
  await delayedOnTime(bus, got, 300, 400);
  await assert.rejects(bus.publish(Reminder, { n: 4 }, { delayMs: -1 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.invalid_options');
  await assert.rejects(bus.publish(Reminder, { n: 4 }, { delayMs: 366 * 24 * 3600 * 1000 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.invalid_options');
});

test('eddy transport (embedded): a delayed event survives a broker restart and is handled once', async (t) => {
  const { dir, cleanup } = await tempDir('eddy-sdk-delay-');
  const bus1 = await createEventBus({ source: 'svc', transport: { embedded: { dataDir: dir } } });
  const got1: { n: number; at: number }[] = [];
  await bus1.subscribe(Reminder, (d) => void got1.push({ n: d.n, at: Date.now() }), { group: 'g', pollWaitMs: 100 }).ready;
  const t0 = Date.now();
  await bus1.publish(Reminder, { n: 7 }, { delayMs: 800 });
  await bus1.close(); // stops the embedded broker, before the due time unless closing was slow
  const bus2 = await createEventBus({ source: 'svc', transport: { embedded: { dataDir: dir } } });
  t.after(async () => {
    await bus2.close();
    await cleanup();
  });
  const got2: { n: number; at: number }[] = [];
  await bus2.subscribe(Reminder, (d) => void got2.push({ n: d.n, at: Date.now() }), { group: 'g', pollWaitMs: 100 }).ready;
  // Handled once across the restart, never early (by the first bus only if its close outlasted the delay).
  await until(() => got1.length + got2.length === 1, 'handled after the restart');
  const [handled] = [...got1, ...got2];
  assert.equal(handled!.n, 7);
  assert.ok(handled!.at >= t0 + 800);
  // Nothing more can arrive (no waiting for it to come): the scheduler holds no delayed event, the
  // topic holds one copy, and the subscription has nothing left to deliver, in flight or to retry.
  const { broker, delayed, subscriptions } = (bus2.transport as unknown as { broker: RunningBroker }).broker;
  await until(() => {
    const s = subscriptions.stats(`g.${Reminder.topic}`);
    return delayed.pending === 0 && s.backlog === 0 && s.inFlight === 0 && s.waiting === 0;
  }, 'the delayed event released and acked');
  const stored = broker.describeTopic(Reminder.topic).partitions.reduce((n, p) => n + p.latestOffset - p.earliestOffset, 0);
  assert.equal(stored, 1, 'one copy of the delayed event in the topic');
  assert.equal(got1.length + got2.length, 1);
});

test('memory transport: delayed on its (fake) clock', async () => {
  const clock = new FakeClock();
  const bus = await createEventBus({ source: 'svc', transport: 'memory', clock });
  try {
    const got: number[] = [];
    await bus.subscribe(Reminder, (d) => void got.push(d.n), { group: 'g', pollWaitMs: 10 }).ready;
    await bus.publish(Reminder, { n: 1 }, { delayMs: 5000 });
    await bus.publish(Reminder, { n: 2 });
    for (let i = 0; i < 50 && got.length < 1; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [2]);
    clock.advance(5000);
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [2, 1]);
  } finally {
    await bus.close();
  }
});

for (const restart of [false, true]) {
  test(`kafka transport: a delayed event goes through <topic>.delay and is handled after its time${restart ? ', forwarded once by a subscriber started after the first one closed' : ', an immediate one at once'}`, async (t) => {
    const { dir, cleanup } = await tempDir('eddy-sdk-kdelay-');
    const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
    const transports: KafkaTransport[] = [];
    const open = async (): Promise<EventBus> => {
      const k = new KafkaTransport({ brokers: [`127.0.0.1:${b.kafka!.port}`], sessionTimeoutMs: 6_000, heartbeatIntervalMs: 200, maxWaitTimeMs: 100 });
      transports.push(k);
      return createEventBus({ source: 'svc', transport: k });
    };
    const buses: EventBus[] = [];
    t.after(async () => {
      for (const x of buses) await x.close();
      await Promise.all(transports.map((k) => k.close())); // kafkajs clients before the broker
      await b.close();
      await cleanup();
    });
    const got: { n: number; at: number }[] = [];
    const handler = (d: { n: number }) => void got.push({ n: d.n, at: Date.now() });
    const first = await open();
    buses.push(first);
    await first.subscribe(Reminder, handler, { group: 'g', pollWaitMs: 100 }).ready;
    const t0 = Date.now();
    if (!restart) {
      await delayedOnTime(first, got, 400, 600);
    } else {
      await first.publish(Reminder, { n: 7 }, { delayMs: 1500 });
      await first.close(); // no subscriber (and no forwarder) left, before the due time unless closing was slow
      const second = await open();
      buses.push(second);
      await second.subscribe(Reminder, handler, { group: 'g', pollWaitMs: 100 }).ready;
      await until(() => got.length === 1, 'handled once a subscriber is back');
      assert.equal(got[0]!.n, 7);
      assert.ok(got[0]!.at >= t0 + 1500);
    }
    // Forwarded once: the main topic holds each delayed event exactly once.
    const stored = await transports.at(-1)!.read('Reminder', { max: 100 });
    const ids = stored.map((r) => r.headers.ce_id);
    assert.equal(new Set(ids).size, ids.length, 'no event forwarded twice');
  });
}
