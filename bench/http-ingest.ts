// HTTP ingest: the broker binary (fsync=always) in a child process, this process as the load
// generator: 1 KiB JSON events in batches of 500, several requests in flight. One JSON line per run.
// Usage: node --import tsx bench/http-ingest.ts [events=200000] [concurrency=4]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildBroker } from '../test/support/child-broker.ts';

const total = Number(process.argv[2] ?? 200_000);
const concurrency = Number(process.argv[3] ?? 4);
const perRequest = 500;
const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
const broker = await startChildBroker(dir);
try {
  const payload = 'x'.repeat(1024 - 40);
  const body = JSON.stringify({ events: Array.from({ length: perRequest }, (_, i) => ({ key: `k${i}`, value: { i, payload } })) });
  await fetch(`${broker.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ingest', partitions: 4 }) });
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent += perRequest;
        const res = await fetch(`${broker.url}/v1/topics/ingest/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ bench: 'http-ingest', events: sent, concurrency, eventsPerSec: Math.round(sent / secs), MBPerSec: Math.round(((sent * 1024) / 1e6 / secs) * 10) / 10 }));
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
