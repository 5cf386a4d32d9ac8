// Eddy through kafkajs 2.2.4: topics of 4 partitions; sendBatch of 1,000 messages to one partition
// at a time (partitions in turn), acks -1, window / 1,000 batches in flight; consumer groups with
// eachBatch from the beginning.

import { createRequire } from 'node:module';
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import type { Connect, PeerClient } from '../types.ts';
import { publishInChunks } from './batching.ts';

const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
const partitions = 4;
const chunk = 1000;

export const connect: Connect = async (connection) => {
  const kafka = new Kafka({ clientId: 'peers-bench', brokers: [String(connection.kafka)], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const consumers: Consumer[] = [];
  let rr = 0;

  const client: PeerClient = {
    library: `kafkajs ${version}`,
    async create(stream) {
      const existing = await admin.listTopics();
      if (existing.includes(stream)) await admin.deleteTopics({ topics: [stream] });
      await admin.createTopics({ topics: [{ topic: stream, numPartitions: partitions }], waitForLeaders: true });
    },
    async publish(stream, payload, count, window) {
      const value = Buffer.from(payload);
      await publishInChunks(count, chunk, window, async (n, i) => {
        const partition = i % partitions;
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic: stream, messages: Array.from({ length: n }, () => ({ partition, value })) }] });
      });
    },
    async send(stream, payload) {
      await producer.send({ acks: -1, topic: stream, messages: [{ partition: rr++ % partitions, value: Buffer.from(payload) }] });
    },
    async consume(stream, group, onEvent) {
      const consumer = kafka.consumer({
        groupId: group,
        maxBytes: 8 * 1024 * 1024,
        maxBytesPerPartition: 2 * 1024 * 1024,
        minBytes: 1,
        maxWaitTimeInMs: 100,
        retry: { retries: 2 },
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic: stream, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) onEvent(m.value ?? new Uint8Array(0));
        },
      });
      return { close: () => consumer.disconnect() };
    },
    async close() {
      for (const c of consumers) await c.disconnect().catch(() => {});
      await producer.disconnect();
      await admin.disconnect();
    },
  };
  return client;
};
