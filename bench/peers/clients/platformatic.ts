// Eddy through @platformatic/kafka (Eddy's Kafka listener): topics of 4 partitions created with its
// Admin; producer.send of 1,000 messages to one partition at a time (partitions in turn), acks -1,
// not idempotent, window / 1,000 sends in flight (maxInflights 64 per connection, Eddy's own bound,
// instead of the client's default 5: with 5, single-message sends top out near 2,000/s here and the
// latency workload's 5,000/s backs up by seconds); a consumer group per consume() with the stream
// API (mode committed, fallback earliest: a new group starts at the first event), autocommit after
// each fetch, minBytes 1, maxWaitTime 100 ms, 8 MiB per fetch.

import { readFileSync } from 'node:fs';
import { Admin, Consumer, Producer, ProduceAcks, type MessagesStream } from '@platformatic/kafka';
import type { Connect, PeerClient } from '../types.ts';
import { publishInChunks } from './batching.ts';

// The package exports no ./package.json: read it next to the resolved entry (dist/index.js).
const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@platformatic/kafka')), 'utf8')) as { version: string }).version;
const partitions = 4;
const chunk = 1000;

export const connect: Connect = async (connection) => {
  const bootstrapBrokers = [String(connection.kafka)];
  const admin = new Admin({ clientId: 'peers-bench-admin', bootstrapBrokers, retries: 2 });
  const producer = new Producer({ clientId: 'peers-bench', bootstrapBrokers, acks: ProduceAcks.ALL, idempotent: false, retries: 2, maxInflights: 64 });
  const open: { consumer: Consumer; stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> }[] = [];
  let rr = 0;

  const client: PeerClient = {
    library: `@platformatic/kafka ${version}`,
    async create(stream) {
      if ((await admin.listTopics()).includes(stream)) await admin.deleteTopics({ topics: [stream] });
      await admin.createTopics({ topics: [stream], partitions, replicas: 1 });
    },
    async publish(stream, payload, count, window) {
      const value = Buffer.from(payload);
      await publishInChunks(count, chunk, window, async (n, i) => {
        const partition = i % partitions;
        const messages = Array.from({ length: n }, () => ({ topic: stream, partition, value }));
        await producer.send({ messages, acks: ProduceAcks.ALL });
      });
    },
    async send(stream, payload) {
      await producer.send({ messages: [{ topic: stream, partition: rr++ % partitions, value: Buffer.from(payload) }], acks: ProduceAcks.ALL });
    },
    async consume(stream, group, onEvent) {
      const consumer = new Consumer({
        clientId: `peers-bench-${group}`,
        groupId: group,
        bootstrapBrokers,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        rebalanceTimeout: 10_000,
        minBytes: 1,
        maxBytes: 8 * 1024 * 1024,
        maxWaitTime: 100,
        retries: 2,
      });
      // Resolves once the group is joined and the stream created.
      const messages = await consumer.consume({ topics: [stream], mode: 'committed', fallbackMode: 'earliest', autocommit: 1000 });
      messages.on('data', (m) => onEvent(m.value ?? new Uint8Array(0)));
      const entry = { consumer, stream: messages };
      open.push(entry);
      return {
        async close() {
          const i = open.indexOf(entry);
          if (i < 0) return;
          open.splice(i, 1);
          await messages.close();
          await consumer.close();
        },
      };
    },
    async close() {
      for (const { consumer, stream } of open.splice(0)) {
        await stream.close().catch(() => {});
        await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
      }
      await producer.close();
      await admin.close();
    },
  };
  return client;
};
