// @platformatic/kafka (a pure-TypeScript client for Kafka 3.5+ that speaks only flexible versions:
// Metadata ≥ 9, Fetch ≥ 12, JoinGroup ≥ 6, OffsetCommit ≥ 8, OffsetFetch ≥ 8, FindCoordinator ≥ 4,
// ListOffsets ≥ 5, Produce ≥ 7, InitProducerId ≥ 3, CreateTopics ≥ 7, DeleteTopics ≥ 6,
// DescribeGroups ≥ 5, ListGroups ≥ 4, ApiVersions 3) against an in-process broker: admin basics,
// producing with keys and headers (plain and idempotent), consuming in a consumer group from the
// earliest offset, committing, and resuming from the committed offsets. Every request the client
// sends is recorded from its diagnostics channel and checked against those minimum versions.
// Fetch: @platformatic/kafka's v12 writes the topic *id* where v12 has the topic name (it picks
// the broker's highest version, and every Kafka it supports has Fetch ≥ 13), so the broker serves
// v13 (topics by id), which the client then uses; a raw v13 exchange is checked below too.
// Clients are closed before the broker (they reconnect forever otherwise).

import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { test, type TestContext } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { topicId } from '../src/kafka/apis/metadata/topic-id.ts';
import type { RunningBroker } from '../src/server.ts';
import { batchBaseOffsets } from './support/kafka-data-requests.ts';
import { RawKafka } from './support/kafka-raw.ts';
import { startTestBroker } from './support/test-broker.ts';

/** The lowest version @platformatic/kafka implements for each API it uses here (by API key). */
const minimumVersions: Record<number, [string, number]> = {
  0: ['Produce', 7],
  1: ['Fetch', 12],
  2: ['ListOffsets', 5],
  3: ['Metadata', 9],
  8: ['OffsetCommit', 8],
  9: ['OffsetFetch', 8],
  10: ['FindCoordinator', 4],
  11: ['JoinGroup', 6],
  12: ['Heartbeat', 4],
  13: ['LeaveGroup', 4],
  14: ['SyncGroup', 4],
  15: ['DescribeGroups', 5],
  16: ['ListGroups', 4],
  18: ['ApiVersions', 3],
  19: ['CreateTopics', 7],
  20: ['DeleteTopics', 6],
  22: ['InitProducerId', 3],
};

/** Every (apiKey, apiVersion) the client sent while `t` runs, as "key:version". */
function recordRequests(t: TestContext): Set<string> {
  const seen = new Set<string>();
  const channel = 'tracing:plt:kafka:connections:api:start';
  const onStart = (m: unknown) => {
    const { apiKey, apiVersion } = m as { apiKey: number; apiVersion: number };
    seen.add(`${apiKey}:${apiVersion}`);
  };
  subscribe(channel, onStart);
  t.after(() => unsubscribe(channel, onStart));
  return seen;
}

interface Closable {
  close(): Promise<void>;
}

async function withBroker(t: TestContext): Promise<{ b: RunningBroker; brokers: string[]; track: <C extends Closable>(c: C) => C }> {
  const clients: Closable[] = [];
  const b = await startTestBroker(t, { kafka: { port: 0 } }, async () => {
    for (const c of clients.reverse()) await c.close().catch(() => {});
  });
  return { b, brokers: [`localhost:${b.kafka!.port}`], track: (c) => (clients.push(c), c) };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type StringMessage = Message<string, string, string, string>;

/** Collects a stream's messages as they arrive. */
function collect(stream: MessagesStream<string, string, string, string>): StringMessage[] {
  const got: StringMessage[] = [];
  stream.on('data', (m: StringMessage) => got.push(m));
  return got;
}

const groupTimings = { sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 300 };

test('admin: create, list and delete topics; list and describe groups', async (t) => {
  const requests = recordRequests(t);
  const { b, brokers, track } = await withBroker(t);
  const admin = track(new Admin({ clientId: 'pk-admin', bootstrapBrokers: brokers }));
  const created = await admin.createTopics({ topics: ['pk-a', 'pk-b'], partitions: 3, replicas: 1 });
  assert.deepEqual(created.map((c) => [c.name, c.partitions, c.replicas]).sort(), [['pk-a', 3, 1], ['pk-b', 3, 1]]);
  for (const c of created) assert.match(c.id, /^[0-9a-f-]{36}$/, 'a topic id');
  assert.equal(created[0]!.configuration['cleanup.policy'], 'delete');
  assert.deepEqual((await admin.listTopics()).sort(), ['pk-a', 'pk-b']);
  assert.equal(b.broker.describeTopic('pk-a').partitions.length, 3, 'the broker has the topic');
  await assert.rejects(admin.createTopics({ topics: ['pk-a'], partitions: 1, replicas: 1 }), 'an existing topic is refused');
  const md = await admin.metadata({ topics: ['pk-b'] });
  assert.equal(md.topics.get('pk-b')?.partitionsCount, 3);
  assert.equal(md.topics.get('pk-b')?.id, created.find((c) => c.name === 'pk-b')!.id, 'Metadata and CreateTopics agree on the id');
  await admin.deleteTopics({ topics: ['pk-a'] });
  assert.deepEqual(await admin.listTopics(), ['pk-b']);
  assert.equal(b.broker.hasTopic('pk-a'), false);

  assert.equal((await admin.listGroups()).size, 0, 'no groups yet');
  const described = await admin.describeGroups({ groups: ['nobody'] });
  assert.equal(described.get('nobody')?.state, 'DEAD', 'an unknown group is Dead');
  assertMinimumVersions(requests, [3, 18, 19, 20, 15, 16]);
});

test('produce with keys and headers; a consumer group reads from earliest, commits, and a new member resumes', async (t) => {
  const requests = recordRequests(t);
  const { b, brokers, track } = await withBroker(t);
  const admin = track(new Admin({ clientId: 'pk-admin', bootstrapBrokers: brokers }));
  await admin.createTopics({ topics: ['orders'], partitions: 3, replicas: 1 });

  const producer = track(new Producer({ clientId: 'pk-producer', bootstrapBrokers: brokers, serializers: stringSerializers, acks: -1 }));
  const sent = new Map<string, { key: string; partition: number; offset: bigint; headers: Record<string, string> }>();
  for (let round = 0; round < 3; round++) {
    const messages = Array.from({ length: 10 }, (_, i) => {
      const n = round * 10 + i;
      return { topic: 'orders', key: `order-${n % 4}`, value: `v${n}`, headers: { seq: String(n), source: 'platformatic' } };
    });
    const r = await producer.send({ messages });
    // One offset per partition written: the base offset of that partition's batch.
    assert.ok(r.offsets && r.offsets.length > 0);
    for (const m of messages) sent.set(m.value, { key: m.key, partition: -1, offset: -1n, headers: m.headers });
  }
  // Idempotent producer: InitProducerId ≥ 3 and sequenced batches.
  const idem = track(new Producer({ clientId: 'pk-idem', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: -1 }));
  const idemMessages = Array.from({ length: 6 }, (_, i) => ({ topic: 'orders', key: `idem-${i % 2}`, value: `i${i}`, headers: { seq: String(i), source: 'idempotent' } }));
  await idem.send({ messages: idemMessages.slice(0, 3) });
  await idem.send({ messages: idemMessages.slice(3) });
  for (const m of idemMessages) sent.set(m.value, { key: m.key, partition: -1, offset: -1n, headers: m.headers });
  const total = sent.size;
  const stored = b.broker.describeTopic('orders').partitions.reduce((n, p) => n + p.latestOffset, 0);
  assert.equal(stored, total, 'every message stored once');

  const consumer = track(new Consumer({ clientId: 'pk-consumer', groupId: 'pk-group', bootstrapBrokers: brokers, deserializers: stringDeserializers, ...groupTimings }));
  const stream = await consumer.consume({ topics: ['orders'], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
  const got = collect(stream);
  await until(`${total} messages`, () => got.length >= total);
  const keyPartition = new Map<string, number>();
  for (const m of got) {
    const s = sent.get(m.value);
    assert.ok(s, `${m.value} was produced`);
    assert.equal(m.key, s.key, `${m.value} keeps its key`);
    assert.deepEqual(Object.fromEntries(m.headers), s.headers, `${m.value} keeps its headers`);
    assert.equal(m.topic, 'orders');
    if (keyPartition.has(m.key)) assert.equal(m.partition, keyPartition.get(m.key), `key ${m.key} always lands on one partition`);
    keyPartition.set(m.key, m.partition);
  }
  assert.deepEqual(got.map((m) => m.value).sort(), [...sent.keys()].sort(), 'each message exactly once');
  // Offsets per partition: 0, 1, 2, ... in order.
  for (let p = 0; p < 3; p++) {
    const offsets = got.filter((m) => m.partition === p).map((m) => Number(m.offset));
    assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p} is read in order from 0`);
  }
  // Per key, values arrive in production order.
  for (const key of keyPartition.keys()) {
    const seqs = got.filter((m) => m.key === key).map((m) => Number(m.headers.get('seq')));
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), `key ${key} in order`);
  }

  // Commit the last message of every partition (commit() commits offset + 1).
  const last = new Map<number, StringMessage>();
  for (const m of got) last.set(m.partition, m);
  for (const m of last.values()) await m.commit();
  const committed = await admin.listConsumerGroupOffsets({ groups: ['pk-group'] });
  const byPartition = new Map(committed[0]!.topics.find((x) => x.name === 'orders')!.partitions.map((p) => [p.partitionIndex, p.committedOffset]));
  for (const p of b.broker.describeTopic('orders').partitions) assert.equal(byPartition.get(p.partition), BigInt(p.latestOffset), `partition ${p.partition} committed at its end`);

  const groups = await admin.listGroups();
  assert.equal(groups.get('pk-group')?.protocolType, 'consumer');
  const group = (await admin.describeGroups({ groups: ['pk-group'] })).get('pk-group')!;
  assert.equal(group.state, 'STABLE');
  assert.equal(group.members.size, 1);
  assert.equal([...group.members.values()][0]!.clientId, 'pk-consumer');

  await until('a heartbeat', () => [...requests].some((r) => r.startsWith('12:')));
  await stream.close();
  await consumer.close();
  assert.equal((await admin.describeGroups({ groups: ['pk-group'] })).get('pk-group')!.state, 'EMPTY', 'committed offsets keep an Empty group');

  // More events; a new member of the group starts at the committed offsets and sees only those.
  await producer.send({ messages: Array.from({ length: 5 }, (_, i) => ({ topic: 'orders', key: `late-${i}`, value: `late${i}`, headers: { seq: String(i) } })) });
  const second = track(new Consumer({ clientId: 'pk-consumer-2', groupId: 'pk-group', bootstrapBrokers: brokers, deserializers: stringDeserializers, ...groupTimings }));
  const stream2 = await second.consume({ topics: ['orders'], mode: 'committed', autocommit: 100, maxWaitTime: 200 });
  const got2 = collect(stream2);
  await until('the 5 late messages', () => got2.length >= 5);
  await until('autocommit of the late messages', async () => {
    const c = await admin.listConsumerGroupOffsets({ groups: ['pk-group'] });
    const sum = c[0]!.topics.find((x) => x.name === 'orders')!.partitions.reduce((n, p) => n + p.committedOffset, 0n);
    return sum === BigInt(total + 5);
  });
  assert.deepEqual(got2.map((m) => m.value).sort(), ['late0', 'late1', 'late2', 'late3', 'late4']);
  await stream2.close();
  await second.close();

  // Over HTTP, the same events with their keys and headers.
  const first = got.find((m) => m.offset === 0n)!;
  const http = (await (await fetch(`${b.http.url}/v1/topics/orders/partitions/${first.partition}/events?offset=0&limit=1`)).json()) as { events: { key: string; value: string; valueEncoding?: string; headers?: Record<string, string> }[] };
  const e = http.events[0]!;
  assert.equal(e.key, first.key);
  assert.equal(e.valueEncoding === 'base64' ? Buffer.from(e.value, 'base64').toString() : e.value, first.value);
  assert.deepEqual(e.headers, Object.fromEntries(first.headers));

  assertMinimumVersions(requests, [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 22]);
});

test('Fetch v13 names topics by id (what @platformatic/kafka sends): a known id reads, an unknown id is UNKNOWN_TOPIC_ID', async (t) => {
  const { b } = await withBroker(t);
  await b.broker.createTopic('by-id', { partitions: 1 });
  await b.broker.publish('by-id', [{ key: null, value: Buffer.from('x'), headers: [] }, { key: null, value: Buffer.from('y'), headers: [] }]);
  const id = topicId('by-id', b.broker.describeTopic('by-id').createdMs);
  const unknown = new Uint8Array(16).fill(7);
  const c = await RawKafka.connect(b.kafka!.port);
  const r = await c.request(
    1,
    13,
    (w) => {
      w.int32(-1).int32(0).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1);
      w.array([id, unknown], (topic) => {
        w.uuid(topic);
        w.array([0], (p) => {
          w.int32(p).int32(-1).int64(0).int32(-1).int64(-1).int32(1 << 20);
          w.tags();
        });
        w.tags();
      });
      w.array([], () => {});
      w.string('');
      w.tags();
    },
    { flexible: true },
  );
  r.int32();
  assert.equal(r.int16(), 0);
  r.int32();
  const topics = r.array(() => {
    const topic = Buffer.from(r.uuid()).toString('hex');
    const [p] = r.array(() => {
      const partition = { index: r.int32(), error: r.int16(), highWatermark: r.int64() };
      r.int64();
      r.int64();
      r.nullableArray(() => (r.int64(), r.int64(), r.tags()));
      r.int32();
      const records = Buffer.from(r.nullableBytes() ?? new Uint8Array(0));
      r.tags();
      return { ...partition, records };
    });
    r.tags();
    return { topic, ...p! };
  });
  r.tags();
  r.end();
  c.close();
  assert.ok(r.ok);
  assert.equal(topics[0]!.topic, Buffer.from(id).toString('hex'), 'answered by topic id, in request order');
  assert.equal(topics[0]!.error, 0);
  assert.equal(topics[0]!.highWatermark, 2);
  assert.deepEqual(batchBaseOffsets(topics[0]!.records), [0]);
  assert.equal(topics[1]!.topic, Buffer.from(unknown).toString('hex'));
  assert.equal(topics[1]!.error, 100, 'UNKNOWN_TOPIC_ID');
  assert.equal(topics[1]!.records.length, 0);
});

/** Every request sent used at least the listed minimum version; the `expected` API keys were used. */
function assertMinimumVersions(requests: Set<string>, expected: number[]): void {
  const used = new Map<number, number[]>();
  for (const r of requests) {
    const [key, version] = r.split(':').map(Number) as [number, number];
    used.set(key, [...(used.get(key) ?? []), version]);
    const min = minimumVersions[key];
    if (min) assert.ok(version >= min[1], `${min[0]} v${version} is at least v${min[1]}`);
  }
  for (const key of expected) assert.ok(used.has(key), `${minimumVersions[key]?.[0] ?? key} was used (used: ${[...requests].sort().join(' ')})`);
}
