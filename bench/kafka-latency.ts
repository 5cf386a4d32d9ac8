// Kafka produce latency, acks -1, at a fixed rate (default 5,000 msg/s for 10 s), broker binary
// (fsync=always) in a child process: every 1 ms tick sends the messages due since the last one, each
// as its own send, many in flight. First kafkajs 2.2.4 (producer.send of one message, timed from the
// send() call to its resolution), then the raw client (a pre-encoded Produce v7 of a one-record
// batch, timed from the write to its response), each on its own topic of one partition, each after
// the warm-up of bench/warmup.ts (unrecorded sends at the same rate). Prints p50, p99, p99.9 and max of each, the broker's CPU
// per message and the client's longest event-loop gap. One JSON line per run (with `kafkajsError`
// instead of kafkajs's figures when it fell more than 10,000 sends behind the rate). EDDY_BENCH_RAW_ONLY=1
// runs the raw client only.
// Usage: node --import tsx bench/kafka-latency.ts [rate=5000] [seconds=10] [messageBytes=1024]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { startChildBroker } from '../test/support/child-broker.ts';
import { latencyWarmupSeconds } from './warmup.ts';
import { benchBatch, createTopic, deadline, phase, produceResult, produceTemplate, RawPipe, round, watchdog } from './kafka-support.ts';

const rate = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 10);
const messageBytes = Number(process.argv[4] ?? 1024);
const total = Math.round(rate * seconds);
/** Sends outstanding beyond this mean the broker has stalled: the run fails rather than pile up. */
const inFlightMax = 10_000;
const drainTimeoutMs = 30_000;

const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
const broker = await startChildBroker(dir);
watchdog(broker, 60_000 + 2 * ((seconds + latencyWarmupSeconds) * 1000 + 2 * drainTimeoutMs + 10_000));
let producer: Producer | null = null;
let pipe: RawPipe | null = null;
try {
  const pid = broker.child.pid!;
  await createTopic(broker.url, 'lat-kafkajs', 1);
  await createTopic(broker.url, 'lat-raw', 1);
  const value = Buffer.alloc(messageBytes, 0x61);

  let kafkajs: Record<string, number | string> = { error: 'not run (EDDY_BENCH_RAW_ONLY=1)' };
  if (process.env.EDDY_BENCH_RAW_ONLY !== '1') {
    const kafka = new Kafka({ clientId: 'eddy-bench', brokers: [broker.kafkaBootstrap()!], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    const p = producer;
    // kafkajs cannot always keep up with the rate (one producer.send per message costs it a lot of
    // CPU): the run then reports why instead of losing the raw client's figures.
    kafkajs = await atFixedRate('kafkajs', pid, () => p.send({ topic: 'lat-kafkajs', acks: -1, messages: [{ partition: 0, value }] })).catch((e: unknown) => {
      if (e instanceof BehindError) return { error: e.message };
      throw e;
    });
    await producer.disconnect();
    producer = null;
  }

  pipe = await RawPipe.connect(broker.kafkaBootstrap()!);
  const c = pipe;
  const request = produceTemplate('lat-raw', 0, benchBatch(1, messageBytes));
  const raw = await atFixedRate('raw', pid, async () => {
    const errors = produceResult(await c.send(request)).errors;
    if (errors.some((e) => e !== 0)) throw new Error(`produce failed with error codes ${errors.join(',')}`);
  });

  console.log(JSON.stringify({ bench: 'kafka-latency', rate, seconds, messageBytes, ...prefixed('kafkajs', kafkajs), ...prefixed('raw', raw) }));
} finally {
  pipe?.close();
  await deadline('producer disconnect', 10_000, producer?.disconnect() ?? Promise.resolve()).catch(() => {});
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Sends at `rate` for the warm-up unrecorded (JIT, connections, log, machine), then `total` messages
 * recorded: latency of each from the send call to its resolution. Also reports the client's longest
 * gap between 1 ms ticks (a long one means this process, not the broker, delayed sends or responses).
 */
async function atFixedRate(what: string, pid: number, sendOne: () => Promise<unknown>) {
  await sendAtRate(what, Math.round(rate * latencyWarmupSeconds), sendOne);
  const m = phase(pid);
  const r = await sendAtRate(what, total, sendOne);
  const usage = m.stop();
  const latencies = r.latencies.sort((a, b) => a - b);
  const q = (x: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))]!, 3);
  return {
    sent: latencies.length,
    achievedRate: Math.round(latencies.length / (usage.wallMs / 1000)),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    p999Ms: q(0.999),
    maxMs: q(1),
    maxInFlight: r.maxInFlight,
    clientMaxTickGapMs: round(r.maxTickGapMs),
    brokerCpuUsPerMsg: round((usage.brokerCpuMs * 1000) / latencies.length),
    brokerCpuPct: Math.round((100 * usage.brokerCpuMs) / usage.wallMs),
    clientCpuPct: Math.round((100 * usage.clientCpuMs) / usage.wallMs),
    brokerMaxRssMB: round(usage.maxRssBytes / 2 ** 20),
  };
}

async function sendAtRate(what: string, count: number, sendOne: () => Promise<unknown>) {
  const latencies: number[] = [];
  const inflight = new Set<Promise<unknown>>();
  let failure: unknown = null;
  let maxInFlight = 0;
  let maxTickGapMs = 0;
  const start = performance.now();
  let lastTick = start;
  let sent = 0;
  while (sent < count && failure === null) {
    const now = performance.now();
    maxTickGapMs = Math.max(maxTickGapMs, now - lastTick);
    lastTick = now;
    const due = Math.min(count, Math.floor(((now - start) / 1000) * rate));
    for (; sent < due; sent++) {
      if (inflight.size >= inFlightMax) {
        failure = new BehindError(`${what}: ${inflight.size} sends outstanding after ${sent} of ${count}: the client cannot keep up with ${rate}/s`);
        break;
      }
      const t0 = performance.now();
      const p: Promise<unknown> = sendOne().then(
        () => latencies.push(performance.now() - t0),
        (e: unknown) => (failure ??= e),
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    maxInFlight = Math.max(maxInFlight, inflight.size);
    await new Promise((r) => setTimeout(r, 1));
  }
  await deadline(`${what}: drain`, drainTimeoutMs, Promise.all(inflight));
  if (failure !== null) throw failure;
  return { latencies, maxInFlight, maxTickGapMs };
}

/** The client fell behind the rate (too many sends outstanding); what it had sent was drained. */
class BehindError extends Error {}

function prefixed(prefix: string, o: Record<string, number | string>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [prefix + k[0]!.toUpperCase() + k.slice(1), v]));
}
