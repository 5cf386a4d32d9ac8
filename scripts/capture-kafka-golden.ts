// Captures golden Kafka bytes from the three real clients: kcat (librdkafka), kafkajs and
// @platformatic/kafka each run a short session (metadata, admin, produce with keys, headers and
// compression, consume in a group, offsets) against an in-process broker through a recording
// proxy (scripts/kafka-recorder.ts). The first request of each (client, API, version) and Eddy's
// response to it are written to test/fixtures/kafka/clients/<client>/<Api>-v<N>.{request,response}.bin
// with a manifest; test/kafka-golden-clients.test.ts checks them. Not run by the tests (the fixtures
// are committed); rerun when a client is upgraded or an API version is added.
// Usage: node --import tsx scripts/capture-kafka-golden.ts

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { kafkaApis } from '../src/kafka/registry.ts';
import { startBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { kcat as runKcat } from '../test/support/kcat.ts';
import { startRecorder, type Exchange, type GoldenEntry } from './kafka-recorder.ts';

const require = createRequire(import.meta.url);
const out = new URL('../test/fixtures/kafka/clients/', import.meta.url);
const names = new Map(kafkaApis.map((a) => [a.key, a.name]));

async function kcat(args: string[], stdin = ''): Promise<string> {
  const r = await runKcat(args, stdin, 30_000);
  if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function kcatSession(bootstrap: string): Promise<void> {
  await kcat(['-b', bootstrap, '-L']);
  for (const codec of ['snappy', 'lz4', 'zstd', 'gzip']) await kcat(['-b', bootstrap, '-P', '-t', 'golden-kcat', '-K', ':', '-z', codec, '-H', 'source=kcat'], 'k1:v1\nk2:v2\n');
  await kcat(['-b', bootstrap, '-C', '-t', 'golden-kcat', '-o', 'beginning', '-e']);
  await kcat(['-b', bootstrap, '-C', '-t', 'golden-kcat', '-p', '0', '-o', '-1', '-e']);
  await kcat(['-b', bootstrap, '-G', 'golden-kcat-group', 'golden-kcat', '-o', 'beginning', '-e', '-X', 'enable.auto.commit=true', '-X', 'auto.commit.interval.ms=100']);
}

async function kafkajsSession(bootstrap: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'golden-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'golden-kafkajs', numPartitions: 2 }] });
  await admin.fetchTopicMetadata({ topics: ['golden-kafkajs'] });
  await admin.describeConfigs({ resources: [{ type: 2, name: 'golden-kafkajs' }], includeSynonyms: false });
  await admin.createPartitions({ topicPartitions: [{ topic: 'golden-kafkajs', count: 3 }] });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic: 'golden-kafkajs', acks: -1, compression: CompressionTypes.GZIP, messages: [{ key: 'k1', value: 'v1', headers: { source: 'kafkajs' } }, { key: 'k2', value: 'v2' }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'golden-kafkajs-group', sessionTimeout: 6000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'golden-kafkajs', fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async () => void (++seen === 2 && resolve()) });
  });
  await consumer.disconnect();
  await admin.fetchOffsets({ groupId: 'golden-kafkajs-group', topics: ['golden-kafkajs'] });
  await admin.fetchTopicOffsetsByTimestamp('golden-kafkajs', Date.now() - 60_000);
  await admin.describeGroups(['golden-kafkajs-group']);
  await admin.listGroups();
  await admin.deleteTopics({ topics: ['golden-kafkajs'] });
  await admin.disconnect();
}

async function platformaticSession(bootstrap: string): Promise<void> {
  const brokers = [bootstrap];
  const admin = new Admin({ clientId: 'golden-pk', bootstrapBrokers: brokers });
  await admin.createTopics({ topics: ['golden-pk'], partitions: 2, replicas: 1 });
  const producer = new Producer({ clientId: 'golden-pk', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: -1 });
  await producer.send({ messages: [{ topic: 'golden-pk', key: 'k1', value: 'v1', headers: { source: 'platformatic' } }, { topic: 'golden-pk', key: 'k2', value: 'v2' }] });
  await producer.close();
  const consumer = new Consumer({ clientId: 'golden-pk', groupId: 'golden-pk-group', bootstrapBrokers: brokers, deserializers: stringDeserializers, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 300 });
  const stream = await consumer.consume({ topics: ['golden-pk'], mode: 'earliest', autocommit: 100, maxWaitTime: 100 });
  let seen = 0;
  await new Promise<void>((resolve) => stream.on('data', () => void (++seen === 2 && resolve())));
  await new Promise((r) => setTimeout(r, 300)); // one autocommit
  await stream.close();
  await consumer.close();
  await admin.listGroups();
  await admin.describeGroups({ groups: ['golden-pk-group'] });
  await admin.deleteTopics({ topics: ['golden-pk'] });
  await admin.close();
}

const { dir, cleanup } = await tempDir('eddy-golden-');
let brokerPort = 0;
const recorder = await startRecorder(() => ({ host: '127.0.0.1', port: brokerPort }));
const broker = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0, advertisedPort: recorder.port }, freeBytesFloor: 0 });
brokerPort = broker.kafka!.port;
const bootstrap = `127.0.0.1:${recorder.port}`;
const manifest: GoldenEntry[] = [];
const kcatVersion = /librdkafka ([\d.]+)/.exec(await kcat(['-V']))?.[1] ?? 'unknown';
const sessions: [string, string, () => Promise<void>][] = [
  ['kcat', `kcat (librdkafka ${kcatVersion})`, () => kcatSession(bootstrap)],
  ['kafkajs', `kafkajs ${(require('kafkajs/package.json') as { version: string }).version}`, () => kafkajsSession(bootstrap)],
  ['platformatic', '@platformatic/kafka 1.35.0', () => platformaticSession(bootstrap)],
];
rmSync(out, { recursive: true, force: true });
try {
  for (const [client, clientVersion, run] of sessions) {
    const from = recorder.exchanges.length;
    await run();
    await new Promise((r) => setTimeout(r, 200)); // the last responses reach the recorder
    const seen = new Set<string>();
    mkdirSync(new URL(`${client}/`, out), { recursive: true });
    for (const e of recorder.exchanges.slice(from) as Exchange[]) {
      const api = names.get(e.apiKey) ?? `Api${e.apiKey}`;
      const id = `${api}-v${e.apiVersion}`;
      if (seen.has(id)) continue;
      seen.add(id);
      writeFileSync(new URL(`${client}/${id}.request.bin`, out), e.request);
      if (e.response) writeFileSync(new URL(`${client}/${id}.response.bin`, out), e.response);
      manifest.push({ client, clientVersion, api, apiKey: e.apiKey, version: e.apiVersion, request: `${client}/${id}.request.bin`, response: e.response ? `${client}/${id}.response.bin` : null });
    }
    console.error(`${client}: ${seen.size} API versions: ${[...seen].join(', ')}`);
  }
  manifest.sort((a, b) => a.client.localeCompare(b.client) || a.apiKey - b.apiKey || a.version - b.version);
  writeFileSync(new URL('manifest.json', out), JSON.stringify(manifest, null, 1) + '\n');
} finally {
  await recorder.close();
  await broker.close();
  await cleanup();
}
