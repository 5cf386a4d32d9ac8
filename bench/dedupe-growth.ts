// How long the event loop stops while a topic's duplicate window grows: remembers 1.1 M UUIDv4 ids
// (as many as the 1 M cap allows, then eviction) and prints every remember() that took over 2 ms,
// then the longest, the total time and the window's bytes. Each id is made just before its call and
// dropped after it (a publish's ids die young too), so this loop's own garbage stays in the young
// generation; a stall left is the window's own work or a collection of the heap.
// Run: node --import tsx bench/dedupe-growth.ts   (add --trace-gc to tell collections apart)

import { randomUUID } from 'node:crypto';
import { DedupeWindow } from '../src/broker/dedupe-window.ts';

const w = new DedupeWindow(120_000);
const n = 1_100_000;
let longest = 0;
let total = 0;
for (let i = 0; i < n; i++) {
  const id = randomUUID();
  const t = performance.now();
  w.remember(id, { partition: 0, offset: i }, 1_000 + Math.floor(i / 100)); // whole ms, as the broker's clock gives
  const ms = performance.now() - t;
  total += ms;
  longest = Math.max(longest, ms);
  if (ms > 2) console.log(`remember #${i} (${w.size} ids): ${ms.toFixed(1)} ms`);
}
console.log(`${w.size} ids, ${(w.bytes / 2 ** 20).toFixed(1)} MiB; longest remember ${longest.toFixed(1)} ms, all ${n} ${total.toFixed(0)} ms`);
