// T1 and T10 over the Kafka protocol: the real broker binary is SIGKILLed at seeded random moments
// while two idempotent kafkajs producers (acks -1, maxInFlightRequests 1, retries on) and one plain
// kafkajs producer send unique values. The broker restarts on the same data directory and the same
// Kafka port, so the same producer instances reconnect and carry on with their producer id, epoch and
// sequence numbers. An idempotent send whose outcome is unknown once kafkajs gives up is sent again
// with the same messages: kafkajs rolled its sequence back, so the broker sees the same sequence
// range and answers a duplicate with the original offset. A plain send that fails is recorded as
// unknown and not retried by the test.
// Oracle after the last cycle, reading every partition from offset 0 over HTTP: offsets contiguous
// from 0; every acknowledged value present at its acknowledged offset; acknowledged offsets increase
// in send order per writer and partition; idempotent values appear exactly once and in send order;
// no OUT_OF_ORDER_SEQUENCE_NUMBER / INVALID_PRODUCER_EPOCH / UNKNOWN_PRODUCER_ID; nothing in the log
// that was never sent. Duplicates from the plain producer are reported, not failed.
// EDDY_SEED replays the fault schedule; EDDY_SOAK=1 runs 100 cycles (EDDY_KAFKA_CRASH_CYCLES overrides).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Random, describeSeed, seedFromEnv } from '../src/testing/random.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { startChildBroker, type ChildBroker } from './support/child-broker.ts';

const TOPIC = 'kcrash';
const PARTITIONS = 4;
const CYCLES = Number(process.env.EDDY_KAFKA_CRASH_CYCLES ?? (process.env.EDDY_SOAK ? 100 : 20));
/** Errors that mean the broker lost or broke an idempotent producer's state. */
const FATAL = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_ID_MAPPING']);

type Kind = 'idempotent' | 'plain';

interface Ack {
  writer: string;
  kind: Kind;
  partition: number;
  offset: number;
  value: string;
  /** Position of the send in the writer's sequence of sends. */
  send: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the binary with a fixed Kafka port; a port still held by the killed process is retried. */
async function startOnPort(dir: string, port: number | null): Promise<ChildBroker> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startChildBroker(dir, port === null ? [] : ['--kafka-port', String(port)]);
    } catch (e) {
      if (attempt >= 50 || !/EADDRINUSE/.test(String(e))) throw e;
      await sleep(100);
    }
  }
}

async function readPartition(url: string, partition: number): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = 0;
  for (;;) {
    const res = await fetch(`${url}/v1/topics/${TOPIC}/partitions/${partition}/events?offset=${offset}&limit=1000`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { events: { offset: number; value: unknown; valueEncoding?: string }[]; nextOffset: number; highWatermark: number };
    for (const e of body.events) out.push({ offset: e.offset, value: e.valueEncoding === 'base64' ? Buffer.from(String(e.value), 'base64').toString() : String(e.value) });
    if (body.events.length === 0 || body.nextOffset >= body.highWatermark) break;
    offset = body.nextOffset;
  }
  return out;
}

/** The Kafka error types in an error and its causes (kafkajs wraps the last error of its retries). */
function errorTypes(e: unknown): string[] {
  const out: string[] = [];
  for (let x = e as { type?: string; name?: string; cause?: unknown } | undefined, depth = 0; x && depth < 5; x = x.cause as typeof x, depth++) {
    if (x.type) out.push(x.type);
    else if (x.name) out.push(x.name);
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

test(`Kafka producers across SIGKILL and restart on the same port: no acknowledged loss, no idempotent duplicates (${CYCLES} cycles)`, { timeout: 30_000 + CYCLES * 3_000 }, async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(describeSeed(seed));
  const random = new Random(seed);
  const faults = random.fork();
  const { dir, cleanup } = await tempDir();
  let broker = await startOnPort(dir, null);
  t.after(async () => {
    await broker.stop('SIGKILL'); // a no-op once the final broker has been stopped
    await cleanup();
  });
  const port = Number(broker.kafkaBootstrap()!.split(':').at(-1));
  const r = await fetch(`${broker.url}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: TOPIC, partitions: PARTITIONS }) });
  assert.equal(r.status, 201);

  // kafkajs's own retries (a produce that failed and was sent again), counted from its error log.
  const kafkajsRetries: Record<Kind, number> = { idempotent: 0, plain: 0 };
  const client = (kind: Kind) =>
    new Kafka({
      clientId: `kcrash-${kind}`,
      brokers: [`localhost:${port}`],
      logLevel: logLevel.ERROR,
      logCreator: () => (entry) => void (/Failed to send messages/.test(entry.log.message) && kafkajsRetries[kind]++),
      connectionTimeout: 1000,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 },
    });
  const writers: { name: string; kind: Kind; producer: Producer }[] = [
    { name: 'i0', kind: 'idempotent', producer: client('idempotent').producer({ idempotent: true, maxInFlightRequests: 1 }) },
    { name: 'i1', kind: 'idempotent', producer: client('idempotent').producer({ idempotent: true, maxInFlightRequests: 1 }) },
    { name: 'p0', kind: 'plain', producer: client('plain').producer({ idempotent: false }) },
  ];
  for (const w of writers) await w.producer.connect();

  const acks: Ack[] = [];
  const sent = new Map<string, Kind>();
  const unknown = new Set<string>(); // plain sends given up on: outcome unknown
  const failedAttempts: Record<Kind, number> = { idempotent: 0, plain: 0 };
  const fatal: string[] = [];
  let stopping = false;

  const runWriter = async (w: (typeof writers)[number], rnd: Random) => {
    let seq = 0;
    for (let send = 0; !stopping; send++) {
      const partition = rnd.int(0, PARTITIONS);
      const values = Array.from({ length: 1 + rnd.int(0, 10) }, () => `${w.name}-${seq++}`);
      for (const v of values) sent.set(v, w.kind);
      for (let failures = 0; ; ) {
        try {
          const md = await w.producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ partition, value })) });
          const m = md.find((x) => x.partition === partition);
          assert.ok(m && m.errorCode === 0, `${w.name}: a result for partition ${partition}`);
          const base = Number(m.baseOffset);
          values.forEach((value, i) => acks.push({ writer: w.name, kind: w.kind, partition, offset: base + i, value, send }));
          break;
        } catch (e) {
          failedAttempts[w.kind]++;
          const types = errorTypes(e);
          const bad = types.filter((x) => FATAL.has(x));
          if (bad.length > 0 || e instanceof assert.AssertionError || ++failures > 50) {
            fatal.push(`${w.name} send ${send} (${values[0]}…): ${bad.length > 0 ? bad.join(', ') : String(e)}`);
            return;
          }
          if (w.kind === 'plain') {
            for (const v of values) unknown.add(v);
            break;
          }
          // Idempotent: the same messages again, which kafkajs sends with the same sequence numbers.
          await sleep(50);
        }
      }
    }
  };
  const running = writers.map((w) => runWriter(w, random.fork()));

  const restartMs: number[] = [];
  try {
    for (let cycle = 0; cycle < CYCLES && fatal.length === 0; cycle++) {
      await sleep(faults.int(50, 500)); // the fault schedule, not a wait for a condition
      await broker.stop('SIGKILL');
      const started = Date.now();
      broker = await startOnPort(dir, port);
      restartMs.push(Date.now() - started);
    }
    // Let the producers finish what is in flight against the final broker.
    stopping = true;
    await Promise.all(running);
  } finally {
    stopping = true;
    for (const w of writers) await w.producer.disconnect().catch(() => {});
  }

  try {
    assert.deepEqual(fatal, [], `no writer stopped on OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID or a bad result (${describeSeed(seed)})`);
    const logs = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => readPartition(broker.url, p)));
    const copies = new Map<string, number>();
    for (let p = 0; p < PARTITIONS; p++) {
      logs[p]!.forEach((e, i) => {
        assert.equal(e.offset, i, `partition ${p}: offsets are contiguous from 0`);
        assert.ok(sent.has(e.value), `${e.value} at ${p}:${i} was sent`);
        copies.set(e.value, (copies.get(e.value) ?? 0) + 1);
      });
    }
    for (const a of acks) {
      assert.equal(logs[a.partition]![a.offset]?.value, a.value, `acknowledged ${a.value} at ${a.partition}:${a.offset} is there (${describeSeed(seed)})`);
    }
    // nonmonotonic-send: a writer's successive acknowledged offsets in a partition increase (each
    // writer sends one batch at a time, so its entries in `acks` are in send order).
    const lastAck = new Map<string, Ack>();
    for (const a of acks) {
      const k = `${a.writer}/${a.partition}`;
      const prev = lastAck.get(k);
      if (prev) assert.ok(prev.send <= a.send && prev.offset < a.offset, `${a.value} acknowledged at ${a.offset} after ${prev.value} at ${prev.offset}`);
      lastAck.set(k, a);
    }
    const idempotentValues = [...sent].filter(([, k]) => k === 'idempotent').map(([v]) => v);
    const idempotentDuplicates = idempotentValues.filter((v) => (copies.get(v) ?? 0) > 1);
    assert.deepEqual(idempotentDuplicates, [], `no idempotent duplicates (${describeSeed(seed)})`);
    const ackedValues = new Set(acks.map((a) => a.value));
    assert.deepEqual(idempotentValues.filter((v) => !ackedValues.has(v)), [], 'every idempotent send was acknowledged in the end');
    // Idempotent writers: their values appear in send order within each partition.
    for (let p = 0; p < PARTITIONS; p++) {
      const last = new Map<string, number>();
      for (const e of logs[p]!) {
        const [w, n] = e.value.split('-') as [string, string];
        if (sent.get(e.value) !== 'idempotent') continue;
        assert.ok((last.get(w) ?? -1) < Number(n), `writer order kept for ${e.value} in partition ${p}`);
        last.set(w, Number(n));
      }
    }
    const plainDuplicates = [...copies].filter(([v, n]) => n > 1 && sent.get(v) === 'plain').length;
    const unknownPresent = [...unknown].filter((v) => copies.has(v)).length;
    const acked = { idempotent: acks.filter((a) => a.kind === 'idempotent').length, plain: acks.filter((a) => a.kind === 'plain').length };
    t.diagnostic(
      `${describeSeed(seed)} cycles ${CYCLES}: acked ${JSON.stringify(acked)}, kafkajs-logged send retries ${JSON.stringify(kafkajsRetries)}, sends failed after retries ${JSON.stringify(failedAttempts)}, ` +
        `plain unknown ${unknown.size} (${unknownPresent} present), duplicates idempotent 0 / plain ${plainDuplicates}, ` +
        `stored ${logs.reduce((n, l) => n + l.length, 0)}, restart ms p50 ${percentile(restartMs, 50)} max ${Math.max(...restartMs)}`,
    );
    assert.ok(acked.idempotent > 0 && acked.plain > 0, 'the workload acknowledged events from every kind of writer');
  } finally {
    await broker.stop();
  }
});
