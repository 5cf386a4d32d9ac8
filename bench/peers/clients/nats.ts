// NATS JetStream through nats.js: a stream per benchmark stream (one subject, file storage, limits
// retention), js.publish() with at most `window` PubAcks outstanding, and durable pull consumers
// read with consumer.consume() (pulls of 1,000 messages, refilled at 75%).
//
// Ack policy: AckAll, acknowledging the last message of each delivered batch (every 500 messages
// or when the socket read that delivered them is done, whichever comes first). AckExplicit with one
// ack per message is nats.js's default; AckAll per batch is what a user reading a stream in order
// at full speed picks, and matches the Redis client's XACK per batch. AckNone would skip acks
// altogether but leaves a durable consumer without a stored position.

import { createRequire } from 'node:module';
import { AckPolicy, connect as natsConnect, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JsMsg } from 'nats';
import type { Connect, OnEvent, PeerClient } from '../types.ts';

const natsVersion = (createRequire(import.meta.url)('nats/package.json') as { version: string }).version;
const pullBatch = 1000;
const ackEvery = 500;

export const connect: Connect = async (connection) => {
  // noAsyncTraces: nats.js otherwise captures two stack traces per request (each js.publish is one)
  // to annotate timeouts; its documentation recommends turning this off for JetStream publishers.
  const nc = await natsConnect({ servers: `127.0.0.1:${Number(connection.port)}`, name: 'bench-peers', noAsyncTraces: true });
  // PubAck timeout raised from the default 5 s: 10,000 outstanding on a busy 2-core machine.
  const js = nc.jetstream({ timeout: 30_000 });
  const jsm = await nc.jetstreamManager({ timeout: 30_000 });

  const client: PeerClient = {
    library: `nats.js ${natsVersion}`,
    async create(stream) {
      // Groups are durable consumers, created by consume(); deleting the stream deletes them.
      await jsm.streams.delete(stream).catch((err: Error) => {
        if (!/stream not found/i.test(err.message)) throw err;
      });
      await jsm.streams.add({
        name: stream,
        subjects: [stream],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        num_replicas: 1,
        max_msgs: -1,
        max_bytes: -1,
        max_age: 0,
        max_msg_size: -1,
      });
    },
    async publish(stream, payload, count, window) {
      let failure: unknown = null;
      let outstanding = 0;
      let wake: (() => void) | null = null;
      const settled = () => {
        outstanding--;
        const w = wake;
        wake = null;
        w?.();
      };
      const failed = (err: unknown) => {
        failure ??= err;
        settled();
      };
      const waitAck = () => new Promise<void>((resolve) => (wake = resolve));
      for (let i = 0; i < count; i++) {
        while (outstanding >= window && failure === null) await waitAck();
        if (failure !== null) break;
        outstanding++;
        js.publish(stream, payload).then(settled, failed);
      }
      while (outstanding > 0) await waitAck();
      if (failure !== null) throw failure;
    },
    async send(stream, payload) {
      await js.publish(stream, payload);
    },
    async consume(stream, group, onEvent: OnEvent) {
      await jsm.consumers.add(stream, {
        durable_name: group,
        deliver_policy: DeliverPolicy.All,
        ack_policy: AckPolicy.All,
        // Above a pull batch plus the unacknowledged tail (the 2.9 default is 1,000).
        max_ack_pending: 20_000,
      });
      const consumer = await js.consumers.get(stream, group);
      let last: JsMsg | null = null;
      let unacked = 0;
      let scheduled = false;
      const ack = () => {
        scheduled = false;
        if (last) last.ack();
        last = null;
        unacked = 0;
      };
      const messages = await consumer.consume({
        max_messages: pullBatch,
        callback: (m) => {
          onEvent(m.data);
          last = m;
          if (++unacked >= ackEvery) ack();
          else if (!scheduled) {
            scheduled = true;
            setImmediate(ack);
          }
        },
      });
      return {
        async close() {
          ack();
          await messages.close();
        },
      };
    },
    async close() {
      await nc.drain();
    },
  };
  return client;
};
