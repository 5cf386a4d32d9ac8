// Kafka protocol throughput with a raw load generator that is not the bottleneck: the broker binary
// (fsync=always) in a child process; Produce v7 requests (acks -1, one partition batch of `batch`
// records per request, partitions in turn) encoded once and pipelined over `connections` sockets
// (at most 8 in flight each; only a 12-byte head with the correlation id is built per request), then
// Fetch v11 from offset 0 reading everything back (8 MiB per response), records counted from batch
// headers without decoding. With `groups` > 0, a fan-out phase follows: that many consumer groups,
// each on a connection of its own, read everything from offset 0 at the same time and commit their
// offsets after every response (OffsetCommit v2, pipelined behind the next Fetch, as a consumer with
// auto-commit does). Broker CPU comes from /proc/<pid>/stat, its RSS from /proc/<pid>/status.
// One JSON line per run.
// Usage: node --import tsx bench/kafka-raw.ts [messageBytes=100] [messages=2000000] [batch=1000] [connections=4] [partitions=4] [groups=0]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChildBroker } from '../test/support/child-broker.ts';
import { benchBatch, createTopic, deadline, fetchSummary, fetchTemplate, offsetCommitErrors, offsetCommitTemplate, phase, phaseFigures, produceResult, produceTemplate, RawPipe, round, watchdog, type PhaseResult } from './kafka-support.ts';

const messageBytes = Number(process.argv[2] ?? 100);
const batch = Number(process.argv[4] ?? 1000);
const batches = Math.max(1, Math.round(Number(process.argv[3] ?? 2_000_000) / batch));
const messages = batches * batch;
const connections = Number(process.argv[5] ?? 4);
const partitions = Number(process.argv[6] ?? 4);
const groups = Number(process.argv[7] ?? 0);
const inFlightPerConnection = 8;
const fetchMaxBytes = 8 * 1024 * 1024;
/** Every phase must finish at 10,000 msg/s or better (plus 30 s), else the run fails. */
const phaseTimeoutMs = 30_000 + messages / 10;
const topic = 'bench-raw';

const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
const broker = await startChildBroker(dir);
watchdog(broker, 60_000 + (groups > 0 ? 3 : 2) * phaseTimeoutMs);
const pipes: RawPipe[] = [];
try {
  const pid = broker.child.pid!;
  await createTopic(broker.url, topic, partitions);
  const bootstrap = broker.kafkaBootstrap()!;
  for (let i = 0; i < connections; i++) pipes.push(await RawPipe.connect(bootstrap));
  const recordBatch = benchBatch(batch, messageBytes);
  const templates = Array.from({ length: partitions }, (_, p) => produceTemplate(topic, p, recordBatch));
  const acked = new Array<number>(partitions).fill(0);

  // Warm-up: one batch per partition (creates segments, JIT), not counted.
  await Promise.all(
    templates.map(async (t, p) => {
      check(produceResult(await pipes[p % connections]!.send(t)).errors);
      acked[p]! += batch;
    }),
  );

  // Produce.
  let issued = 0;
  const produce = phase(pid);
  await deadline(
    'produce',
    phaseTimeoutMs,
    Promise.all(
      pipes.flatMap((pipe) =>
        Array.from({ length: inFlightPerConnection }, async () => {
          while (issued < batches) {
            const p = issued++ % partitions;
            check(produceResult(await pipe.send(templates[p]!)).errors);
            acked[p]! += batch;
          }
        }),
      ),
    ),
  );
  const prod = produce.stop();

  // Fetch everything back: each connection reads its share of the partitions, one request in flight.
  const total = acked.reduce((a, b) => a + b, 0);
  const fetchConnections = Math.min(connections, partitions);
  const fetch = phase(pid);
  const read = await deadline(
    'fetch',
    phaseTimeoutMs,
    Promise.all(
      pipes.slice(0, fetchConnections).map((pipe, c) =>
        readAll(
          pipe,
          Array.from({ length: partitions }, (_, p) => p).filter((p) => p % fetchConnections === c),
          acked,
        ),
      ),
    ),
  );
  const fet = fetch.stop();
  const sum = (rs: { records: number; bytes: number; requests: number }[], k: 'records' | 'bytes' | 'requests') => rs.reduce((n, r) => n + r[k], 0);
  const fetched = sum(read, 'records');
  if (fetched !== total) throw new Error(`fetched ${fetched} records, produced ${total}`);

  // Fan-out: `groups` consumer groups each read every partition from 0, committing as they go.
  let fan: { result: PhaseResult; deliveries: number; bytes: number } | null = null;
  if (groups > 0) {
    const groupPipes = await Promise.all(Array.from({ length: groups }, () => RawPipe.connect(bootstrap)));
    pipes.push(...groupPipes);
    const all = Array.from({ length: partitions }, (_, p) => p);
    const fanout = phase(pid);
    const reads = await deadline('fan-out', phaseTimeoutMs, Promise.all(groupPipes.map((pipe, g) => readAll(pipe, all, acked, `bench-raw-group-${g}`))));
    const result = fanout.stop();
    const deliveries = sum(reads, 'records');
    if (deliveries !== groups * total) throw new Error(`fan-out delivered ${deliveries} records, expected ${groups} x ${total}`);
    fan = { result, deliveries, bytes: sum(reads, 'bytes') };
  }

  console.log(
    JSON.stringify({
      bench: 'kafka-raw',
      messageBytes,
      messages,
      batch,
      connections,
      partitions,
      ...phaseFigures('produce', prod, messages, messages * messageBytes),
      ...phaseFigures('fetch', fet, fetched, sum(read, 'bytes')),
      fetchRequests: sum(read, 'requests'),
      ...(fan ? { groups, ...phaseFigures('fanout', fan.result, fan.deliveries, fan.bytes) } : {}),
      brokerMaxRssMB: round(Math.max(prod.maxRssBytes, fet.maxRssBytes, fan?.result.maxRssBytes ?? 0) / 2 ** 20),
      brokerPeakRssMB: round(fet.hwmBytes / 2 ** 20),
    }),
  );
} finally {
  for (const p of pipes) p.close();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Reads `mine` from offset 0 up to `acked` over one connection, one Fetch in flight. With a group,
 * each response's progress is committed (pipelined: the next Fetch does not wait for the commit).
 */
async function readAll(pipe: RawPipe, mine: number[], acked: readonly number[], group?: string): Promise<{ records: number; bytes: number; requests: number }> {
  const next = new Array<number>(partitions).fill(0);
  const commits: Promise<void>[] = [];
  let records = 0;
  let bytes = 0;
  for (let requests = 0; requests < 2 * batches + 100; requests++) {
    const open = mine.filter((p) => next[p]! < acked[p]!);
    if (open.length === 0) {
      await Promise.all(commits);
      return { records, bytes, requests };
    }
    const body = await pipe.send(fetchTemplate(topic, open.map((p) => ({ partition: p, offset: next[p]! })), fetchMaxBytes, fetchMaxBytes));
    const advanced: { partition: number; offset: number }[] = [];
    for (const s of fetchSummary(body)) {
      if (s.error !== 0) throw new Error(`fetch partition ${s.partition}: error ${s.error}`);
      if (s.nextOffset >= 0) {
        next[s.partition] = s.nextOffset;
        advanced.push({ partition: s.partition, offset: s.nextOffset });
      }
      records += s.records;
      bytes += s.bytes;
    }
    if (group !== undefined && advanced.length > 0) {
      commits.push(pipe.send(offsetCommitTemplate(group, topic, advanced)).then((r) => check(offsetCommitErrors(r))));
    }
  }
  throw new Error('fetch: too many rounds');
}

function check(errors: number[]): void {
  if (errors.some((e) => e !== 0)) throw new Error(`request failed with error codes ${errors.join(',')}`);
}
