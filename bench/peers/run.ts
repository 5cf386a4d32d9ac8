// `npm run bench:peers`: Eddy side by side with NATS JetStream, RabbitMQ and Redis Streams on this
// machine. Installs missing Debian packages, measures the machine's limits (fio, loopback), then
// for each run and each system: starts the server on 127.0.0.1 with a fresh data directory, runs the
// workloads with each of its clients (one client process per workload, 4 for fan-out), samples the
// server's CPU and RSS from /proc, and stops the server by PID. Prints one table of medians with the
// ratio Eddy / best peer (each ratio measured within one run, then the median taken).
//
// Usage: node --import tsx bench/peers/run.ts [--runs=2] [--quick] [--only=id,id] [--workloads=PC,F,L] [--write] [--report=file]
//   --quick   1/50 of the counts and 2 s of latency: a smoke run of the harness, not a measurement
//   --only    server ids (eddy-always, eddy-interval, nats, rabbitmq, redis-always, redis-everysec,
//             eddy-raw) or server:client pairs (eddy-always:kafkajs)
//   --workloads  which to run: PC (P100, C100, P1k, C1k), F, L (default all)
//   --write   writes the table into BENCHMARKS.md and the chart to docs/bench-peers.svg
//   --report  renders a saved results file (bench/peers/results/*.json) instead of running

import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { phase, type PhaseResult } from '../kafka-support.ts';
import { machineLimits, type MachineLimits } from './limits.ts';
import { ensurePackages } from './proc.ts';
import { report, type Row } from './report.ts';
import { rawRows } from './raw.ts';
import { eddy } from './servers/eddy.ts';
import { nats } from './servers/nats.ts';
import { rabbitmq } from './servers/rabbitmq.ts';
import { redis } from './servers/redis.ts';
import type { ServerSpec } from './types.ts';
import { phaseLimitMs, type Workload, type WorkloadResult } from './workloads.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    workloads: { type: 'string', default: 'PC,F,L' },
    write: { type: 'boolean', default: false },
    report: { type: 'string' },
  },
});
const runs = Number(args.runs);
const scale = args.quick ? 1 / 50 : 1;
const only = args.only?.split(',').filter(Boolean) ?? [];
const window = 10_000;
const workloads = new Set(args.workloads.split(','));

/** Each system and the clients that drive it (modules in clients/). */
const targets: { server: ServerSpec; clients: string[] }[] = [
  { server: eddy('always'), clients: ['platformatic', 'kafkajs', 'http', 'sdk'] },
  { server: eddy('interval:1000'), clients: ['platformatic'] },
  { server: nats(), clients: ['nats'] },
  { server: rabbitmq(), clients: ['amqp-quorum', 'amqp-stream'] },
  { server: redis('always'), clients: ['redis'] },
  { server: redis('everysec'), clients: ['redis'] },
];
/** Clients whose groups are queues that only receive what is published after they are bound (RabbitMQ quorum queues behind a fanout exchange). */
const queuePerGroup = new Set(['amqp-quorum']);
/** Workloads a client sits out, with the reason printed in the table (none today: the SDK consume rows run since 2026-11-23). */
const skips: Record<string, Partial<Record<string, string>>> = {};

const selected = (id: string, client?: string) =>
  only.length === 0 || only.includes(id) || (client !== undefined && only.includes(`${id}:${client}`));

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
if (args.report) {
  const saved = JSON.parse(readFileSync(args.report, 'utf8')) as { limits: MachineLimits; rows: Row[]; runs?: number; quick?: boolean };
  const out = report(saved.rows, saved.limits, { runs: saved.runs ?? Math.max(...saved.rows.map((r) => r.run)), quick: saved.quick ?? false, machine }, targets.map((t) => t.server));
  console.log(out.table);
  if (args.write) out.write();
  process.exit(0);
}

const commandStartedMs = Date.now();
const packages: Record<string, string> = { 'redis-server': 'redis-server', 'nats-server': 'nats-server', 'rabbitmq-server': 'rabbitmq-server', fio: 'fio' };
ensurePackages(packages);

const limits: MachineLimits = await machineLimits(args.quick);
const programs = await bundleClients([...new Set(targets.flatMap((t) => t.clients))]);
console.error(`packages and machine limits: ${((Date.now() - commandStartedMs) / 1000).toFixed(1)} s`);
console.error(`machine limits: ${JSON.stringify(limits)}`);
const rows: Row[] = [];

for (let run = 1; run <= runs; run++) {
  for (const { server, clients } of targets) {
    const mine = clients.filter((c) => selected(server.id, c));
    if (mine.length === 0) continue;
    const dataDir = mkdtempSync(join(tmpdir(), `peers-${server.id}-`));
    const handle = await server.start(dataDir);
    try {
      for (const client of mine) {
        const skip = skips[client] ?? {};
        const base = { run, server: server.id, client };
        const stream = (s: string) => `${client.replace(/[^a-z0-9]/g, '')}-${s}`;
        const fanout = ['f1', 'f2', 'f3', 'f4'];
        // One row measured; a client or server that breaks fails that row (reported), not the run.
        const row = async (workload: string, measured: () => Promise<Omit<Row, 'run' | 'server' | 'client' | 'workload'>>) => {
          const startedMs = Date.now();
          try {
            rows.push({ ...base, workload, ...(await measured()) });
            // Where the run's time goes (the issue bounds the whole command to 30 minutes).
            console.error(`run ${run} ${server.id} ${client} ${workload}: ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            console.error(`${server.id} ${client} ${workload} failed: ${message}`);
            const lines = message.split('\n');
            const cause = lines.slice(1).find((l) => /^\w*Error\b/.test(l.trim()));
            rows.push({ ...base, workload, failed: `${lines[0]}${cause ? ` (${cause.trim()})` : ''}`.slice(0, 200) });
          }
        };
        for (const [name, size, count] of workloads.has('PC') ? ([['100', 100, 1_000_000], ['1k', 1024, 200_000]] as const) : []) {
          const n = Math.round(count * scale);
          await row(`P${name}`, () => measure(handle.pid, [[client, handle.connection, { kind: 'publish', stream: stream(`p${name}`), groups: ['c'], size, count: n, window }]]));
          if (skip[`C${name}`]) rows.push({ ...base, workload: `C${name}`, skipped: skip[`C${name}`] });
          else await row(`C${name}`, () => measure(handle.pid, [[client, handle.connection, { kind: 'consume', stream: stream(`p${name}`), group: 'c', count: n }]]));
        }
        if (!workloads.has('F')) {
          /* not asked for */
        } else if (skip.F) rows.push({ ...base, workload: 'F', skipped: skip.F });
        else {
          await row('F', async () => {
            // Four new groups read every event of P1k's stream. A system whose groups are queues filled
            // at publish (queuePerGroup) gets a stream of its own, published (not timed) with the four
            // groups bound, so that it pays for the copies here and not in P1k; so does a run without P1k.
            const n = Math.round(200_000 * scale);
            const reuse = workloads.has('PC') && !queuePerGroup.has(client);
            if (!reuse) await measure(handle.pid, [[client, handle.connection, { kind: 'publish', stream: stream('f'), groups: fanout, size: 1024, count: n, window }]]);
            const members = fanout.map((group) => [client, handle.connection, { kind: 'consume', stream: stream(reuse ? 'p1k' : 'f'), group, count: n }] as const);
            return measure(handle.pid, members);
          });
        }
        const seconds = args.quick ? 2 : 10;
        if (workloads.has('L')) await row('L', () => measure(handle.pid, [[client, handle.connection, { kind: 'latency', stream: stream('lat'), size: 1024, rate: 5000, seconds }]]));
      }
    } finally {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (selected('eddy-raw') && workloads.has('PC')) rows.push(...(await rawRows(run, scale)));
}

const out = report(rows, limits, { runs, quick: args.quick, machine }, targets.map((t) => t.server));
console.log(out.table);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const elapsedMinutes = Math.round((Date.now() - commandStartedMs) / 6_000) / 10;
console.error(`measured in ${elapsedMinutes} minutes (packages, limits, every run)`);
writeFileSync(new URL(`./results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify({ limits, runs, quick: args.quick, elapsedMinutes, rows }, null, 1));
if (args.write) out.write();

/**
 * Runs client processes at once (one per entry) and samples the server around them. Rates come
 * from the clients' own timed windows: all events over (last end − first start).
 */
async function measure(pid: number, procs: (readonly [string, Record<string, string | number | boolean>, Workload])[]): Promise<Omit<Row, 'run' | 'server' | 'client' | 'workload'>> {
  const sampling = phase(pid);
  let results: WorkloadResult[];
  let server: PhaseResult;
  // When one client fails, the others of the phase (a fan-out's members) are stopped with it: left
  // running they would load the rows after.
  const stop = new AbortController();
  try {
    results = await Promise.all(procs.map(([client, connection, workload]) => clientProcess(client, connection, workload, stop.signal).catch((e: unknown) => {
      stop.abort();
      throw e;
    })));
  } finally {
    server = sampling.stop();
  }
  const events = results.reduce((a, r) => a + r.events, 0);
  const bytes = results.reduce((a, r) => a + r.bytes, 0);
  const wallMs = Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  return {
    library: (results[0] as WorkloadResult & { library: string }).library,
    events,
    eventsPerSec: Math.round(events / (wallMs / 1000)),
    mbPerSec: Math.round((bytes / 1e6 / (wallMs / 1000)) * 10) / 10,
    serverCpuUsPerEvent: Math.round((server.brokerCpuMs * 1000) / events * 100) / 100,
    serverCpuPct: Math.round((100 * server.brokerCpuMs) / server.wallMs),
    clientCpuPct: Math.round((100 * results.reduce((a, r) => a + r.clientCpuMs, 0)) / wallMs),
    serverMaxRssMB: Math.round(server.maxRssBytes / 2 ** 20),
    ...(results[0]!.attachMs !== undefined ? { attachMs: Math.round(Math.max(...results.map((r) => r.attachMs!))) } : {}),
    ...(results[0]!.latency ? { latency: results[0]!.latency } : {}),
  };
}

/** Bundles one program per client module (clients/<name>.ts) into .build/; returns each one's path. */
async function bundleClients(names: readonly string[]): Promise<Map<string, string>> {
  const dir = new URL('./.build/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const out = new Map<string, string>();
  for (const name of names) {
    const outfile = `${dir}${name}.mjs`;
    await build({
      stdin: { contents: `import { connect } from './clients/${name}.ts';\nimport { runClient } from './client.ts';\nawait runClient(connect);\n`, resolveDir: new URL('.', import.meta.url).pathname, sourcefile: `${name}-main.ts`, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'error',
    });
    out.set(name, outfile);
  }
  return out;
}

function clientProcess(client: string, connection: Record<string, string | number | boolean>, workload: Workload, signal: AbortSignal): Promise<WorkloadResult> {
  return new Promise((resolve, reject) => {
    const program = programs.get(client);
    if (!program) throw new Error(`client ${client} was not bundled`);
    const child = spawn(process.execPath, [program, JSON.stringify(connection), JSON.stringify(workload)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onAbort = () => child.kill('SIGKILL');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8192)));
    const events = workload.kind === 'latency' ? workload.rate * workload.seconds : workload.count;
    const timer = setTimeout(() => child.kill('SIGKILL'), 2 * phaseLimitMs(events) + 60_000);
    child.once('exit', (code, exitSignal) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (code !== 0) return reject(new Error(`${client} ${workload.kind} ${'stream' in workload ? workload.stream : ''}: exit ${code ?? exitSignal}\n${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkloadResult);
      } catch {
        reject(new Error(`${client} ${workload.kind}: no result line\n${out}\n${err}`));
      }
    });
  });
}
