// The SDK conformance suite: the same scenarios against every transport — memory (on a FakeClock),
// eddy (an embedded broker; WebSocket delivery, and HTTP pull delivery) and kafka (kafkajs against the broker's Kafka listener).
// Ordering per key, fan-out, load balancing, retry with backoff then dead letter, idempotency under
// redelivery, upcasting, correlation/causation, drain.
// Waits are on conditions (never fixed sleeps); wall-clock durations are never asserted.

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createEventBus, defineEvent, DlqHeaders, EddyHttpTransport, KafkaTransport, MemoryTransport, type EventBus, type EventBusOptions, type Transport } from '../src/client/index.ts';
import type { SubscriptionSpec, TransportSubscription } from '../src/client/transport.ts';
import { startBroker } from '../src/server.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { tempDir } from '../src/testing/tmp.ts';

interface Harness {
  /** A transport as one more process would have it (memory: shared instance; eddy: a new HTTP client). */
  transport(): Transport;
  /** Moves fake time forward (memory); nothing on real time. */
  tick(): void;
  fake: FakeClock | null;
  pollWaitMs: number;
  /** Buses closed at the end of the test, before the broker. */
  buses: EventBus[];
}

type Setup = (t: TestContext) => Promise<Harness>;

const transports: [string, Setup][] = [
  [
    'memory',
    async (t) => {
      const fake = new FakeClock();
      const shared = new MemoryTransport({ clock: fake });
      const h: Harness = { transport: () => shared, tick: () => fake.advance(10), fake, pollWaitMs: 1000, buses: [] };
      t.after(() => Promise.all(h.buses.map((b) => b.close())));
      return h;
    },
  ],
  ...(['websocket', 'http'] as const).map((delivery): [string, Setup] => [
    `eddy (embedded broker, ${delivery === 'websocket' ? 'WebSocket delivery' : 'HTTP pull delivery'})`,
    async (t) => {
      const { dir, cleanup } = await tempDir('eddy-sdk-');
      const b = await startBroker({ dataDir: dir, http: { port: 0 }, freeBytesFloor: 0 });
      const h: Harness = { transport: () => new EddyHttpTransport({ url: b.http.url, delivery }), tick: () => {}, fake: null, pollWaitMs: 100, buses: [] };
      t.after(async () => {
        await Promise.all(h.buses.map((x) => x.close()));
        await b.close();
        await cleanup();
      });
      return h;
    },
  ]),
  [
    'kafka (kafkajs against the broker\'s Kafka listener)',
    async (t) => {
      const { dir, cleanup } = await tempDir('eddy-sdk-kafka-');
      const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
      const opened: KafkaTransport[] = [];
      const h: Harness = {
        transport: () => {
          // 4 partitions: load balancing inside a group needs more than one. Short group timings so
          // rebalances (a second member joining) settle quickly.
          const k = new KafkaTransport({ brokers: [`localhost:${b.kafka!.port}`], partitions: 4, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 200, maxWaitTimeMs: 100 });
          opened.push(k);
          return k;
        },
        tick: () => {},
        fake: null,
        pollWaitMs: 100,
        buses: [],
      };
      t.after(async () => {
        await Promise.all(h.buses.map((x) => x.close()));
        // kafkajs clients before the broker, else they keep retrying against a closed port.
        await Promise.all(opened.map((k) => k.close()));
        await b.close();
        await cleanup();
      });
      return h;
    },
  ],
];

async function until(h: Harness, cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const giveUpMs = Date.now() + 20_000; // a hang guard only, never an assertion on duration
  while (!(await cond())) {
    if (Date.now() > giveUpMs) throw new Error(`timed out waiting for: ${what}`);
    h.tick();
    await sleep(1);
  }
}

async function bus(_t: TestContext, h: Harness, o: Partial<EventBusOptions> = {}): Promise<EventBus> {
  const b = await createEventBus({ source: 'test', transport: h.transport(), ...o });
  h.buses.push(b);
  return b;
}

const Item = defineEvent('Item', { version: 1, schema: z.object({ key: z.string(), n: z.number() }), key: (e) => e.key });

/** Delegates to a transport, letting a test intercept acks (lost acks, observed settles). */
class SpyTransport implements Transport {
  readonly name = 'spy';
  readonly inner: Transport;
  readonly acked: string[] = [];
  deliveries = 0;
  /** Return true to turn this ack into an immediate redelivery (as if the ack were lost). */
  loseAck: (ackId: string) => boolean = () => false;
  constructor(inner: Transport) {
    this.inner = inner;
  }
  get clock() {
    return this.inner.clock;
  }
  publish(...a: Parameters<Transport['publish']>) {
    return this.inner.publish(...a);
  }
  read(...a: Parameters<Transport['read']>) {
    return this.inner.read(...a);
  }
  close() {
    return this.inner.close();
  }
  async subscribe(spec: SubscriptionSpec): Promise<TransportSubscription> {
    const s = await this.inner.subscribe(spec);
    return {
      pull: async (o) => {
        const d = await s.pull(o);
        this.deliveries += d.length;
        return d;
      },
      ack: async (ids) => {
        for (const id of ids) {
          if (this.loseAck(id)) await s.nack(id, { delayMs: 0, reason: 'ack lost' });
          else {
            await s.ack([id]);
            this.acked.push(id);
          }
        }
      },
      nack: (id, o) => s.nack(id, o),
      lag: () => s.lag(),
      close: () => s.close(),
    };
  }
}

for (const [name, setup] of transports) {
  describe(`SDK conformance: ${name}`, () => {
    test('ordering per key, parallel across keys', async (t) => {
      const h = await setup(t);
      const b = await bus(t, h);
      const seen = new Map<string, number[]>();
      let running = 0;
      let maxRunning = 0;
      let bStarted = false;
      const sub = b.subscribe(
        Item,
        async (e) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          if (e.key === 'b') bStarted = true;
          if (e.key === 'a' && e.n === 0) await until(h, () => bStarted, 'a key-b event to start while a/0 runs');
          await sleep(0);
          seen.set(e.key, [...(seen.get(e.key) ?? []), e.n]);
          running--;
        },
        { group: 'order', concurrency: 8, pollWaitMs: h.pollWaitMs },
      );
      await sub.ready;
      const items = [];
      for (let n = 0; n < 10; n++) for (const key of ['a', 'b', 'c']) items.push({ event: Item, data: { key, n } });
      await b.publishMany(items);
      await until(h, () => [...seen.values()].reduce((s, l) => s + l.length, 0) === 30, 'all 30 handled');
      for (const key of ['a', 'b', 'c']) assert.deepEqual(seen.get(key), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `key ${key} in order`);
      assert.ok(maxRunning > 1, 'keys ran in parallel');
    });

    test('fan-out: every group gets every event', async (t) => {
      const h = await setup(t);
      const b = await bus(t, h);
      const got: Record<string, number[]> = { email: [], analytics: [] };
      for (const group of ['email', 'analytics']) await b.subscribe(Item, (e) => void got[group]!.push(e.n), { group, pollWaitMs: h.pollWaitMs }).ready;
      for (let n = 0; n < 5; n++) await b.publish(Item, { key: 'k', n });
      await until(h, () => got.email!.length === 5 && got.analytics!.length === 5, 'both groups got 5');
      assert.deepEqual(got, { email: [0, 1, 2, 3, 4], analytics: [0, 1, 2, 3, 4] });
    });

    test('load balancing: two consumers of one group share the events, each handled once', async (t) => {
      const h = await setup(t);
      const producer = await bus(t, h);
      const byConsumer: number[][] = [[], []];
      for (const i of [0, 1]) {
        const c = await bus(t, h, { source: `worker-${i}` });
        await c.subscribe(
          Item,
          async (e) => {
            byConsumer[i]!.push(e.n);
            // Hold the first event until the other consumer has one too: proves both take work.
            await until(h, () => byConsumer[0]!.length > 0 && byConsumer[1]!.length > 0, 'both consumers busy');
          },
          { group: 'workers', pollWaitMs: h.pollWaitMs },
        ).ready;
      }
      const n = 12;
      for (let i = 0; i < n; i++) await producer.publish(Item, { key: `k${i}`, n: i });
      await until(h, () => byConsumer[0]!.length + byConsumer[1]!.length >= n, 'all handled');
      const all = [...byConsumer[0]!, ...byConsumer[1]!].sort((x, y) => x - y);
      assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
      assert.ok(byConsumer[0]!.length > 0 && byConsumer[1]!.length > 0);
    });

    test('retry with backoff, then dead letter with the error', async (t) => {
      const h = await setup(t);
      const b = await bus(t, h);
      const attempts: { attempt: number; atMs: number }[] = [];
      await b.subscribe(
        Item,
        (_e, ctx) => {
          attempts.push({ attempt: ctx.attempt, atMs: h.fake?.now() ?? 0 });
          throw new Error('payment service down');
        },
        { group: 'pay', retry: { attempts: 3, backoff: { initialMs: 20, multiplier: 2, maxMs: 100, jitter: false } }, deadLetter: true, pollWaitMs: h.pollWaitMs },
      ).ready;
      const { id } = await b.publish(Item, { key: 'k', n: 7 });
      const dlq = async () => (await b.transport.read('Item.dlq', { max: 10 })).length === 1;
      await until(h, dlq, 'the dead letter');
      const [dead] = await b.transport.read('Item.dlq', { max: 10 });
      assert.equal(dead!.headers.ce_id, id);
      assert.equal(dead!.headers.ce_type, 'Item');
      assert.match(dead!.headers[DlqHeaders.reason] ?? '', /payment service down/);
      assert.equal(dead!.headers[DlqHeaders.attempts], '3');
      assert.equal(dead!.headers[DlqHeaders.subscription], 'pay.Item');
      assert.deepEqual(dead!.value, { key: 'k', n: 7 });
      assert.deepEqual(attempts.map((a) => a.attempt), [1, 2, 3]);
      if (h.fake) assert.deepEqual([attempts[1]!.atMs - attempts[0]!.atMs, attempts[2]!.atMs - attempts[1]!.atMs], [20, 40], 'exact backoff on the fake clock');
    });

    test('idempotency: a redelivered event (lost ack) runs its handler once per group', async (t) => {
      const h = await setup(t);
      const spy = new SpyTransport(h.transport());
      let lost = 0;
      spy.loseAck = () => lost++ === 0;
      const b = await createEventBus({ source: 'test', transport: spy });
      h.buses.push(b);
      const handled: string[] = [];
      await b.subscribe(Item, (_e, ctx) => void handled.push(`${ctx.id}#${ctx.attempt}`), { group: 'once', idempotency: true, pollWaitMs: h.pollWaitMs }).ready;
      const { id } = await b.publish(Item, { key: 'k', n: 1 });
      await until(h, () => spy.acked.length === 1, 'the redelivery acked');
      assert.equal(spy.deliveries, 2, 'delivered twice');
      assert.deepEqual(handled, [`${id}#1`]);
    });

    test('versioning: v1 events from an old producer reach handlers upcast to v2', async (t) => {
      const h = await setup(t);
      const V1 = defineEvent('Profile', { version: 1, schema: z.object({ userId: z.string(), name: z.string() }) });
      const V2 = defineEvent('Profile', {
        version: 2,
        schema: z.object({ userId: z.string(), firstName: z.string(), lastName: z.string() }),
        upcast: { 1: (v1) => ({ userId: v1.userId, firstName: String(v1.name).split(' ')[0], lastName: String(v1.name).split(' ').slice(1).join(' ') }) },
      });
      const oldProducer = await bus(t, h, { source: 'old' });
      const consumer = await bus(t, h, { source: 'new' });
      const got: { data: unknown; version: number }[] = [];
      await consumer.subscribe(V2, (data, ctx) => void got.push({ data, version: ctx.version }), { group: 'sync', pollWaitMs: h.pollWaitMs }).ready;
      await oldProducer.publish(V1, { userId: 'u1', name: 'Ada Lovelace' });
      await consumer.publish(V2, { userId: 'u2', firstName: 'Alan', lastName: 'Turing' });
      await until(h, () => got.length === 2, 'both handled');
      assert.deepEqual(got, [
        { data: { userId: 'u1', firstName: 'Ada', lastName: 'Lovelace' }, version: 1 },
        { data: { userId: 'u2', firstName: 'Alan', lastName: 'Turing' }, version: 2 },
      ]);
    });

    test('correlation and causation follow a chain of handlers', async (t) => {
      const h = await setup(t);
      const A = defineEvent('VideoUploaded', { version: 1, schema: z.object({ v: z.string() }) });
      const B = defineEvent('VideoTranscoded', { version: 1, schema: z.object({ v: z.string() }) });
      const C = defineEvent('ThumbnailGenerated', { version: 1, schema: z.object({ v: z.string() }) });
      const uploader = await bus(t, h, { source: 'uploader' });
      const transcoder = await bus(t, h, { source: 'transcoder' });
      const thumbs = await bus(t, h, { source: 'thumbs' });
      const seen: Record<string, { id: string; correlationId: string; causationId: string | undefined; trace: string }> = {};
      const note = (ctx: { type: string; id: string; correlationId: string; causationId: string | undefined; traceparent: string | undefined }) => {
        seen[ctx.type] = { id: ctx.id, correlationId: ctx.correlationId, causationId: ctx.causationId, trace: ctx.traceparent?.slice(3, 35) ?? '' };
      };
      await transcoder.subscribe(A, async (d, ctx) => (note(ctx), await transcoder.publish(B, d)), { group: 'transcode', pollWaitMs: h.pollWaitMs }).ready;
      await thumbs.subscribe(B, async (d, ctx) => (note(ctx), await thumbs.publish(C, d)), { group: 'thumbs', pollWaitMs: h.pollWaitMs }).ready;
      await uploader.subscribe(C, (_d, ctx) => note(ctx), { group: 'notify', pollWaitMs: h.pollWaitMs }).ready;
      const { id } = await uploader.publish(A, { v: 'cat.mp4' });
      await until(h, () => seen.ThumbnailGenerated !== undefined, 'the end of the chain');
      const a = seen.VideoUploaded!;
      const bb = seen.VideoTranscoded!;
      const c = seen.ThumbnailGenerated!;
      assert.equal(a.id, id);
      assert.deepEqual([a.correlationId, bb.correlationId, c.correlationId], [id, id, id]);
      assert.deepEqual([a.causationId, bb.causationId, c.causationId], [undefined, a.id, bb.id]);
      assert.ok(a.trace.length === 32 && bb.trace === a.trace && c.trace === a.trace, 'one trace id');
    });

    test('close drains in-flight handlers, acks them, then refuses to publish', async (t) => {
      const h = await setup(t);
      const spy = new SpyTransport(h.transport());
      const b = await createEventBus({ source: 'test', transport: spy });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let started = false;
      let finished = false;
      await b.subscribe(Item, async () => ((started = true), await gate, (finished = true)), { group: 'drain', pollWaitMs: h.pollWaitMs }).ready;
      await b.publish(Item, { key: 'k', n: 1 });
      await until(h, () => started, 'handler started');
      let closed = false;
      const closing = b.close().then(() => (closed = true));
      for (let i = 0; i < 20; i++) {
        h.tick();
        await sleep(1);
      }
      assert.equal(closed, false, 'close waits for the running handler');
      release();
      await closing;
      assert.equal(finished, true);
      assert.equal(spy.acked.length, 1, 'the drained event was acked');
      await assert.rejects(b.publish(Item, { key: 'k', n: 2 }), { code: 'sdk.closed' });
    });

    test('consumer lag: eddy_consumer_lag counts the events a group has not acknowledged yet', async (t) => {
      const h = await setup(t);
      const b = await bus(t, h);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let handled = 0;
      // One key: the first event holds the key's lane, so all three stay unacknowledged until released.
      await b.subscribe(Item, async () => (await gate, handled++), { group: 'lagging', pollWaitMs: h.pollWaitMs }).ready;
      const lag = async () => {
        const m = (await b.metrics().getSingleMetric('eddy_consumer_lag')!.get()).values.find((v) => v.labels.group === 'lagging' && v.labels.topic === 'Item');
        return m?.value;
      };
      await b.publishMany([0, 1, 2].map((n) => ({ event: Item, data: { key: 'k', n } })));
      await until(h, async () => (await lag()) === 3, 'lag of 3 while the handler is held');
      release();
      await until(h, () => handled === 3, 'all 3 handled');
      await until(h, async () => (await lag()) === 0, 'lag back to 0 once acknowledged');
    });
  });
}
