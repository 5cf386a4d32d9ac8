// Redis Streams through ioredis: XADD pipelined (each pipeline of up to 1,000 commands is one
// write; pipelines are issued while fewer than `window` events are unacknowledged), consumer groups
// with XREADGROUP (1,000 per call, blocking) and XACK per batch.

import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { Connect, OnEvent, PeerClient } from '../types.ts';
import { publishInChunks } from './batching.ts';

const ioredisVersion = (createRequire(import.meta.url)('ioredis/package.json') as { version: string }).version;
const chunk = 1000;

export const connect: Connect = async (connection) => {
  const port = Number(connection.port);
  const open = async () => {
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    await r.connect();
    return r;
  };
  const main = await open();
  const readers: Redis[] = [];

  const client: PeerClient = {
    library: `ioredis ${ioredisVersion}`,
    async create(stream, groups) {
      await main.del(stream);
      for (const g of groups) await main.xgroup('CREATE', stream, g, '0', 'MKSTREAM');
      if (groups.length === 0) await main.xgroup('CREATE', stream, 'bench-init', '0', 'MKSTREAM');
    },
    async publish(stream, payload, count, window) {
      const value = Buffer.from(payload);
      await publishInChunks(count, chunk, window, async (n) => {
        const p = main.pipeline();
        for (let i = 0; i < n; i++) p.xadd(stream, '*', 'd', value);
        const results = await p.exec();
        for (const [err] of results ?? []) if (err) throw err;
      });
    },
    async send(stream, payload) {
      await main.xadd(stream, '*', 'd', Buffer.from(payload));
    },
    async consume(stream, group, onEvent: OnEvent) {
      // A blocking XREADGROUP holds its connection: each consumer gets its own.
      const reader = await open();
      readers.push(reader);
      await reader.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) throw err;
      });
      let open_ = true;
      const loop = (async () => {
        while (open_) {
          const res = (await reader.xreadgroupBuffer('GROUP', group, 'bench', 'COUNT', chunk, 'BLOCK', 100, 'STREAMS', stream, '>')) as [Buffer, [Buffer, Buffer[]][]][] | null;
          if (!res) continue;
          const entries = res[0]![1];
          const ids: Buffer[] = [];
          for (const [id, fields] of entries) {
            ids.push(id);
            onEvent(fields[1]!);
          }
          // Acknowledged per batch; the next XREADGROUP queues behind it on the same connection.
          if (ids.length > 0) void reader.xack(stream, group, ...ids);
        }
      })();
      return {
        async close() {
          open_ = false;
          await loop;
        },
      };
    },
    async close() {
      for (const r of readers) r.disconnect();
      main.disconnect();
    },
  };
  return client;
};
