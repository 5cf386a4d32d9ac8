// SDK throughput (issue #4, "Speed"): SDK publish -> handler through the `eddy` transport, ~1 KiB
// zod-validated events, `concurrency: 64`; then the same workload through the raw transport
// (EddyHttpTransport publish + subscription pull/ack, no validation, no envelope decode) to give the
// SDK's overhead. Each phase gets a fresh broker binary (fsync=always) in a child process; the
// publisher runs in this process, the subscriber in a second child process (this file, forked with
// `--subscriber`), so publishing and handling do not share an event loop. Publishing and handling
// run at the same time; the clock starts when publishing starts (both processes use
// performance.timeOrigin + now). Counted: distinct events handled (acked), so redeliveries do not
// inflate the figure. Also CPU µs per event of the broker, the subscriber and the publisher (/proc).
// One JSON line per run.
// The subscriber receives over the WebSocket (the transport's default); EDDY_BENCH_DELIVERY=http
// measures HTTP pull delivery instead. Publishing goes over the WebSocket too (the default);
// EDDY_BENCH_PUBLISH=http posts HTTP requests instead. EDDY_BENCH_PHASES=sdk runs the SDK phase only
// (for alternated comparisons; the raw figures then repeat the SDK's). The SDK is the compiled package
// (`npm run build` first; EDDY_BENCH_SDK=src loads the sources through tsx: bench/sdk-import.ts).
// Usage: node --import tsx bench/sdk.ts [events=200000] [concurrency=64] [chunk=500] [inflight=4] [timeoutSec=120]

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Envelope, OutgoingEvent } from '../src/client/index.ts';
import type { SubscriptionSpec } from '../src/client/transport.ts';
import { startChildBroker } from '../test/support/child-broker.ts';
import { procCpuMs } from './kafka-support.ts';
import { sdk, sdkSource } from './sdk-import.ts';

const { createEventBus, createUuidV7, defineEvent, EddyHttpTransport, item } = sdk;

const BenchEvent = defineEvent('BenchEvent', {
  version: 1,
  schema: z.object({ n: z.number().int().nonnegative(), key: z.string(), t: z.number(), pad: z.string() }),
  key: (e) => e.key,
});
type BenchData = { n: number; key: string; t: number; pad: string };
const delivery = process.env.EDDY_BENCH_DELIVERY === 'http' ? 'http' : 'websocket';
const publishVia = process.env.EDDY_BENCH_PUBLISH === 'http' ? 'http' : 'websocket';
/** Distinct ordering keys: enough that `concurrency: 64` is never starved by in-key ordering. */
const keys = 1024;
/** data is ~1 KiB of JSON: {"n":…,"key":"k…","t":…,"pad":"xxx…"}. */
const pad = 'x'.repeat(1024 - 64);
const group = 'bench';
const now = () => performance.timeOrigin + performance.now();

/** The subscription the bus opens for `subscribe(BenchEvent, …, { group })` with default options. */
const rawSpec: SubscriptionSpec = {
  name: `${group}.${BenchEvent.topic}`,
  topic: BenchEvent.topic,
  maxDeliveryAttempts: 5,
  deadLetterTopic: `${BenchEvent.topic}.dlq`,
  backoff: { initialMs: 200, multiplier: 2, maxMs: 30_000 },
  ackDeadlineMs: 30_000,
  ordered: true,
};

type ChildMsg = { ready: true } | { done: true; handled: number; at: number } | { error: string };

/** EDDY_BENCH_SUBSCRIBER_NODE_ARGS: extra node flags for the subscriber child (--cpu-prof --cpu-prof-dir=DIR, --import …/alloc-sampler.mjs). */
const subscriberNodeArgs = process.env.EDDY_BENCH_SUBSCRIBER_NODE_ARGS?.split(' ').filter((a) => a.length > 0) ?? [];

// ---- subscriber child -------------------------------------------------------------------------

async function subscriber(mode: 'sdk' | 'raw', url: string, total: number, concurrency: number): Promise<void> {
  const send = (m: ChildMsg) => process.send!(m);
  const seen = new Uint8Array(total);
  let handled = 0;
  let finished = false;
  const mark = (n: number) => {
    if (n >= 0 && n < total && seen[n] === 0) {
      seen[n] = 1;
      if (++handled === total && !finished) {
        finished = true;
        send({ done: true, handled, at: now() });
      }
    }
  };
  let stop: () => Promise<void>;
  if (mode === 'sdk') {
    const transport = new EddyHttpTransport({ url: url.replace(/^eddy:\/\//, 'http://'), delivery });
    const bus = await createEventBus({ source: 'bench-sub', transport });
    const h = bus.subscribe(BenchEvent, (d) => mark(d.n), { group, concurrency });
    await h.ready;
    stop = () => bus.close().then(() => transport.close());
  } else {
    const t = new EddyHttpTransport({ url: url.replace(/^eddy:\/\//, 'http://'), delivery });
    const sub = await t.subscribe(rawSpec);
    let leased = 0;
    let stopping = false;
    let acked: (() => void) | null = null;
    const acks = new Set<Promise<void>>();
    // Pull up to `concurrency` leases, ack each pulled batch in one request (not awaited before the
    // next pull): at most `concurrency` deliveries leased and unacked, as with the bus.
    const loop = (async () => {
      while (!stopping) {
        const room = concurrency - leased;
        if (room <= 0) {
          await new Promise<void>((r) => (acked = r));
          continue;
        }
        const batch = await sub.pull({ max: room, waitMs: 1000 });
        if (batch.length === 0) continue;
        leased += batch.length;
        const ids = batch.map((d) => d.ackId);
        const p = sub.ack(ids).then(() => {
          for (const d of batch) mark((d.record.value as { n: number }).n);
          leased -= batch.length;
          const w = acked;
          acked = null;
          w?.();
        });
        acks.add(p);
        void p.finally(() => acks.delete(p));
      }
    })();
    stop = async () => {
      stopping = true;
      acked?.();
      await loop;
      await Promise.all(acks);
      await t.close();
    };
  }
  send({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await stop();
  process.disconnect();
}

// ---- publisher / driver ---------------------------------------------------------------------

async function publisher(mode: 'sdk' | 'raw', url: string, total: number, chunk: number, inflight: number): Promise<{ publish: (onEach?: () => void) => Promise<void>; close: () => Promise<void> }> {
  const datum = (n: number): BenchData => ({ n, key: `k${n % keys}`, t: now(), pad });
  let next = 0;
  const take = (): [number, number] | null => {
    if (next >= total) return null;
    const from = next;
    next = Math.min(total, next + chunk);
    return [from, next];
  };
  const run = async (one: (from: number, to: number) => Promise<void>) => {
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        for (let r = take(); r; r = take()) await one(r[0], r[1]);
      }),
    );
  };
  if (mode === 'sdk') {
    const transport = new EddyHttpTransport({ url: url.replace(/^eddy:\/\//, 'http://'), publishVia });
    const bus = await createEventBus({ source: 'bench-pub', transport });
    return {
      publish: () =>
        run(async (from, to) => {
          const items = [];
          for (let n = from; n < to; n++) items.push(item(BenchEvent, datum(n)));
          await bus.publishMany(items as never);
        }),
      close: () => bus.close().then(() => transport.close()),
    };
  }
  const t = new EddyHttpTransport({ url: url.replace(/^eddy:\/\//, 'http://'), publishVia });
  const newId = createUuidV7();
  return {
    // What a hand-written producer does: an id, a time and the key per event; no validation, no spans.
    publish: () =>
      run(async (from, to) => {
        const out: OutgoingEvent[] = [];
        const time = new Date().toISOString();
        for (let n = from; n < to; n++) {
          const data = datum(n);
          const id = newId();
          const envelope: Envelope = { specversion: '1.0', id, source: 'bench-pub', type: BenchEvent.type, time, datacontenttype: 'application/json', version: 1, correlationid: id, partitionkey: data.key, data };
          out.push({ topic: BenchEvent.topic, envelope });
        }
        await t.publish(out);
      }),
    close: () => t.close(),
  };
}

function childMessage(child: ChildProcess, pred: (m: ChildMsg) => boolean, deadlineAt: number, what: string): Promise<ChildMsg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for the subscriber: ${what}`)), Math.max(0, deadlineAt - Date.now()));
    const onMsg = (m: ChildMsg) => {
      if ('error' in m) done(new Error(`subscriber failed: ${m.error}`));
      else if (pred(m)) done(null, m);
    };
    const onExit = (code: number | null) => done(new Error(`subscriber exited (${code}) while waiting for: ${what}`));
    function done(e: Error | null, m?: ChildMsg) {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('close', onExit);
      if (e) reject(e);
      else resolve(m!);
    }
    child.on('message', onMsg);
    // 'close', not 'exit': it comes after the last IPC message (a child that reports, then exits, raced 'exit').
    child.once('close', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send('stop', () => {}); // the child may be leaving already: no error event
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

async function phase(mode: 'sdk' | 'raw', total: number, concurrency: number, chunk: number, inflight: number, timeoutSec: number) {
  const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-sdk-'));
  const broker = await startChildBroker(dir);
  let child: ChildProcess | null = null;
  try {
    const url = broker.url.replace(/^http:\/\//, 'eddy://');
    const deadlineAt = Date.now() + timeoutSec * 1000;
    child = fork(fileURLToPath(import.meta.url), ['--subscriber', mode, url, String(total), String(concurrency)], { execArgv: ['--import', 'tsx', ...subscriberNodeArgs], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await childMessage(child, (m) => 'ready' in m, deadlineAt, 'ready');
    const handledAll = childMessage(child, (m) => 'done' in m, deadlineAt, `${total} events handled`);
    handledAll.catch(() => {});
    const pub = await publisher(mode, url, total, chunk, inflight);
    // CPU per event of each process over the run (/proc; 10 ms resolution): steadier than rates on a noisy VM.
    const cpu0 = { broker: procCpuMs(broker.child.pid!), subscriber: procCpuMs(child.pid!), publisher: process.cpuUsage() };
    const t0 = now();
    await pub.publish();
    const published = now();
    const done = (await handledAll) as { handled: number; at: number };
    const usPerEvent = (ms: number) => Math.round((ms * 1000) / total);
    const publisherCpu = process.cpuUsage(cpu0.publisher);
    const cpuUsPerEvent = {
      broker: usPerEvent(procCpuMs(broker.child.pid!) - cpu0.broker),
      subscriber: usPerEvent(procCpuMs(child.pid!) - cpu0.subscriber),
      publisher: usPerEvent((publisherCpu.user + publisherCpu.system) / 1000),
    };
    await pub.close();
    const secs = (x: number) => (x - t0) / 1000;
    return { publishEventsPerSec: Math.round(total / secs(published)), endToEndEventsPerSec: Math.round(done.handled / secs(done.at)), seconds: Math.round(secs(done.at) * 100) / 100, cpuUsPerEvent };
  } finally {
    if (child) await stopChild(child);
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--subscriber') {
  const [, , , mode, url, total, concurrency] = process.argv;
  subscriber(mode as 'sdk' | 'raw', url!, Number(total), Number(concurrency)).catch((e: unknown) => {
    process.send?.({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
    process.exit(1);
  });
} else {
  const total = Number(process.argv[2] ?? 200_000);
  const concurrency = Number(process.argv[3] ?? 64);
  const chunk = Number(process.argv[4] ?? 500);
  const inflight = Number(process.argv[5] ?? 4);
  const timeoutSec = Number(process.argv[6] ?? 120);
  const sdkRun = await phase('sdk', total, concurrency, chunk, inflight, timeoutSec);
  const raw = process.env.EDDY_BENCH_PHASES === 'sdk' ? sdkRun : await phase('raw', total, concurrency, chunk, inflight, timeoutSec);
  console.log(
    JSON.stringify({
      bench: 'sdk',
      sdk: sdkSource,
      events: total,
      concurrency,
      chunk,
      inflight,
      sdkPublishEventsPerSec: sdkRun.publishEventsPerSec,
      sdkEndToEndEventsPerSec: sdkRun.endToEndEventsPerSec,
      rawPublishEventsPerSec: raw.publishEventsPerSec,
      rawEndToEndEventsPerSec: raw.endToEndEventsPerSec,
      // Throughput lost to the SDK, end to end (target: at most 25%).
      sdkOverheadPct: Math.round((1 - sdkRun.endToEndEventsPerSec / raw.endToEndEventsPerSec) * 1000) / 10,
      sdkSeconds: sdkRun.seconds,
      rawSeconds: raw.seconds,
      // CPU microseconds per event (publish + delivery + ack) of each process, SDK run and raw run.
      sdkBrokerCpuUsPerEvent: sdkRun.cpuUsPerEvent.broker,
      sdkSubscriberCpuUsPerEvent: sdkRun.cpuUsPerEvent.subscriber,
      sdkPublisherCpuUsPerEvent: sdkRun.cpuUsPerEvent.publisher,
      rawBrokerCpuUsPerEvent: raw.cpuUsPerEvent.broker,
      rawSubscriberCpuUsPerEvent: raw.cpuUsPerEvent.subscriber,
      rawPublisherCpuUsPerEvent: raw.cpuUsPerEvent.publisher,
    }),
  );
}
