// End to end: HTTP publish -> SSE receive, 1 KiB events at a fixed rate (default 5,000/s for 10 s),
// broker binary (fsync=always) in a child process; publisher and SSE reader in this process (one
// clock via timeOrigin). Each publish request carries the events due since the last tick (every 1 ms). The first
// `latencyWarmupSeconds` (bench/warmup.ts) of sends are not recorded. Prints p50, p99, p99.9 and max of
// send -> receive latency. Usage: node --import tsx bench/latency.ts [rate] [seconds]

import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildBroker } from '../test/support/child-broker.ts';
import { latencyWarmupSeconds } from './warmup.ts';

const rate = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 10);
const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
const broker = await startChildBroker(dir);
try {
  await fetch(`${broker.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lat', partitions: 1 }) });
  const total = rate * seconds;
  const warmups = rate * latencyWarmupSeconds;
  const latencies: number[] = [];
  // The SSE reader runs in a worker thread (its own event loop, so parsing never delays publishing),
  // node:http on both sides (undici's fetch buffers streamed bodies). Times are absolute
  // (timeOrigin + now) so both threads share one clock.
  const reader = new Worker(
    `const http = require('node:http'); const { parentPort, workerData } = require('node:worker_threads');
     const lat = [];
     http.get(workerData.url + '/v1/topics/lat/stream?from=latest', (res) => {
       res.setEncoding('utf8'); let text = '';
       parentPort.postMessage({ ready: true });
       res.on('data', (d) => { text += d; let i;
         while ((i = text.indexOf('\\n\\n')) >= 0) { const b = text.slice(0, i); text = text.slice(i + 2); const at = b.indexOf('data: '); if (at < 0) continue;
           const v = JSON.parse(b.slice(at + 6)).value; if (v.m !== 1) continue;
           lat.push(performance.timeOrigin + performance.now() - v.t);
           if (lat.length >= workerData.total) { parentPort.postMessage({ lat }); res.destroy(); } } });
     });`,
    { eval: true, workerData: { url: broker.url, total } },
  );
  const received = new Promise<void>((resolve) => {
    reader.on('message', (m: { ready?: boolean; lat?: number[] }) => {
      if (m.lat) {
        latencies.push(...m.lat);
        resolve();
      }
    });
  });
  await new Promise<void>((resolve) => reader.once('message', () => resolve()));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(`${broker.url}/v1/topics/lat/events`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  const pad = 'x'.repeat(1024 - 46);
  let sent = 0;
  const start = performance.now();
  const inflight = new Set<Promise<unknown>>();
  while (sent < warmups + total) {
    const due = Math.min(warmups + total, Math.floor(((performance.now() - start) / 1000) * rate));
    if (due > sent) {
      const now = performance.timeOrigin + performance.now();
      const events = [];
      for (; sent < due; sent++) events.push({ value: { t: now, m: sent < warmups ? 0 : 1, pad } });
      const body = JSON.stringify({ events });
      const p = post(body);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  await received;
  await reader.terminate();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 1000) / 1000;
  console.log(JSON.stringify({ bench: 'latency', rate, seconds, events: latencies.length, p50Ms: q(0.5), p99Ms: q(0.99), p999Ms: q(0.999), maxMs: q(1) }));
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
