// The SDK consumer runs at most `concurrency` handlers at once, even with deliveries leased ahead,
// and keeps each key's events in order.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { createEventBus, defineEvent } from '../src/client/index.ts';

test('at most `concurrency` handlers run at once; per-key order holds', async () => {
  const Job = defineEvent('Job', { version: 1, schema: z.object({ n: z.number(), k: z.string() }), key: (e) => e.k });
  const bus = await createEventBus({ source: 'test', transport: 'memory' });
  let running = 0;
  let maxRunning = 0;
  const seen = new Map<string, number[]>();
  const gates: (() => void)[] = [];
  let handled = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  bus.subscribe(
    Job,
    async (job) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      seen.set(job.k, [...(seen.get(job.k) ?? []), job.n]);
      if (++handled === 40) allDone();
    },
    { group: 'workers', concurrency: 3 },
  );
  for (let i = 0; i < 40; i++) await bus.publish(Job, { n: i, k: `key-${i % 8}` });
  // Release handlers one at a time as they start: never more than 3 are waiting at a gate.
  while (handled < 40) {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    assert.ok(gates.length <= 3, `${gates.length} handlers running at once`);
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  await done;
  assert.ok(maxRunning <= 3, `max running ${maxRunning}`);
  assert.ok(maxRunning >= 2, 'handlers do run in parallel');
  for (const [k, ns] of seen) assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `order kept for ${k}`);
  await bus.close();
});
