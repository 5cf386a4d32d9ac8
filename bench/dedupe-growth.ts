// How long the event loop stops while a topic's duplicate window grows: remembers 1.1 M UUIDv4 ids
// (as many as the 1 M cap allows, then eviction) and prints every remember() that took over 2 ms —
// the ring and hash-table rebuilds at each doubling, and garbage collections of this loop's own ids.
// Run: node --import tsx bench/dedupe-growth.ts

import { randomUUID } from 'node:crypto';
import { DedupeWindow } from '../src/broker/dedupe-window.ts';

const w = new DedupeWindow(120_000);
const ids = Array.from({ length: 1_100_000 }, () => randomUUID());
for (let i = 0; i < ids.length; i++) {
  const t = performance.now();
  w.remember(ids[i]!, { partition: 0, offset: i }, 1_000 + i / 100);
  const ms = performance.now() - t;
  if (ms > 2) console.log(`remember #${i} (${w.size} ids): ${ms.toFixed(1)} ms`);
}
console.log(`${w.size} ids, ${(w.bytes / 2 ** 20).toFixed(1)} MiB`);
