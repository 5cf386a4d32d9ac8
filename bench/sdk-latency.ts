// SDK latency (issue #4, "Speed"): publish -> handler through the `eddy` transport at a fixed rate
// (default 5,000 events/s for 10 s), ~1 KiB zod-validated events, `concurrency: 64`, broker binary
// (fsync=always) in a child process. The publisher bus runs in this process (every 1 ms, one
// publishMany of the events due since the last tick, not awaited), the subscriber bus in a second
// child process (this file, forked with `--subscriber`). Each event carries its send time
// (performance.timeOrigin + now: one clock across processes); the handler records now - t on
// entry. The warm-up of bench/warmup.ts (events numbered from `total`, handled but not measured)
// comes first. Prints p50, p99, p99.9 and max, and each process's CPU per event over the measured
// sends (broker and subscriber from /proc). One JSON line per run.
// The subscriber receives over the WebSocket (the default); EDDY_BENCH_DELIVERY=http measures HTTP pulls.
// The publisher publishes over its WebSocket (the default); EDDY_BENCH_PUBLISH=http posts HTTP requests.
// Usage: node --import tsx bench/sdk-latency.ts [rate=5000] [seconds=10] [concurrency=64]

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startChildBroker } from '../test/support/child-broker.ts';
import { procCpuMs } from './kafka-support.ts';
import { latencyWarmupSeconds } from './warmup.ts';
import { sdk } from './sdk-import.ts';

const { createEventBus, defineEvent, EddyHttpTransport, item } = sdk;

const LatencyEvent = defineEvent('LatencyEvent', {
  version: 1,
  schema: z.object({ n: z.number().int().nonnegative(), key: z.string(), t: z.number(), pad: z.string() }),
  key: (e) => e.key,
});
const keys = 1024;
const pad = 'x'.repeat(1024 - 64);
const now = () => performance.timeOrigin + performance.now();

type ChildMsg = { ready: true } | { done: true } | { lat: number[]; distinct: number } | { error: string };

async function subscriber(url: string, total: number, concurrency: number): Promise<void> {
  const send = (m: ChildMsg) => process.send!(m);
  const seen = new Uint8Array(total);
  const lat: number[] = [];
  const transport = new EddyHttpTransport({ url: url.replace(/^eddy:\/\//, 'http://'), delivery: process.env.EDDY_BENCH_DELIVERY === 'http' ? 'http' : 'websocket' });
  const bus = await createEventBus({ source: 'bench-sub', transport });
  const h = bus.subscribe(
    LatencyEvent,
    (d) => {
      if (d.n >= total || seen[d.n] === 1) return; // a redelivery: measured once
      seen[d.n] = 1;
      lat.push(now() - d.t);
      if (lat.length === total) send({ done: true });
    },
    { group: 'bench-latency', concurrency },
  );
  await h.ready;
  send({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  // Wait until the (large) report is written to the channel: disconnecting with it still queued lost it.
  await new Promise<void>((resolve, reject) => process.send!({ lat, distinct: lat.length } satisfies ChildMsg, undefined, {}, (e) => (e ? reject(e) : resolve())));
  await bus.close();
  await transport.close();
  process.disconnect();
}

function once(child: ChildProcess, pred: (m: ChildMsg) => boolean, ms: number): Promise<ChildMsg | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(null), ms);
    const onMsg = (m: ChildMsg) => {
      if ('error' in m) finish(new Error(`subscriber failed: ${m.error}`));
      else if (pred(m)) finish(null, m);
    };
    const onExit = (code: number | null) => finish(new Error(`subscriber exited (${code})`));
    function finish(e: Error | null, m?: ChildMsg) {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('close', onExit);
      if (e) reject(e);
      else resolve(m ?? null);
    }
    child.on('message', onMsg);
    // 'close', not 'exit': it comes after the last IPC message (a child that reports, then exits, raced 'exit').
    child.once('close', onExit);
  });
}

async function main(): Promise<void> {
  const rate = Number(process.argv[2] ?? 5000);
  const seconds = Number(process.argv[3] ?? 10);
  const concurrency = Number(process.argv[4] ?? 64);
  const total = Math.round(rate * seconds);
  const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-sdk-lat-'));
  const broker = await startChildBroker(dir);
  let child: ChildProcess | null = null;
  try {
    const url = broker.url.replace(/^http:\/\//, 'eddy://');
    child = fork(fileURLToPath(import.meta.url), ['--subscriber', url, String(total), String(concurrency)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (!(await once(child, (m) => 'ready' in m, 60_000))) throw new Error('subscriber not ready within 60 s');
    const allHandled = once(child, (m) => 'done' in m, (seconds + latencyWarmupSeconds) * 1000 + 30_000); // hang guard: 30 s after the last send
    allHandled.catch(() => {});
    const transport = new EddyHttpTransport({ url: broker.url, publishVia: process.env.EDDY_BENCH_PUBLISH === 'http' ? 'http' : 'websocket' });
    const bus = await createEventBus({ source: 'bench-pub', transport });
    let publishErrors = 0;
    const inflight = new Set<Promise<unknown>>();
    // Publishes `count` events at the rate, numbered from `first` (n >= total is the warm-up: handled, not measured).
    const paced = async (count: number, first: number) => {
      let sent = 0;
      const start = performance.now();
      while (sent < count) {
        const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * rate));
        if (due > sent) {
          const t = now();
          const items = [];
          for (let i = sent; i < due; i++) items.push(item(LatencyEvent, { n: first + i, key: `k${i % keys}`, t, pad }));
          sent = due;
          const p = bus.publishMany(items as never).catch(() => void publishErrors++);
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    await paced(Math.round(rate * latencyWarmupSeconds), total);
    // CPU of each process over the measured sends (/proc for the children): what the rate costs.
    const cpu0 = { broker: procCpuMs(broker.child.pid!), subscriber: procCpuMs(child.pid!), publisher: process.cpuUsage() };
    await paced(total, 0);
    await Promise.all(inflight);
    const publisherCpu = process.cpuUsage(cpu0.publisher);
    const usPerEvent = (ms: number) => Math.round((ms * 1000) / total);
    const cpuUsPerEvent = {
      brokerCpuUsPerEvent: usPerEvent(procCpuMs(broker.child.pid!) - cpu0.broker),
      subscriberCpuUsPerEvent: usPerEvent(procCpuMs(child.pid!) - cpu0.subscriber),
      publisherCpuUsPerEvent: usPerEvent((publisherCpu.user + publisherCpu.system) / 1000),
    };
    const complete = (await allHandled) !== null;
    await bus.close();
    await transport.close();
    const reported = once(child, (m) => 'lat' in m, 10_000);
    child.send('stop');
    const r = (await reported) as { lat: number[] } | null;
    if (!r) throw new Error('subscriber did not report its latencies');
    const latencies = r.lat.sort((a, b) => a - b);
    const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 1000) / 1000;
    console.log(JSON.stringify({ bench: 'sdk-latency', rate, seconds, concurrency, events: latencies.length, complete: complete ? 1 : 0, publishErrors, p50Ms: q(0.5), p99Ms: q(0.99), p999Ms: q(0.999), maxMs: q(1), ...cpuUsPerEvent }));
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((res) => child!.once('exit', () => res()));
      if (child.connected) child.send('stop', () => {}); // the child may be leaving already: no error event
      const k = setTimeout(() => child!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(k);
    }
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--subscriber') {
  const [, , , url, total, concurrency] = process.argv;
  subscriber(url!, Number(total), Number(concurrency)).catch((e: unknown) => {
    process.send?.({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exit(1);
  });
} else {
  await main();
}
