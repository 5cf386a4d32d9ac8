// Preload for a broker under a bench: samples process.memoryUsage() and the V8 heap spaces every
// 250 ms and writes the timeline (MB) as JSON to MEMORY_SAMPLER_LOG (default
// /tmp/memory-<pid>.json) when the process exits or gets SIGTERM. With the peers bench:
//   EDDY_BROKER_NODE_ARGS="--import $PWD/bench/memory-sampler.mjs" node --import tsx bench/peers/run.ts --only=eddy-always:sdk --runs=1
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const out = process.env.MEMORY_SAMPLER_LOG ?? `/tmp/memory-${process.pid}.json`;
const mb = (n) => Math.round(n / 2 ** 20);
const t0 = Date.now();
const rows = [];
setInterval(() => {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), mb(s.space_used_size)]));
  rows.push({ t: Date.now() - t0, rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), ...spaces });
}, 250).unref();
let written = false;
const write = () => {
  if (written) return;
  written = true;
  writeFileSync(out, JSON.stringify(rows));
};
process.on('exit', write);
process.prependListener('SIGTERM', write);
