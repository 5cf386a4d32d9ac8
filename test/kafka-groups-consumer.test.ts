// kafkajs 2.2.4 consumers in groups against a real listener: consumer.run receives what was produced,
// two consumers share a topic's partitions and the survivor takes them all when one leaves, committed
// offsets resume exactly after a restart, and pause / resume / seek work. These need the data APIs
// (Produce, Fetch, ListOffsets): without them each test is skipped at runtime, never left failing.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { kafkaApis } from '../src/kafka/registry.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';

const needsFetch = [0, 1, 2].some((key) => !kafkaApis.some((a) => a.key === key)) ? 'needs Fetch (and Produce, ListOffsets)' : false;

/** Fast group timings: kafkajs heartbeats between fetches, so fetches must not long-poll for long. */
const consumerTimings = { sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 100, retry: { retries: 3 } } as const;

/** Clients opened by a test, disconnected before its broker closes (else kafkajs keeps retrying). */
const clients = new WeakMap<TestContext, { disconnect(): Promise<void> }[]>();

function track<C extends { disconnect(): Promise<void> }>(t: TestContext, client: C): C {
  clients.get(t)!.push(client);
  return client;
}

async function withKafka(t: TestContext): Promise<{ b: RunningBroker; kafka: Kafka }> {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  clients.set(t, []);
  t.after(async () => {
    for (const c of clients.get(t)!.reverse()) await c.disconnect().catch(() => {});
    await b.close();
    await cleanup();
  });
  const kafka = new Kafka({ clientId: 'groups-consumer', brokers: [`localhost:${b.kafka!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  return { b, kafka };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function consumerIn(t: TestContext, kafka: Kafka, groupId: string): Consumer {
  return track(t, kafka.consumer({ groupId, ...consumerTimings }));
}

/** Records received messages as "partition:offset:value". */
function recorder() {
  const seen: string[] = [];
  return { seen, eachMessage: async ({ partition, message }: EachMessagePayload) => void seen.push(`${partition}:${message.offset}:${message.value}`) };
}

async function produce(kafka: Kafka, t: TestContext, topic: string, messages: { partition: number; value: string }[]): Promise<void> {
  const producer = track(t, kafka.producer());
  await producer.connect();
  await producer.send({ topic, messages });
}

test('consumer.run receives every message and commits what it processed', { skip: needsFetch }, async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('orders', { partitions: 2 });
  await produce(kafka, t, 'orders', Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })));
  const consumer = consumerIn(t, kafka, 'g1');
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const r = recorder();
  await consumer.run({ eachMessage: r.eachMessage });
  await until('10 messages', () => r.seen.length >= 10);
  assert.deepEqual([...r.seen].sort(), ['0:0:m0', '0:1:m2', '0:2:m4', '0:3:m6', '0:4:m8', '1:0:m1', '1:1:m3', '1:2:m5', '1:3:m7', '1:4:m9']);
  await consumer.disconnect();
  const admin = track(t, kafka.admin());
  await admin.connect();
  const offsets = (await admin.fetchOffsets({ groupId: 'g1', topics: ['orders'] }))[0]!.partitions.sort((x, y) => x.partition - y.partition);
  assert.deepEqual(offsets.map((p) => p.offset), ['5', '5']);
});

test('two consumers share the partitions; when one leaves the other gets them all', { skip: needsFetch }, async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('jobs', { partitions: 4 });
  const assigned = new Map<string, number[]>();
  const start = async (name: string) => {
    const consumer = consumerIn(t, kafka, 'workers');
    consumer.on(consumer.events.GROUP_JOIN, (e) => assigned.set(name, [...(e.payload.memberAssignment['jobs'] ?? [])].sort()));
    await consumer.connect();
    await consumer.subscribe({ topic: 'jobs', fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    return consumer;
  };
  const c1 = await start('c1');
  await until('c1 owns all four', () => assigned.get('c1')?.length === 4);
  await start('c2');
  await until('a two-way split', () => (assigned.get('c1')?.length ?? 0) + (assigned.get('c2')?.length ?? 0) === 4 && assigned.get('c2')!.length > 0 && assigned.get('c1')!.length > 0);
  assert.deepEqual([...assigned.get('c1')!, ...assigned.get('c2')!].sort(), [0, 1, 2, 3]);
  assert.equal(assigned.get('c1')!.length, 2);
  const admin = track(t, kafka.admin());
  await admin.connect();
  const group = (await admin.describeGroups(['workers'])).groups[0]!;
  assert.equal(group.state, 'Stable');
  assert.equal(group.protocol, 'RoundRobinAssigner');
  assert.equal(group.members.length, 2);
  await c1.disconnect();
  await until('c2 owns all four', () => assigned.get('c2')?.length === 4);
});

test('committed offsets resume exactly after a consumer restarts', { skip: needsFetch }, async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('ledger', { partitions: 1 });
  await produce(kafka, t, 'ledger', Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `a${i}` })));
  const first = consumerIn(t, kafka, 'resume');
  await first.connect();
  await first.subscribe({ topic: 'ledger', fromBeginning: true });
  const r1 = recorder();
  await first.run({ eachMessage: r1.eachMessage });
  await until('the first five', () => r1.seen.length >= 5);
  await first.disconnect();
  await produce(kafka, t, 'ledger', Array.from({ length: 3 }, (_, i) => ({ partition: 0, value: `b${i}` })));
  const second = consumerIn(t, kafka, 'resume');
  await second.connect();
  await second.subscribe({ topic: 'ledger', fromBeginning: true });
  const r2 = recorder();
  await second.run({ eachMessage: r2.eachMessage });
  // A fence instead of a pause: anything delivered again would come before it in the partition.
  await produce(kafka, t, 'ledger', [{ partition: 0, value: 'fence' }]);
  await until('the next three and the fence', () => r2.seen.includes('0:8:fence'));
  assert.deepEqual(r1.seen, ['0:0:a0', '0:1:a1', '0:2:a2', '0:3:a3', '0:4:a4']);
  assert.deepEqual(r2.seen, ['0:5:b0', '0:6:b1', '0:7:b2', '0:8:fence']);
});

test('pause, resume and seek', { skip: needsFetch }, async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('clicks', { partitions: 1 });
  const producer = track(t, kafka.producer());
  await producer.connect();
  await producer.send({ topic: 'clicks', messages: [{ value: 'c0' }, { value: 'c1' }] });
  const consumer = consumerIn(t, kafka, 'clickers');
  await consumer.connect();
  await consumer.subscribe({ topic: 'clicks', fromBeginning: true });
  const r = recorder();
  await consumer.run({ eachMessage: r.eachMessage });
  await until('the first two', () => r.seen.length >= 2);
  consumer.pause([{ topic: 'clicks' }]);
  assert.deepEqual(consumer.paused(), [{ topic: 'clicks', partitions: [0] }]);
  await producer.send({ topic: 'clicks', messages: [{ value: 'c2' }] });
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(r.seen.length, 2, 'nothing arrives while paused');
  consumer.resume([{ topic: 'clicks' }]);
  await until('c2 after resume', () => r.seen.length >= 3);
  consumer.seek({ topic: 'clicks', partition: 0, offset: '1' });
  await until('c1 and c2 again after the seek', () => r.seen.length >= 5);
  assert.deepEqual(r.seen, ['0:0:c0', '0:1:c1', '0:2:c2', '0:1:c1', '0:2:c2']);
});
