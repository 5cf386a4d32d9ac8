// SDK throughput on one hot key (issue #4: "strictly ordered within a key"): `events` events that
// all share one key, published first, then handled by one subscriber bus (`concurrency` slots, but
// the key lets one event run at a time: each waits for the previous one's ack to reach the broker
// and for its own delivery). Measures the per-key round trip — ack, release of the key's next event,
// delivery — not the parallel path (bench/sdk.ts). Broker binary (fsync=always) in a child process,
// the SDK from dist/ (bench/sdk-import.ts). One JSON line: events handled per second.
// Usage: node --import tsx bench/sdk-hotkey.ts [events=2000] [concurrency=16]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startChildBroker } from '../test/support/child-broker.ts';
import { sdk, sdkSource } from './sdk-import.ts';

const { createEventBus, defineEvent, item } = sdk;
const events = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 16);
const Hot = defineEvent('HotKeyEvent', { version: 1, schema: z.object({ n: z.number() }), key: () => 'the-one-key' });

const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-hotkey-'));
const broker = await startChildBroker(join(dir, 'data'));
try {
  const transport = broker.url.replace(/^http/, 'eddy') as `eddy://${string}`;
  const pub = await createEventBus({ source: 'bench-hotkey-pub', transport });
  for (let n = 0; n < events; n += 1000) await pub.publishMany(Array.from({ length: Math.min(1000, events - n) }, (_, i) => item(Hot, { n: n + i })));
  await pub.close();
  const sub = await createEventBus({ source: 'bench-hotkey-sub', transport });
  let handled = 0;
  let inOrder = true;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const t0 = performance.now();
  const h = sub.subscribe(
    Hot,
    (d) => {
      if (d.n !== handled) inOrder = false;
      if (++handled === events) done();
    },
    { group: 'bench-hotkey', concurrency },
  );
  const timeout = setTimeout(() => done(), 120_000); // bounded: reports what it handled
  await all;
  clearTimeout(timeout);
  const seconds = (performance.now() - t0) / 1000;
  await h.close();
  await sub.close();
  console.log(JSON.stringify({ bench: 'sdk-hotkey', sdk: sdkSource, events, concurrency, handled, inOrder, seconds: Math.round(seconds * 100) / 100, eventsPerSec: Math.round(handled / seconds) }));
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
