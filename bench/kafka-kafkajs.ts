// Kafka protocol throughput with kafkajs 2.2.4 as the client: the broker binary (fsync=always) in a
// child process; producer.sendBatch of `batch` messages to one partition at a time (partitions in
// turn), acks -1, `inFlight` sends outstanding; then a consumer group (eachBatch) reading everything
// from the beginning, timed from the group join to the last message. Besides the broker's CPU (from
// /proc) it reports this process's CPU (process.cpuUsage): near 100% means kafkajs, not the broker,
// is the bottleneck (kafkajs encodes and decodes every record in JavaScript on one thread).
// One JSON line per run.
// Usage: node --import tsx bench/kafka-kafkajs.ts [messageBytes=100] [messages=1000000] [batch=1000] [inFlight=8] [partitions=4]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { startChildBroker } from '../test/support/child-broker.ts';
import { createTopic, deadline, mb, phase, phaseFigures, round, watchdog } from './kafka-support.ts';

const messageBytes = Number(process.argv[2] ?? 100);
const batch = Number(process.argv[4] ?? 1000);
const batches = Math.max(1, Math.round(Number(process.argv[3] ?? 1_000_000) / batch));
const messages = batches * batch;
const inFlight = Number(process.argv[5] ?? 8);
const partitions = Number(process.argv[6] ?? 4);
/** Every phase must finish at 5,000 msg/s or better (plus 30 s), else the run fails. */
const phaseTimeoutMs = 30_000 + messages / 5;
const topic = 'bench-kafkajs';

const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
const broker = await startChildBroker(dir);
watchdog(broker, 60_000 + 2 * (30_000 + messages / 5));
let producer: Producer | null = null;
let consumer: Consumer | null = null;
try {
  const pid = broker.child.pid!;
  await createTopic(broker.url, topic, partitions);
  const kafka = new Kafka({ clientId: 'eddy-bench', brokers: [broker.kafkaBootstrap()!], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(messageBytes);
  for (let i = 0; i < messageBytes; i++) value[i] = 97 + (i % 26);
  const perPartition = Array.from({ length: partitions }, (_, p) => Array.from({ length: batch }, () => ({ partition: p, value })));
  const send = (p: number) => producer!.sendBatch({ acks: -1, topicMessages: [{ topic, messages: perPartition[p]! }] });

  // Warm-up: one batch per partition (metadata, segments, JIT), not counted.
  for (let p = 0; p < partitions; p++) await send(p);

  let issued = 0;
  const prodPhase = phase(pid);
  await deadline(
    'produce',
    phaseTimeoutMs,
    Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (issued < batches) await send(issued++ % partitions);
      }),
    ),
  );
  const prod = prodPhase.stop();
  await producer.disconnect();
  producer = null;

  const total = messages + partitions * batch;
  consumer = kafka.consumer({
    groupId: 'bench',
    maxBytes: 8 * 1024 * 1024,
    maxBytesPerPartition: 2 * 1024 * 1024,
    minBytes: 1,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 1000,
    retry: { retries: 2 },
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // The consume phase starts when the group is joined (JoinGroup + SyncGroup are not fetching).
  let consPhase: ReturnType<typeof phase> | null = null;
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (consPhase) return;
    joinedAt = performance.now();
    consPhase = phase(pid);
  });
  let consumed = 0;
  let consumedBytes = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const runAt = performance.now();
  await consumer.run({
    eachBatch: async ({ batch: b }) => {
      consumed += b.messages.length;
      for (const m of b.messages) consumedBytes += m.value?.length ?? 0;
      if (consumed >= total) resolveDone();
    },
  });
  await deadline('consume', phaseTimeoutMs, done);
  if (!consPhase) throw new Error('consumed everything without a GROUP_JOIN event');
  const cons = (consPhase as ReturnType<typeof phase>).stop();
  const consumeMs = cons.wallMs;
  await deadline('consumer disconnect', 30_000, consumer.disconnect());
  consumer = null;

  console.log(
    JSON.stringify({
      bench: 'kafka-kafkajs',
      messageBytes,
      messages,
      batch,
      inFlight,
      partitions,
      ...phaseFigures('produce', prod, messages, messages * messageBytes),
      ...phaseFigures('consume', cons, consumed, consumedBytes),
      // The consume rate is timed from the group join to the last message, not over the whole phase.
      consumeMsgPerSec: Math.round(consumed / (consumeMs / 1000)),
      consumeMBPerSec: mb(consumedBytes / (consumeMs / 1000)),
      consumeJoinMs: Math.round(joinedAt - runAt),
      brokerMaxRssMB: round(Math.max(prod.maxRssBytes, cons.maxRssBytes) / 2 ** 20),
      brokerPeakRssMB: round(cons.hwmBytes / 2 ** 20),
    }),
  );
} finally {
  // Clients first (else kafkajs keeps retrying against a stopped broker), each bounded in time.
  await deadline('producer disconnect', 10_000, producer?.disconnect() ?? Promise.resolve()).catch(() => {});
  await deadline('consumer disconnect', 10_000, consumer?.disconnect() ?? Promise.resolve()).catch(() => {});
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
