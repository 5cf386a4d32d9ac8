// Broker memory while the SDK publishes (issue #5, "RSS under 256 MB"): a fresh broker binary
// (fsync=always) in a child process, this process publishing `events` events of `bytes` bytes
// through the `eddy` transport in publishMany chunks of `chunk`, 4 in flight, while `/metrics` is
// sampled every 100 ms. Prints the events/s and the peak of each memory figure (MB): RSS, V8 heap
// used and total, old and large-object spaces, external memory (Buffers, typed arrays). One JSON line.
// Usage: node --import tsx bench/sdk-memory.ts [events=1000000] [chunk=1000] [bytes=100]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startChildBroker } from '../test/support/child-broker.ts';
import { sdk } from './sdk-import.ts';

const { createEventBus, defineEvent, item } = sdk;

const total = Number(process.argv[2] ?? 1_000_000);
const chunk = Number(process.argv[3] ?? 1000);
const pad = 'x'.repeat(Math.max(0, Number(process.argv[4] ?? 100) - 40)); // ~40 bytes of JSON around it
const MemEvent = defineEvent('MemEvent', { version: 1, schema: z.object({ n: z.number(), p: z.string() }), key: (e) => String(e.n % 64) });
const metrics = {
  rss: 'eddy_process_process_resident_memory_bytes',
  heapUsed: 'eddy_process_nodejs_heap_size_used_bytes',
  heapTotal: 'eddy_process_nodejs_heap_size_total_bytes',
  oldSpace: 'eddy_process_nodejs_heap_space_size_used_bytes{space="old"}',
  largeObjectSpace: 'eddy_process_nodejs_heap_space_size_used_bytes{space="large_object"}',
  external: 'eddy_process_nodejs_external_memory_bytes',
};

const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-mem-'));
const broker = await startChildBroker(dir);
try {
  const peakMB: Record<string, number> = {};
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const text = await (await fetch(`${broker.url}/metrics`)).text();
      for (const [name, metric] of Object.entries(metrics)) {
        const at = text.indexOf(`\n${metric} `);
        if (at < 0) continue;
        const mb = Number(text.slice(at + metric.length + 2, text.indexOf('\n', at + 1))) / 1e6;
        peakMB[name] = Math.max(peakMB[name] ?? 0, Math.round(mb));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const bus = await createEventBus({ source: 'bench-mem', transport: broker.url.replace(/^http/, 'eddy') as `eddy://${string}` });
  const inflight = new Set<Promise<unknown>>();
  const t0 = performance.now();
  for (let i = 0; i < total; i += chunk) {
    const n = Math.min(chunk, total - i);
    const p = bus.publishMany(Array.from({ length: n }, (_, k) => item(MemEvent, { n: i + k, p: pad })));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 4) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  await bus.close();
  const peaks = Object.fromEntries(Object.entries(peakMB).map(([name, mb]) => [`peak${name[0]!.toUpperCase()}${name.slice(1)}MB`, mb]));
  console.log(JSON.stringify({ bench: 'sdk-memory', events: total, chunk, eventsPerSec: Math.round(total / seconds), ...peaks }));
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
