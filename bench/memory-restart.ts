// Memory and restart: publish GB of 1 KiB events over HTTP to the broker binary (fsync=always),
// read them all back, sampling the broker's RSS from /proc; then SIGKILL it and time a restart until
// it serves a read again. Usage: node --import tsx bench/memory-restart.ts [gigabytes=1] [segmentMiB=256] [readLimit=1000]

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildBroker } from '../test/support/child-broker.ts';

const gigabytes = Number(process.argv[2] ?? 1);
const segmentMiB = Number(process.argv[3] ?? 256);
const perRequest = 500;
const readLimit = Number(process.argv[4] ?? 1000);
const total = Math.round((gigabytes * 1e9) / 1024 / perRequest) * perRequest;
const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
let broker = await startChildBroker(dir);
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
let maxRss = 0;
const sampler = setInterval(() => {
  try {
    maxRss = Math.max(maxRss, rssMb(broker.child.pid!));
  } catch {
    /* between processes */
  }
}, 200);
try {
  await fetch(`${broker.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'big', partitions: 4, config: { 'segment.bytes': String(segmentMiB * 1024 * 1024) } }) });
  const payload = 'x'.repeat(1024 - 40);
  const body = JSON.stringify({ events: Array.from({ length: perRequest }, (_, i) => ({ key: `k${i}`, value: { i, payload } })) });
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (sent < total) {
        sent += perRequest;
        const r = await fetch(`${broker.url}/v1/topics/big/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (r.status !== 200) throw new Error(`publish: HTTP ${r.status}`);
        await r.arrayBuffer();
      }
    }),
  );
  const writeSecs = (performance.now() - t0) / 1000;
  const writeRss = maxRss;
  let read = 0;
  const t1 = performance.now();
  for (let p = 0; p < 4; p++) {
    let offset = 0;
    for (;;) {
      const r = (await (await fetch(`${broker.url}/v1/topics/big/partitions/${p}/events?offset=${offset}&limit=${readLimit}`)).json()) as { events: unknown[]; nextOffset: number; highWatermark: number };
      read += r.events.length;
      offset = r.nextOffset;
      if (offset >= r.highWatermark) break;
    }
  }
  const readSecs = (performance.now() - t1) / 1000;
  await broker.stop('SIGKILL');
  const t2 = performance.now();
  broker = await startChildBroker(dir);
  const first = await fetch(`${broker.url}/v1/topics/big/partitions/0/events?offset=0&limit=1`);
  if (first.status !== 200) throw new Error('restarted broker did not serve');
  const restartMs = Math.round(performance.now() - t2);
  console.log(
    JSON.stringify({ bench: 'memory-restart', gigabytes, events: sent, read, writeMBPerSec: Math.round((sent * 1024) / 1e6 / writeSecs), readMBPerSec: Math.round((read * 1024) / 1e6 / readSecs), maxRssMbWrite: Math.round(writeRss), maxRssMb: Math.round(maxRss), restartAfterKillMs: restartMs }),
  );
} finally {
  clearInterval(sampler);
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
