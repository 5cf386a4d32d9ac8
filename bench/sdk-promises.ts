// Promises the SDK makes per delivery it handles (each pays node's promise hooks, on while the SDK's
// AsyncLocalStorage is in use): publishes 5,000 keyed events to a child broker, then counts PROMISE
// inits (async_hooks) while one subscriber (`concurrency: 64`, a synchronous handler) handles them.
// Run: node --import tsx bench/sdk-promises.ts

import { createHook } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startChildBroker } from '../test/support/child-broker.ts';
import { sdk } from './sdk-import.ts';

const { createEventBus, defineEvent, EddyHttpTransport, item } = sdk;

const Counted = defineEvent('PromiseCount', { version: 1, schema: z.object({ n: z.number(), key: z.string() }), key: (e) => e.key });
const total = 5_000;
const dir = await mkdtemp(join(tmpdir(), 'eddy-promises-'));
const broker = await startChildBroker(dir);
try {
  const pubTransport = new EddyHttpTransport({ url: broker.url });
  const pub = await createEventBus({ source: 'bench-pub', transport: pubTransport });
  for (let i = 0; i < total; i += 500) await pub.publishMany(Array.from({ length: 500 }, (_, j) => item(Counted, { n: i + j, key: `k${(i + j) % 256}` })));
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++;
    },
  });
  const subTransport = new EddyHttpTransport({ url: broker.url });
  const sub = await createEventBus({ source: 'bench-sub', transport: subTransport });
  let handled = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const h = sub.subscribe(Counted, () => {
    if (++handled === total) done();
  }, { group: 'g', concurrency: 64 });
  await h.ready;
  hook.enable();
  await finished;
  hook.disable();
  console.log(`promises per delivery handled: ${(promises / total).toFixed(1)}`);
  await sub.close();
  await pub.close();
  await subTransport.close();
  await pubTransport.close();
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
