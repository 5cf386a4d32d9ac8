// The idempotent producer: InitProducerId hands out durable, never-reused ids; Produce applies
// Kafka 3.x's sequence rules (a retried duplicate is answered with its original offset and not
// stored again, gaps are OUT_OF_ORDER_SEQUENCE_NUMBER, old epochs INVALID_PRODUCER_EPOCH); and the
// state is rebuilt from the log after a restart, so kafkajs's idempotent producer carries on.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { encodeBatch } from '../src/log/codec/record-batch.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { initProducerIdRaw, produceRaw } from './support/kafka-data-requests.ts';
import { RawKafka } from './support/kafka-raw.ts';

interface Running {
  b: RunningBroker;
  c: RawKafka;
}

async function start(dir: string, port = 0): Promise<Running> {
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port }, freeBytesFloor: 0 });
  return { b, c: await RawKafka.connect(b.kafka!.port) };
}

async function stop(r: Running): Promise<void> {
  r.c.close();
  await r.b.close();
}

async function setup(t: TestContext): Promise<{ dir: string; first: Running; current: () => Running; restart(): Promise<Running> }> {
  const { dir, cleanup } = await tempDir();
  let running = await start(dir);
  t.after(async () => {
    await stop(running);
    await cleanup();
  });
  return {
    dir,
    first: running,
    current: () => running,
    async restart() {
      const port = running.b.kafka!.port;
      await stop(running);
      running = await start(dir, port);
      return running;
    },
  };
}

function idem(values: string[], producerId: number, producerEpoch: number, baseSequence: number): Uint8Array {
  return encodeBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v) })),
    { timestampMs: Date.now(), producerId, producerEpoch, baseSequence },
  );
}

async function send(c: RawKafka, topic: string, records: Uint8Array, partition = 0): Promise<{ error: number; baseOffset: number }> {
  const [p] = await produceRaw(c, { topic, partitions: [{ index: partition, records }] });
  return { error: p!.error, baseOffset: p!.baseOffset };
}

test('InitProducerId hands out new ids (also on a KIP-360 bump) and refuses transactional ids', async (t) => {
  const s = await setup(t);
  const c = s.current().c;
  const a = await initProducerIdRaw(c);
  const b = await initProducerIdRaw(c, { version: 4, producerId: a.producerId, epoch: a.epoch });
  assert.deepEqual([a.error, a.epoch, b.error, b.epoch], [0, 0, 0, 0]);
  assert.ok(b.producerId > a.producerId);
  assert.equal((await initProducerIdRaw(c, { version: 2 })).error, 0);
  assert.equal((await initProducerIdRaw(c, { transactionalId: 'tx' })).error, 53);
  const again = await s.restart();
  const after = await initProducerIdRaw(again.c);
  assert.ok(after.producerId > b.producerId, 'ids are never reused across a restart');
});

test('sequence rules: duplicates answer the original offset, gaps and old epochs are refused', async (t) => {
  const s = await setup(t);
  const { b, c } = s.current();
  await b.broker.createTopic('seq', { partitions: 1 });
  const log = b.broker.partitionLog('seq', 0);
  const { producerId: pid } = await initProducerIdRaw(c);

  assert.deepEqual(await send(c, 'seq', idem(['a', 'b'], pid, 0, 0)), { error: 0, baseOffset: 0 });
  assert.deepEqual(await send(c, 'seq', idem(['a', 'b'], pid, 0, 0)), { error: 0, baseOffset: 0 }, 'a retried batch gets its original offset');
  assert.equal(log.highWatermark, 2, 'and is not stored twice');
  assert.deepEqual(await send(c, 'seq', idem(['c'], pid, 0, 2)), { error: 0, baseOffset: 2 });
  assert.equal((await send(c, 'seq', idem(['gap'], pid, 0, 5))).error, 45, 'a gap: OUT_OF_ORDER_SEQUENCE_NUMBER');
  assert.equal((await send(c, 'seq', idem(['new epoch'], pid, 1, 3))).error, 45, 'a new epoch must start at 0');
  assert.deepEqual(await send(c, 'seq', idem(['e1'], pid, 1, 0)), { error: 0, baseOffset: 3 });
  assert.equal((await send(c, 'seq', idem(['old'], pid, 0, 3))).error, 47, 'an old epoch: INVALID_PRODUCER_EPOCH');
  assert.deepEqual(await send(c, 'seq', idem(['stranger'], 999_999, 0, 42)), { error: 0, baseOffset: 4 }, 'no state: any sequence is accepted (Kafka 3.x)');
  assert.equal(log.highWatermark, 5);

  // Pipelined batches of one producer (librdkafka keeps up to 5 in flight) are checked in order.
  const results = await Promise.all([1, 2, 3].map((k) => send(c, 'seq', idem([`p${k}`], pid, 1, k))));
  assert.deepEqual(results.map((r) => r.error), [0, 0, 0]);
  assert.deepEqual(results.map((r) => r.baseOffset), [5, 6, 7]);
});

test('producer state is rebuilt from the log after a restart', async (t) => {
  const s = await setup(t);
  let { b, c } = s.current();
  await b.broker.createTopic('rb', { partitions: 1 });
  const a = (await initProducerIdRaw(c)).producerId;
  const z = (await initProducerIdRaw(c)).producerId;
  assert.deepEqual(await send(c, 'rb', idem(['a0', 'a1'], a, 0, 0)), { error: 0, baseOffset: 0 });
  // A large batch without a producer id pushes producer a's batch into an older rebuild window.
  const filler = encodeBatch(Array.from({ length: 3000 }, (_, i) => ({ key: null, value: Buffer.from(String(i)) })), { timestampMs: Date.now() });
  assert.deepEqual(await send(c, 'rb', filler), { error: 0, baseOffset: 2 });
  assert.deepEqual(await send(c, 'rb', idem(['z0'], z, 0, 0)), { error: 0, baseOffset: 3002 });

  ({ b, c } = await s.restart());
  assert.deepEqual(await send(c, 'rb', idem(['z0'], z, 0, 0)), { error: 0, baseOffset: 3002 }, 'duplicate after restart');
  assert.deepEqual(await send(c, 'rb', idem(['a0', 'a1'], a, 0, 0)), { error: 0, baseOffset: 0 }, 'duplicate from an older window');
  assert.equal((await send(c, 'rb', idem(['a9'], a, 0, 9))).error, 45, 'the state is known: a gap is refused');
  assert.deepEqual(await send(c, 'rb', idem(['a2'], a, 0, 2)), { error: 0, baseOffset: 3003 });
  assert.deepEqual(await send(c, 'rb', idem(['z1'], z, 0, 1)), { error: 0, baseOffset: 3004 });
  assert.equal(b.broker.partitionLog('rb', 0).highWatermark, 3005);
});

test('a kafkajs idempotent producer carries on across a broker restart', async (t) => {
  const s = await setup(t);
  await s.current().b.broker.createTopic('idem', { partitions: 3 });
  const kafka = new Kafka({ clientId: 'idem-test', brokers: [`localhost:${s.current().b.kafka!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  const sendRound = async (round: number) => {
    for (let i = 0; i < 5; i++) {
      const res = await producer.send({ topic: 'idem', acks: -1, messages: [0, 1, 2].map((p) => ({ partition: p, value: `r${round}-${i}-p${p}` })) });
      assert.ok(res.every((r) => r.errorCode === 0));
    }
  };
  await sendRound(0);
  await s.restart();
  await sendRound(1);
  const { b } = s.current();
  for (let p = 0; p < 3; p++) {
    const r = await b.broker.readRecords('idem', p, 0, { limit: 100, maxBytes: 1 << 20 });
    assert.deepEqual(
      r.records.map((x) => Buffer.from(x.value!).toString()),
      [0, 1].flatMap((round) => [0, 1, 2, 3, 4].map((i) => `r${round}-${i}-p${p}`)),
      `partition ${p} holds every record once, in order`,
    );
  }
});
