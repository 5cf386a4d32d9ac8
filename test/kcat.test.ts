// librdkafka through kcat (Debian's kcat 1.7.1 / librdkafka 2.0.2, installed by the test runner):
// metadata, producing with keys (partitioner=murmur2_random: librdkafka's default is CRC32-based, the
// Java client's and kafkajs's is murmur2) and every compression codec, consuming from the beginning, from an
// offset and to the end, and reading what kcat wrote over HTTP.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunningBroker } from '../src/server.ts';
import { partitionForKey } from '../src/broker/partitioner.ts';
import { kcat } from './support/kcat.ts';
import { startTestBroker } from './support/test-broker.ts';

async function withBroker(t: import('node:test').TestContext): Promise<{ b: RunningBroker; brokers: string }> {
  const b = await startTestBroker(t, { kafka: { port: 0 } });
  return { b, brokers: `localhost:${b.kafka!.port}` };
}

test('kcat -L lists the broker and topics', async (t) => {
  const { b, brokers } = await withBroker(t);
  await b.broker.createTopic('meta', { partitions: 3 });
  const r = await kcat(['-b', brokers, '-L', '-J']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { brokers: { id: number; name: string }[]; topics: { topic: string; partitions: unknown[] }[] };
  assert.deepEqual(m.brokers.map((x) => x.id), [0]);
  assert.equal(m.topics.find((x) => x.topic === 'meta')?.partitions.length, 3);
});

for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  test(`kcat -P with keys and ${codec} compression; kcat -C reads it back; HTTP sees the same events`, async (t) => {
    const { b, brokers } = await withBroker(t);
    await b.broker.createTopic('kc', { partitions: 4 });
    const lines = Array.from({ length: 50 }, (_, i) => `key-${i % 7}:value-${i}`);
    const p = await kcat(['-b', brokers, '-P', '-t', 'kc', '-K', ':', '-z', codec, '-X', 'linger.ms=5', '-X', 'partitioner=murmur2_random'], lines.join('\n') + '\n');
    assert.equal(p.code, 0, p.stderr);
    const c = await kcat(['-b', brokers, '-C', '-t', 'kc', '-o', 'beginning', '-e', '-f', '%k=%s@%p\n']);
    assert.equal(c.code, 0, c.stderr);
    const got = c.stdout.trim().split('\n');
    assert.equal(got.length, 50);
    for (const line of got) {
      const [kv, part] = line.split('@');
      const key = kv!.split('=')[0]!;
      assert.equal(Number(part), partitionForKey(Buffer.from(key), 4), `${key} is on murmur2's partition`);
    }
    assert.deepEqual(got.map((l) => l.split('=')[1]!.split('@')[0]).sort(), lines.map((l) => l.split(':')[1]).sort());
    const p0 = partitionForKey(Buffer.from('key-0'), 4);
    const http = (await (await fetch(`${b.http.url}/v1/topics/kc/partitions/${p0}/events?offset=0&limit=100`)).json()) as { events: { key: string; value: unknown; valueEncoding?: string }[] };
    const vals = http.events.filter((e) => e.key === 'key-0').map((e) => (e.valueEncoding ? Buffer.from(String(e.value), 'base64').toString() : String(e.value)));
    assert.deepEqual(vals.sort(), lines.filter((l) => l.startsWith('key-0:')).map((l) => l.split(':')[1]).sort());
  });
}

test('kcat -C from an offset and -e stops at the end', async (t) => {
  const { b, brokers } = await withBroker(t);
  await b.broker.createTopic('off', { partitions: 1 });
  await b.broker.publish('off', Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`m${i}`), headers: [] })));
  const r = await kcat(['-b', brokers, '-C', '-t', 'off', '-p', '0', '-o', '7', '-e', '-f', '%o:%s\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['7:m7', '8:m8', '9:m9']);
  const tail = await kcat(['-b', brokers, '-C', '-t', 'off', '-p', '0', '-o', '-2', '-e', '-f', '%o\n']);
  assert.deepEqual(tail.stdout.trim().split('\n'), ['8', '9']);
});

test('a CloudEvent published over HTTP reaches kcat with binary-mode ce_ headers', async (t) => {
  const { b, brokers } = await withBroker(t);
  const ce = { specversion: '1.0', id: 'evt-1', source: '/orders', type: 'OrderPlaced', subject: 'order-9', data: { orderId: '9' } };
  const res = await fetch(`${b.http.url}/v1/topics/ce/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(ce) });
  assert.equal(res.status, 200);
  const r = await kcat(['-b', brokers, '-C', '-t', 'ce', '-o', 'beginning', '-e', '-f', '%k|%s|%h\n']);
  assert.equal(r.code, 0, r.stderr);
  const [key, value, headers] = r.stdout.trim().split('|');
  assert.equal(key, 'order-9');
  assert.deepEqual(JSON.parse(value!), { orderId: '9' });
  for (const h of ['ce_specversion=1.0', 'ce_id=evt-1', 'ce_source=/orders', 'ce_type=OrderPlaced', 'content-type=application/json']) assert.ok(headers!.split(',').includes(h), `${h} in ${headers}`);
});

test('kcat -G: a balanced librdkafka consumer group reads everything and commits', async (t) => {
  const { b, brokers } = await withBroker(t);
  await b.broker.createTopic('grp', { partitions: 2 });
  await b.broker.publish('grp', Array.from({ length: 20 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`g${i}`), headers: [] })));
  const r = await kcat(['-b', brokers, '-G', 'kcat-group', 'grp', '-o', 'beginning', '-e', '-f', '%s\n', '-X', 'auto.commit.interval.ms=100', '-X', 'enable.auto.commit=true']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), Array.from({ length: 20 }, (_, i) => `g${i}`).sort());
  const g = (await (await fetch(`${b.http.url}/v1/groups/kcat-group`)).json()) as { offsets: { partition: number; committedOffset: number; lag: number }[] };
  assert.equal(g.offsets.reduce((n, o) => n + o.committedOffset, 0), 20, 'librdkafka committed its position on every partition');
});
