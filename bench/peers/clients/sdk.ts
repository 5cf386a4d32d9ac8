// Eddy through its EventBus SDK (the package, dist/) over the `eddy://` transport (the broker's HTTP API).
// The payload travels as the event's data { b: <payload in base64> } (SDK events are JSON
// CloudEvents, so binary payloads need an encoding), validated by a zod schema on both sides; the
// handler hands the decoded bytes to onEvent. One event definition per stream (type = topic =
// stream), no key (keyless events are spread over partitions and handled in parallel).
// - create: the topic with 4 partitions through the HTTP API (the SDK creates topics with the
//   broker's default partition count), after deleting the topic and the groups' subscriptions
//   (`<group>.<topic>`, what subscribe() opens) left from an earlier run.
// - publish: publishMany of up to 1,000 events (fewer for large payloads: the broker stores one
//   request as one record batch per partition, capped at max.message.bytes, 1 MiB), window / chunk
//   calls in flight.
// - send: bus.publish per event, except that sends issued in the same turn of the event loop go
//   out together in one publishMany (one HTTP request): at 5,000 single publishes/s the HTTP client
//   alone saturates a core and the backlog passes 10,000 within seconds.
// - consume: bus.subscribe with `group` (a broker subscription `<group>.<stream>`, from the first
//   event), concurrency 64; resolves when the subscription is ready.

import { createRequire } from 'node:module';
import { z } from 'zod';
import type { EventBus, SubscriptionHandle } from '../../../src/client/index.ts';
import type { Connect, PeerClient } from '../types.ts';
import { publishInChunks, sendsPerTurn } from './batching.ts';

// The package itself (`eddy`, i.e. dist/, built by `npm run build` like the broker the harness
// starts), as a user's service imports it.
const { createEventBus, defineEvent, item } = (await import('eddy' as string)) as typeof import('../../../src/client/index.ts');
const { version } = createRequire(import.meta.url)('eddy/package.json') as { version: string };
const partitions = 4;
const chunkMax = 1000;
/** Stored bytes per publishMany kept under max.message.bytes (1 MiB): envelope headers ~400 bytes per event. */
const bytesPerRequest = 768 * 1024;
const envelopeBytes = 400;
const concurrency = 64;

const schema = z.object({ b: z.string() });
type BenchEvent = ReturnType<typeof eventOf>;
const eventOf = (stream: string) => defineEvent(stream, { version: 1, schema, topic: stream });

export const connect: Connect = async (connection) => {
  const http = String(connection.http).replace(/\/+$/, '');
  const bus: EventBus = await createEventBus({ source: 'peers-bench', transport: http.replace(/^http:\/\//, 'eddy://') as `eddy://${string}` });
  const events = new Map<string, BenchEvent>();
  const eventFor = (stream: string) => {
    let e = events.get(stream);
    if (!e) events.set(stream, (e = eventOf(stream)));
    return e;
  };
  const handles = new Set<SubscriptionHandle>();
  const send = sendsPerTurn<string>((stream, bs) => {
    const def = eventFor(stream);
    return bs.length === 1 ? bus.publish(def, { b: bs[0]! }) : bus.publishMany(bs.map((b) => item(def, { b })));
  });

  const del = async (path: string) => {
    const res = await fetch(http + path, { method: 'DELETE' });
    await res.arrayBuffer();
    if (!res.ok && res.status !== 404) throw new Error(`DELETE ${path}: HTTP ${res.status}`);
  };

  const client: PeerClient = {
    library: `eddy SDK ${version} (eddy:// transport)`,
    async create(stream, groups) {
      for (const g of groups) await del(`/v1/subscriptions/${encodeURIComponent(`${g}.${stream}`)}`);
      await del(`/v1/topics/${encodeURIComponent(stream)}`);
      const res = await fetch(`${http}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: stream, partitions }) });
      if (res.status !== 201) throw new Error(`POST /v1/topics: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    },
    async publish(stream, payload, count, window) {
      const def = eventFor(stream);
      const b = Buffer.from(payload).toString('base64');
      const size = Math.max(1, Math.min(chunkMax, window, Math.floor(bytesPerRequest / (b.length + envelopeBytes))));
      await publishInChunks(count, size, window, async (n) => {
        await bus.publishMany(Array.from({ length: n }, () => item(def, { b })));
      });
    },
    send(stream, payload) {
      return send(stream, Buffer.from(payload).toString('base64'));
    },
    async consume(stream, group, onEvent) {
      const h = bus.subscribe(eventFor(stream), (d) => void onEvent(Buffer.from(d.b, 'base64')), { group, concurrency });
      handles.add(h);
      await h.ready;
      return {
        async close() {
          handles.delete(h);
          await h.close();
        },
      };
    },
    async close() {
      for (const h of handles) await h.close().catch(() => {});
      handles.clear();
      await bus.close();
    },
  };
  return client;
};
