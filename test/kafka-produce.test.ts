// Produce, Fetch and ListOffsets end to end with a real kafkajs 2.2.4 client against a real listener:
// keyed sends land on kafkajs's murmur2 partition and read back over HTTP, headers, gzip, acks
// -1 / 1 / 0, and offsets through admin.fetchTopicOffsets / fetchTopicOffsetsByTimestamp.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';

async function withKafka(t: TestContext): Promise<{ b: RunningBroker; kafka: Kafka }> {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  t.after(async () => {
    await b.close();
    await cleanup();
  });
  const kafka = new Kafka({ clientId: 'data-test', brokers: [`localhost:${b.kafka!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  return { b, kafka };
}

async function events(b: RunningBroker, topic: string, partition: number): Promise<{ offset: number; key: string | null; value: unknown; headers: Record<string, string | null> }[]> {
  const res = await fetch(`${b.http.url}/v1/topics/${topic}/partitions/${partition}/events?offset=earliest&limit=1000`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: never[] }).events;
}

test('keyed sends land on the partition kafkajs chose and read back over HTTP, with headers', async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('orders', { partitions: 4 });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  t.after(() => producer.disconnect());
  const choose = Partitioners.DefaultPartitioner();
  const partitionMetadata = [0, 1, 2, 3].map((p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  for (const key of ['user-1', 'user-2', 'user-3', 'order-77']) {
    const message = { key, value: JSON.stringify({ key }), headers: { source: 'kafkajs', trace: Buffer.from('t-1') } };
    const [meta] = await producer.send({ topic: 'orders', acks: -1, messages: [message] });
    const expected = choose({ topic: 'orders', partitionMetadata, message });
    assert.equal(meta!.partition, expected, `key ${key}`);
    assert.equal(meta!.errorCode, 0);
    const stored = (await events(b, 'orders', expected)).find((e) => e.key === key);
    assert.ok(stored, `event with key ${key} is readable over HTTP`);
    assert.equal(stored.offset, Number(meta!.baseOffset));
    assert.deepEqual(stored.value, { key });
    assert.deepEqual(stored.headers, { source: 'kafkajs', trace: 't-1' });
  }
});

test('gzip batches, acks 1 and acks 0, and offsets by admin.fetchTopicOffsets / ByTimestamp', async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('logs', { partitions: 1 });
  const producer = kafka.producer();
  await producer.connect();
  t.after(() => producer.disconnect());
  const many = Array.from({ length: 50 }, (_, i) => ({ value: `line ${i} `.repeat(20), timestamp: String(1_700_000_000_000 + i) }));
  const [gz] = await producer.send({ topic: 'logs', compression: CompressionTypes.GZIP, messages: many });
  assert.equal(Number(gz!.baseOffset), 0);
  const [one] = await producer.send({ topic: 'logs', acks: 1, messages: [{ value: 'acks-1', timestamp: String(1_800_000_000_000) }] });
  assert.equal(Number(one!.baseOffset), 50);
  await producer.send({ topic: 'logs', acks: 0, messages: [{ value: 'acks-0', timestamp: String(1_800_000_000_001) }] });
  // acks=0 has no answer: wait for the record to be in the log.
  const log = b.broker.partitionLog('logs', 0);
  while (log.highWatermark < 52) await log.waitFor(51, 1000);
  const read = await events(b, 'logs', 0);
  assert.equal(read.length, 52);
  const text = (v: unknown) => Buffer.from(String(v), 'base64').toString('utf8'); // non-JSON values come as base64
  assert.equal(text(read[7]!.value), `line 7 `.repeat(20));
  assert.equal(text(read[51]!.value), 'acks-0');

  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.deepEqual(await admin.fetchTopicOffsets('logs'), [{ partition: 0, offset: '52', high: '52', low: '0' }]);
  assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('logs', 1_700_000_000_010), [{ partition: 0, offset: '10' }]);
  assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp('logs', 1_800_000_000_000), [{ partition: 0, offset: '50' }]);
  // Later than every record: Kafka answers -1 and kafkajs falls back to the high watermark.
  const late = await admin.fetchTopicOffsetsByTimestamp('logs', 1_900_000_000_000);
  assert.equal(late[0]!.partition, 0);
});
