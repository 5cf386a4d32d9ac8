// The admin APIs with a real kafkajs 2.2.4 admin client against a real listener (createTopics with
// validateOnly and configEntries, deleteTopics, createPartitions, deleteTopicRecords, describeConfigs,
// alterConfigs), plus raw requests for what kafkajs never sends: the flexible versions
// (@platformatic/kafka's: CreateTopics v7, DeleteTopics v6 by topic id, DescribeConfigs v4) and
// IncrementalAlterConfigs.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { topicId } from '../src/kafka/apis/metadata/topic-id.ts';
import type { KafkaReader } from '../src/kafka/protocol/reader.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { RawKafka } from './support/kafka-raw.ts';

const TOPIC = 2;
const BROKER = 4;

async function withAdmin(t: TestContext): Promise<{ b: RunningBroker; admin: Admin; raw: RawKafka }> {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0, defaultPartitions: 2 });
  const kafka = new Kafka({ clientId: 'admin-test', brokers: [`localhost:${b.kafka!.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  const raw = await RawKafka.connect(b.kafka!.port);
  t.after(async () => {
    raw.close();
    await admin.disconnect();
    await b.close();
    await cleanup();
  });
  return { b, admin, raw };
}

/** The Kafka error code of what kafkajs threw (KafkaJSAggregateError / KafkaJSCreateTopicError / …). */
function kafkaCode(e: unknown): number | string {
  const err = e as { errors?: unknown[]; cause?: unknown; type?: string; name?: string };
  if (err.errors && err.errors.length > 0) return kafkaCode(err.errors[0]);
  if (err.cause) return kafkaCode(err.cause);
  return err.type ?? err.name ?? 'unknown';
}

test('createTopics: defaults, partitions, configEntries, validateOnly, and the errors kafkajs sees', async (t) => {
  const { b, admin } = await withAdmin(t);
  assert.equal(await admin.createTopics({ topics: [{ topic: 'plain' }] }), true);
  assert.equal(b.broker.partitionCount('plain'), 2, 'num_partitions -1 = num.partitions');
  assert.equal(
    await admin.createTopics({ topics: [{ topic: 'tuned', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'cleanup.policy', value: 'compact' }] }] }),
    true,
  );
  const d = b.broker.describeTopic('tuned');
  assert.equal(d.partitions.length, 3);
  assert.equal(d.config['retention.ms'], '60000');
  assert.equal(d.config['cleanup.policy'], 'compact');

  // kafkajs would wait for the leaders of a topic that validateOnly did not create: waitForLeaders off.
  assert.equal(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry', numPartitions: 4 }] }), true);
  assert.equal(b.broker.hasTopic('dry'), false, 'validateOnly creates nothing');
  await assert.rejects(admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'dry', configEntries: [{ name: 'no.such.config', value: '1' }] }] }), (e) => kafkaCode(e) === 'INVALID_CONFIG');

  assert.equal(await admin.createTopics({ topics: [{ topic: 'plain' }] }), false, 'TOPIC_ALREADY_EXISTS is "nothing created"');
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }), (e) => kafkaCode(e) === 'INVALID_CONFIG');
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'rf', replicationFactor: 3 }] }), (e) => kafkaCode(e) === 'INVALID_REPLICATION_FACTOR');
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!' }] }), (e) => kafkaCode(e) === 'INVALID_TOPIC_EXCEPTION');
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] }), (e) => kafkaCode(e) === 'INVALID_PARTITIONS');
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'manual', replicaAssignment: [{ partition: 0, replicas: [0] }] }] }), (e) => kafkaCode(e) === 'INVALID_REQUEST');
  assert.deepEqual((await admin.listTopics()).sort(), ['plain', 'tuned']);
});

test('deleteTopics removes topics at once; unknown and internal topics are refused', async (t) => {
  const { b, admin } = await withAdmin(t);
  await b.broker.createTopic('a');
  await b.broker.createTopic('b');
  await admin.deleteTopics({ topics: ['a'] });
  assert.equal(b.broker.hasTopic('a'), false);
  assert.deepEqual(await admin.listTopics(), ['b']);
  await assert.rejects(admin.deleteTopics({ topics: ['nope'] }), (e) => kafkaCode(e) === 'UNKNOWN_TOPIC_OR_PARTITION');
  await assert.rejects(admin.deleteTopics({ topics: ['__consumer_offsets'] }), (e) => kafkaCode(e) === 'TOPIC_AUTHORIZATION_FAILED');
});

test('createPartitions grows a topic; a smaller count is INVALID_PARTITIONS; validateOnly changes nothing', async (t) => {
  const { b, admin } = await withAdmin(t);
  await b.broker.createTopic('grow', { partitions: 1 });
  await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 4 }] });
  assert.equal(b.broker.partitionCount('grow'), 4);
  const meta = await admin.fetchTopicMetadata({ topics: ['grow'] });
  assert.equal(meta.topics[0]!.partitions.length, 4);
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 2 }] }), (e) => kafkaCode(e) === 'INVALID_PARTITIONS');
  await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'grow', count: 8 }] });
  assert.equal(b.broker.partitionCount('grow'), 4);
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'missing', count: 2 }] }), (e) => kafkaCode(e) === 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('deleteTopicRecords raises the low watermark; reads below it are out of range', async (t) => {
  const { b, admin } = await withAdmin(t);
  await b.broker.createTopic('events', { partitions: 2 });
  await b.broker.publish('events', Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`e${i}`), partition: 0 })));
  await b.broker.publish('events', Array.from({ length: 4 }, (_, i) => ({ key: null, value: Buffer.from(`f${i}`), partition: 1 })));
  await admin.fetchTopicMetadata({ topics: ['events'] }); // kafkajs needs the leaders known first
  await admin.deleteTopicRecords({ topic: 'events', partitions: [{ partition: 0, offset: '6' }, { partition: 1, offset: '-1' }] });
  const offsets = await admin.fetchTopicOffsets('events');
  assert.deepEqual(
    offsets.map((o) => [o.partition, o.low, o.high]).sort(),
    [
      [0, '6', '10'],
      [1, '4', '4'],
    ],
  );
  await assert.rejects(b.broker.readRecords('events', 0, 5, { limit: 10, maxBytes: 1 << 20 }), /outside/);
  const rest = await b.broker.readRecords('events', 0, 6, { limit: 10, maxBytes: 1 << 20 });
  assert.deepEqual(rest.records.map((r) => Buffer.from(r.value!).toString()), ['e6', 'e7', 'e8', 'e9']);
  await assert.rejects(admin.deleteTopicRecords({ topic: 'events', partitions: [{ partition: 0, offset: '11' }] }), (e) => {
    let err = e as { partitions?: { error: { type: string } }[]; cause?: unknown } | undefined;
    while (err && !err.partitions) err = err.cause as typeof err;
    const parts = err?.partitions ?? [];
    return parts.length === 1 && parts[0]!.error.type === 'OFFSET_OUT_OF_RANGE';
  });
});

test('describeConfigs lists every topic config with its default, honours names, and describes the broker', async (t) => {
  const { b, admin } = await withAdmin(t);
  await b.broker.createTopic('cfg', { config: { 'retention.ms': '1000' } });
  const all = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: TOPIC, name: 'cfg' }] });
  const entries = all.resources[0]!.configEntries;
  assert.ok(entries.length > 1);
  const byName = new Map(entries.map((c) => [c.configName, c]));
  assert.equal(byName.get('cleanup.policy')!.configValue, 'delete');
  assert.equal(byName.get('cleanup.policy')!.isDefault, true);
  assert.equal(byName.get('retention.ms')!.configValue, '1000');
  assert.equal(byName.get('retention.ms')!.isDefault, false);
  assert.equal(byName.get('retention.ms')!.configSource, 1, 'TOPIC_CONFIG');
  assert.deepEqual(
    byName.get('retention.ms')!.configSynonyms.map((s) => s.configSource),
    [1, 5],
  );

  const some = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'cfg', configNames: ['cleanup.policy', 'segment.bytes'] }] });
  assert.deepEqual(some.resources[0]!.configEntries.map((c) => c.configName).sort(), ['cleanup.policy', 'segment.bytes']);

  const brokerCfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: BROKER, name: '0' }] });
  const nums = brokerCfg.resources[0]!.configEntries.find((c) => c.configName === 'num.partitions');
  assert.equal(nums?.configValue, '2');
  assert.equal(nums?.readOnly, true);

  await assert.rejects(admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: 'missing' }] }), (e) => kafkaCode(e) === 'UNKNOWN_TOPIC_OR_PARTITION');
});

test('alterConfigs replaces a topic’s overrides; validateOnly and bad values change nothing', async (t) => {
  const { b, admin } = await withAdmin(t);
  await b.broker.createTopic('alt', { config: { 'retention.ms': '1000', 'segment.bytes': '100000' } });
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'alt', configEntries: [{ name: 'retention.ms', value: '5000' }] }] });
  let c = b.broker.describeTopic('alt').config;
  assert.equal(c['retention.ms'], '5000');
  assert.equal(c['segment.bytes'], '1073741824', 'overrides not given return to the default');

  await admin.alterConfigs({ validateOnly: true, resources: [{ type: TOPIC, name: 'alt', configEntries: [{ name: 'retention.ms', value: '7' }] }] });
  assert.equal(b.broker.describeTopic('alt').config['retention.ms'], '5000');
  await assert.rejects(
    admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'alt', configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }] }),
    (e) => kafkaCode(e) === 'INVALID_CONFIG',
  );
  c = b.broker.describeTopic('alt').config;
  assert.equal(c['cleanup.policy'], 'delete');
  assert.equal(c['retention.ms'], '5000');
  await assert.rejects(admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [{ name: 'num.partitions', value: '9' }] }] }), (e) => kafkaCode(e) === 'INVALID_REQUEST');
});

// ---- raw requests: flexible versions and IncrementalAlterConfigs ----

interface Outcome {
  name: string | null;
  error: number;
  message: string | null;
}

function readAlterResults(r: KafkaReader): Outcome[] {
  r.int32();
  const out = r.array(() => {
    const error = r.int16();
    const message = r.nullableString();
    r.int8();
    const name = r.string();
    r.tags();
    return { name, error, message };
  });
  r.tags();
  r.end();
  assert.ok(r.ok, r.error?.message);
  return out;
}

test('CreateTopics v7 (flexible) answers partitions, replication factor, configs and the topic id', async (t) => {
  const { b, raw } = await withAdmin(t);
  const res = await raw.request(
    19,
    7,
    (w) => {
      w.array(
        [{ name: 'v7', partitions: 3, configs: [['max.message.bytes', '2048']] }],
        (tp) => {
          w.string(tp.name).int32(tp.partitions).int16(-1);
          w.array([], () => {});
          w.array(tp.configs, ([k, v]) => {
            w.string(k!).nullableString(v!);
            w.tags();
          });
          w.tags();
        },
      );
      w.int32(1000).bool(false);
      w.tags();
    },
    { flexible: true },
  );
  res.int32();
  const [topic] = res.array(() => {
    const name = res.string();
    const id = Buffer.from(res.uuid());
    const error = res.int16();
    res.nullableString();
    const partitions = res.int32();
    const rf = res.int16();
    const configs = res.nullableArray(() => {
      const c = { name: res.string(), value: res.nullableString(), readOnly: res.bool(), source: res.int8(), sensitive: res.bool() };
      res.tags();
      return c;
    });
    res.tags();
    return { name, id, error, partitions, rf, configs };
  });
  res.tags();
  res.end();
  assert.ok(res.ok, res.error?.message);
  assert.equal(topic!.error, 0);
  assert.equal(topic!.partitions, 3);
  assert.equal(topic!.rf, 1);
  assert.deepEqual(topic!.id, Buffer.from(topicId('v7', b.broker.describeTopic('v7').createdMs)));
  const mmb = topic!.configs!.find((c) => c.name === 'max.message.bytes');
  assert.deepEqual(mmb, { name: 'max.message.bytes', value: '2048', readOnly: false, source: 1, sensitive: false });
  assert.ok(topic!.configs!.some((c) => c.name === 'cleanup.policy' && c.value === 'delete' && c.source === 5));
});

test('DeleteTopics v6 deletes by topic id; a name and an id together are INVALID_REQUEST', async (t) => {
  const { b, raw } = await withAdmin(t);
  const d = await b.broker.createTopic('byid');
  const id = topicId('byid', d.createdMs);
  const send = async (entries: { name: string | null; id: Uint8Array }[]) => {
    const r = await raw.request(
      20,
      6,
      (w) => {
        w.array(entries, (e) => {
          w.nullableString(e.name).uuid(e.id);
          w.tags();
        });
        w.int32(1000);
        w.tags();
      },
      { flexible: true },
    );
    r.int32();
    const out = r.array(() => {
      const o = { name: r.nullableString(), id: Buffer.from(r.uuid()), error: r.int16(), message: r.nullableString() };
      r.tags();
      return o;
    });
    r.tags();
    r.end();
    assert.ok(r.ok, r.error?.message);
    return out;
  };
  const both = await send([{ name: 'byid', id }]);
  assert.equal(both[0]!.error, 42);
  assert.ok(b.broker.hasTopic('byid'));
  const ok = await send([{ name: null, id }]);
  assert.deepEqual([ok[0]!.name, ok[0]!.error], ['byid', 0]);
  assert.equal(b.broker.hasTopic('byid'), false);
  const again = await send([{ name: null, id }]);
  assert.equal(again[0]!.error, 100, 'UNKNOWN_TOPIC_ID');
});

test('DescribeConfigs v4 (flexible) with documentation and config types', async (t) => {
  const { b, raw } = await withAdmin(t);
  await b.broker.createTopic('docs');
  const r = await raw.request(
    32,
    4,
    (w) => {
      w.array([0], () => {
        w.int8(TOPIC).string('docs');
        w.nullableArray(['cleanup.policy'], (k) => w.string(k));
        w.tags();
      });
      w.bool(true).bool(true);
      w.tags();
    },
    { flexible: true },
  );
  r.int32();
  const [res] = r.array(() => {
    const error = r.int16();
    r.nullableString();
    r.int8();
    r.string();
    const configs = r.array(() => {
      const c = { name: r.string(), value: r.nullableString(), readOnly: r.bool(), source: r.int8(), sensitive: r.bool() };
      const synonyms = r.array(() => {
        const s = { name: r.string(), value: r.nullableString(), source: r.int8() };
        r.tags();
        return s;
      });
      const type = r.int8();
      const doc = r.nullableString();
      r.tags();
      return { ...c, synonyms, type, doc };
    });
    r.tags();
    return { error, configs };
  });
  r.tags();
  r.end();
  assert.ok(r.ok, r.error?.message);
  assert.equal(res!.error, 0);
  assert.equal(res!.configs.length, 1);
  const c = res!.configs[0]!;
  assert.equal(c.value, 'delete');
  assert.equal(c.type, 7, 'LIST');
  assert.ok(c.doc && c.doc.length > 0);
  assert.deepEqual(c.synonyms, [{ name: 'cleanup.policy', value: 'delete', source: 5 }]);
});

test('IncrementalAlterConfigs: SET, DELETE, APPEND/SUBTRACT only on lists, validate_only, bad operations', async (t) => {
  const { b, raw } = await withAdmin(t);
  await b.broker.createTopic('inc', { config: { 'segment.ms': '60000' } });
  const send = async (configs: [string, number, string | null][], validateOnly = false, name = 'inc', type = TOPIC) =>
    readAlterResults(
      await raw.request(
        44,
        1,
        (w) => {
          w.array([0], () => {
            w.int8(type).string(name);
            w.array(configs, ([k, op, v]) => {
              w.string(k).int8(op).nullableString(v);
              w.tags();
            });
            w.tags();
          });
          w.bool(validateOnly);
          w.tags();
        },
        { flexible: true },
      ),
    );
  assert.equal((await send([['retention.ms', 0, '1234']]))[0]!.error, 0);
  let c = b.broker.describeTopic('inc').config;
  assert.equal(c['retention.ms'], '1234');
  assert.equal(c['segment.ms'], '60000', 'keys not named are untouched');
  assert.equal((await send([['segment.ms', 1, null]]))[0]!.error, 0);
  assert.equal(b.broker.describeTopic('inc').config['segment.ms'], String(7 * 24 * 3600 * 1000));

  assert.equal((await send([['retention.ms', 2, '5']]))[0]!.error, 42, 'APPEND on a non-list config');
  assert.equal((await send([['retention.ms', 9, '5']]))[0]!.error, 42, 'unknown operation');
  assert.equal((await send([['retention.ms', 0, null]]))[0]!.error, 42, 'SET null');
  assert.equal((await send([['cleanup.policy', 3, 'delete']]))[0]!.error, 40, 'SUBTRACT leaving an empty policy is an invalid config');
  assert.equal((await send([['cleanup.policy', 2, 'delete']]))[0]!.error, 0, 'APPEND of a value already there changes nothing');
  assert.equal((await send([['cleanup.policy', 2, 'compact']]))[0]!.error, 40, 'delete,compact is not supported by Eddy');
  assert.equal((await send([['retention.ms', 0, '99']], true))[0]!.error, 0);
  c = b.broker.describeTopic('inc').config;
  assert.equal(c['retention.ms'], '1234', 'validate_only');
  assert.equal(c['cleanup.policy'], 'delete');
  assert.equal((await send([['no.such', 1, null]]))[0]!.error, 40);
  assert.equal((await send([['retention.ms', 0, '1']], false, 'ghost'))[0]!.error, 3);
  assert.equal((await send([['num.partitions', 0, '1']], false, '0', BROKER))[0]!.error, 42);
});
