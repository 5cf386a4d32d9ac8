// Memory and speed of the duplicate window (src/broker/dedupe-window.ts): remembers `ids` random
// UUIDs (as the SDK's ids are) on one window, then reports the typed arrays it holds (bytes per id,
// from process.memoryUsage().arrayBuffers after two full collections) and the time per remember.
// Usage: node --expose-gc --import tsx bench/dedupe-window.ts [ids=1000000]

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DedupeWindow } from '../src/broker/dedupe-window.ts';

const ids = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const collect = async () => {
  for (let i = 0; i < 2; i++) {
    gc();
    await sleep(100); // array buffers are freed by a sweeper task after the collection
  }
};
const pool = Array.from({ length: ids }, () => randomUUID()); // made before the baseline
await collect();
const before = process.memoryUsage().arrayBuffers;
const w = new DedupeWindow(120_000);
const t0 = performance.now();
for (let i = 0; i < ids; i++) w.remember(pool[i]!, { partition: i & 3, offset: i }, 1_000 + i / 100);
const ms = performance.now() - t0;
await collect();
const bytes = process.memoryUsage().arrayBuffers - before;
console.log(JSON.stringify({ bench: 'dedupe-window', ids: w.size, mb: Math.round(bytes / 1e5) / 10, bytesPerId: Math.round((bytes / ids) * 10) / 10, nsPerRemember: Math.round((ms * 1e6) / ids) }));
