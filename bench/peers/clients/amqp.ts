// RabbitMQ through amqplib (AMQP 0-9-1), in two queue types (clients/amqp-quorum.ts and
// clients/amqp-stream.ts share this file):
//
// quorum — a fanout exchange named after the stream with one durable quorum queue per group
//   (`<stream>.<group>`), so every group gets every event (queues are consumed destructively).
//   Durability of the confirm: a quorum queue (Ra, Raft) confirms a publish once the entry is
//   committed, i.e. written *and fsynced* (fdatasync of Ra's write-ahead log, batched across
//   writers) on a majority of replicas — here the single node. RabbitMQ's stream docs put it as
//   "no publisher confirms are issued until at least a quorum of nodes have both written and
//   flushed the data to disk". A fan-out to 5 queues is 5 Raft appends (5 copies) per event.
//
// stream — one durable stream queue (`x-queue-type: stream`) named after the stream, published to
//   through the default exchange; each group is an independent consumer from offset `first`
//   (streams are non-destructive, so every group sees every event). Durability of the confirm:
//   streams confirm once the chunk is written to the log file on a quorum of replicas, but they do
//   not fsync: "they do not explicitly flush (fsync) the data from the operating system page cache
//   ... instead they rely on the operating system" (RabbitMQ docs, Streams, Data Safety). A
//   single node's confirmed events can be lost on power failure / kernel crash (not on a broker
//   crash: the data is in the page cache).
//
// Both: a confirm channel, persistent messages (delivery mode 2), at most `window` unconfirmed
// (one callback per message, amqplib matches multiple-acks to them; the channel's write buffer is
// respected through `drain`). Consumers use basic.consume with a per-consumer prefetch of 1,000
// and manual acks with `multiple`, one per batch of deliveries (at most 250 deliveries apart) —
// for a stream the acks are only credit, which streams over AMQP require.

import { createRequire } from 'node:module';
import amqp, { type Channel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Connect, OnEvent, PeerClient, Subscription } from '../types.ts';

const amqplibVersion = (createRequire(import.meta.url)('amqplib/package.json') as { version: string }).version;
const prefetch = 1000;
/** Acks (multiple) at least every this many deliveries, and at the end of each batch read. */
const ackEvery = 250;

export function amqpConnect(kind: 'quorum' | 'stream'): Connect {
  return async (connection) => {
    const conn = await amqp.connect({ protocol: 'amqp', hostname: '127.0.0.1', port: Number(connection.port), username: 'guest', password: 'guest' });
    let failure: Error | null = null;
    conn.on('error', (err: Error) => (failure ??= err));
    const pub: ConfirmChannel = await conn.createConfirmChannel();
    pub.on('error', (err: Error) => (failure ??= err));
    const consumers = new Set<Channel>();
    const persistent = { persistent: true } as const;
    // quorum: publish to the fanout exchange `stream`; stream: default exchange, routing key `stream`.
    const target = (stream: string): [string, string] => (kind === 'quorum' ? [stream, ''] : ['', stream]);
    const queueOf = (stream: string, group: string) => (kind === 'quorum' ? `${stream}.${group}` : stream);

    const client: PeerClient = {
      library: `amqplib ${amqplibVersion}`,
      async create(stream, groups) {
        // A channel of its own: a declaration error closes the channel it happens on.
        const ch = await conn.createChannel();
        try {
          if (kind === 'quorum') {
            for (const g of groups) await ch.deleteQueue(queueOf(stream, g));
            await ch.deleteExchange(stream);
            await ch.assertExchange(stream, 'fanout', { durable: true });
            for (const g of groups) {
              await ch.assertQueue(queueOf(stream, g), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
              await ch.bindQueue(queueOf(stream, g), stream, '');
            }
          } else {
            await ch.deleteQueue(stream);
            await ch.assertQueue(stream, { durable: true, arguments: { 'x-queue-type': 'stream' } });
          }
        } finally {
          await ch.close();
        }
      },
      async publish(stream, payload, count, window) {
        const [exchange, key] = target(stream);
        const content = Buffer.from(payload);
        let sent = 0;
        let confirmed = 0;
        let nacked: Error | null = null;
        let wake: (() => void) | null = null;
        const onConfirm = (err: unknown) => {
          if (err) nacked ??= err instanceof Error ? err : new Error(`publish not confirmed: ${String(err)}`);
          confirmed++;
          if (wake) {
            const w = wake;
            wake = null;
            w();
          }
        };
        while (confirmed < count) {
          if (nacked) throw nacked;
          if (failure) throw failure;
          let writable = true;
          while (writable && sent < count && sent - confirmed < window) {
            writable = pub.publish(exchange, key, content, persistent, onConfirm);
            sent++;
          }
          if (confirmed >= count) break;
          // Wait for a confirm (window room) or, if the channel's buffer is full, for it to drain.
          await new Promise<void>((resolve) => {
            const done = () => {
              pub.off('drain', done);
              pub.off('close', done);
              wake = null;
              resolve();
            };
            wake = done;
            if (!writable) pub.once('drain', done);
            pub.once('close', done);
          });
          if (failure) throw failure;
        }
        if (nacked) throw nacked;
      },
      send(stream, payload) {
        const [exchange, key] = target(stream);
        return new Promise<void>((resolve, reject) => {
          pub.publish(exchange, key, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), persistent, (err: unknown) =>
            err ? reject(err instanceof Error ? err : new Error(`publish not confirmed: ${String(err)}`)) : resolve(),
          );
        });
      },
      async consume(stream, group, onEvent: OnEvent): Promise<Subscription> {
        const ch = await conn.createChannel();
        ch.on('error', (err: Error) => (failure ??= err));
        consumers.add(ch);
        await ch.prefetch(prefetch); // per consumer (not global): required for streams
        let last: ConsumeMessage | null = null;
        let pending = 0;
        let scheduled = false;
        const flush = () => {
          scheduled = false;
          if (last && pending > 0) {
            ch.ack(last, true);
            pending = 0;
          }
        };
        const args = kind === 'stream' ? { 'x-stream-offset': 'first' } : {};
        const { consumerTag } = await ch.consume(
          queueOf(stream, group),
          (msg) => {
            if (!msg) return; // cancelled by the server
            onEvent(msg.content);
            last = msg;
            if (++pending >= ackEvery) flush();
            else if (!scheduled) {
              scheduled = true;
              setImmediate(flush);
            }
          },
          { noAck: false, arguments: args },
        );
        return {
          async close() {
            flush();
            consumers.delete(ch);
            await ch.cancel(consumerTag);
            await ch.close();
          },
        };
      },
      async close() {
        for (const ch of consumers) await ch.close().catch(() => {});
        await pub.close().catch(() => {});
        await conn.close();
      },
    };
    return client;
  };
}
