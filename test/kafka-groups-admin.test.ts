// Group administration with a real kafkajs 2.2.4 admin client against a real listener:
// fetchOffsets, setOffsets, resetOffsets, describeGroups, listGroups and deleteGroups, translated to
// the broker's group coordinator. setOffsets / resetOffsets run a short-lived kafkajs consumer inside
// the admin client, so they need the data APIs (Fetch, ListOffsets) too and are skipped without them.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaApis } from '../src/kafka/registry.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { offsetCommit, RawKafkaClient } from './support/kafka-raw-groups.ts';

const dataApisMissing = [0, 1, 2].some((key) => !kafkaApis.some((a) => a.key === key)) ? 'needs Fetch (and Produce, ListOffsets)' : false;

/** Clients opened by a test, disconnected before its broker closes (else kafkajs keeps retrying). */
const clients = new WeakMap<TestContext, { disconnect(): Promise<void> }[]>();

function track<C extends { disconnect(): Promise<void> }>(t: TestContext, client: C): C {
  clients.get(t)!.push(client);
  return client;
}

async function withKafka(t: TestContext): Promise<{ b: RunningBroker; kafka: Kafka; raw: RawKafkaClient }> {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  const raw = await RawKafkaClient.connect(b.kafka!.port);
  clients.set(t, []);
  t.after(async () => {
    for (const c of clients.get(t)!.reverse()) await c.disconnect().catch(() => {});
    raw.close();
    await b.close();
    await cleanup();
  });
  const kafka = new Kafka({ clientId: 'groups-admin', brokers: [`localhost:${b.kafka!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  return { b, kafka, raw };
}

test('admin.fetchOffsets, describeGroups, listGroups and deleteGroups', async (t) => {
  const { b, kafka, raw } = await withKafka(t);
  await b.broker.createTopic('orders', { partitions: 2 });
  const admin = track(t, kafka.admin());
  await admin.connect();

  assert.deepEqual(await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] }), [
    {
      topic: 'orders',
      partitions: [
        { partition: 0, offset: '-1', metadata: null },
        { partition: 1, offset: '-1', metadata: null },
      ],
    },
  ]);
  assert.deepEqual(await admin.listGroups(), { groups: [] });

  // A standalone commit (generation -1, as kafkajs's own setOffsets consumer-less path would send).
  const commit = await offsetCommit(raw, 5, { groupId: 'billing', topics: [{ name: 'orders', partitions: [{ partition: 0, offset: 12, metadata: 'note' }, { partition: 1, offset: 3 }] }] });
  assert.deepEqual(commit[0]!.partitions.map((p) => p.error), [0, 0]);
  const fetched = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
  assert.deepEqual(fetched[0]!.partitions.sort((x, y) => x.partition - y.partition), [
    { partition: 0, offset: '12', metadata: 'note' },
    { partition: 1, offset: '3', metadata: null },
  ]);

  assert.deepEqual(await admin.listGroups(), { groups: [{ groupId: 'billing', protocolType: '' }] });
  const described = await admin.describeGroups(['billing', 'nobody']);
  assert.deepEqual(
    described.groups.map((g) => ({ groupId: g.groupId, state: g.state, protocol: g.protocol, protocolType: g.protocolType, members: g.members, errorCode: (g as typeof g & { errorCode: number }).errorCode })),
    [
      { groupId: 'billing', state: 'Empty', protocol: '', protocolType: '', members: [], errorCode: 0 },
      { groupId: 'nobody', state: 'Dead', protocol: '', protocolType: '', members: [], errorCode: 0 },
    ],
  );

  const deleted = await admin.deleteGroups(['billing']);
  assert.deepEqual(deleted, [{ groupId: 'billing', errorCode: 0 }]);
  assert.deepEqual((await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] }))[0]!.partitions.map((p) => p.offset), ['-1', '-1']);
  await assert.rejects(admin.deleteGroups(['billing']), (e: Error & { groups?: { groupId: string; errorCode: number }[] }) => {
    assert.equal(e.name, 'KafkaJSDeleteGroupsError');
    assert.deepEqual(e.groups?.map((g) => [g.groupId, g.errorCode]), [['billing', 69]]);
    return true;
  });
});

test('admin.setOffsets and resetOffsets', { skip: dataApisMissing }, async (t) => {
  const { b, kafka } = await withKafka(t);
  await b.broker.createTopic('orders', { partitions: 2 });
  const producer = track(t, kafka.producer());
  await producer.connect();
  await producer.send({ topic: 'orders', messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
  const admin = track(t, kafka.admin());
  await admin.connect();

  await admin.setOffsets({ groupId: 'ops', topic: 'orders', partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '1' }] });
  const sorted = async () =>
    (await admin.fetchOffsets({ groupId: 'ops', topics: ['orders'] }))[0]!.partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset);
  assert.deepEqual(await sorted(), ['2', '1']);
  const described = await admin.describeGroups(['ops']);
  assert.equal(described.groups[0]!.state, 'Empty');
  assert.equal(described.groups[0]!.protocolType, 'consumer');

  // As with Kafka, the seek sentinels are stored as they are (-2 earliest, -1 latest), and
  // fetchOffsets({ resolveOffsets: true }) turns them into real offsets and commits those.
  const resolved = async () =>
    (await admin.fetchOffsets({ groupId: 'ops', topics: ['orders'], resolveOffsets: true }))[0]!.partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset);
  await admin.resetOffsets({ groupId: 'ops', topic: 'orders', earliest: true });
  assert.deepEqual(await sorted(), ['-2', '-2']);
  assert.deepEqual(await resolved(), ['0', '0']);
  assert.deepEqual(await sorted(), ['0', '0']);
  await admin.resetOffsets({ groupId: 'ops', topic: 'orders', earliest: false });
  assert.deepEqual(await sorted(), ['-1', '-1']);
  assert.deepEqual(await resolved(), ['3', '3']);
  assert.deepEqual(await sorted(), ['3', '3']);
  assert.deepEqual(await admin.listGroups(), { groups: [{ groupId: 'ops', protocolType: 'consumer' }] });
});
