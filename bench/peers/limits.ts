// The machine's limits, measured in the same run as the systems: sequential writes with an
// fdatasync per 64 KiB and per 1 MiB (fio), one Node socket's loopback throughput (a receiver
// process, this process sending) and the round trip of 1 KiB messages at 5,000/s through a trivial
// echo process (the latency floor two Node processes get here, after the same warm-up as the L
// workload). Every figure in the table can be read as a fraction of these.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latencyWarmupSeconds } from '../warmup.ts';
import { versionOf } from './proc.ts';

export interface MachineLimits {
  fio: string;
  /** MB/s with an fdatasync after every 64 KiB / 1 MiB write. */
  fioSeq64kMBps: number;
  fioSeq1mMBps: number;
  /** Median fdatasync latency in the 64 KiB run, ms. */
  fdatasyncP50Ms: number;
  /** One TCP connection over loopback, Node on both ends, MB/s. */
  loopbackMBps: number;
  /** Round trip through a Node echo process, 1 KiB at 5,000/s after the warm-up, ms (absent in reports saved before it was measured). */
  echoP50Ms?: number;
  echoP99Ms?: number;
  echoP999Ms?: number;
}

export async function machineLimits(quick: boolean): Promise<MachineLimits> {
  const dir = mkdtempSync(join(tmpdir(), 'peers-fio-'));
  try {
    const a = fio(dir, '64k', quick ? '32M' : '256M');
    const b = fio(dir, '1m', quick ? '64M' : '1G');
    return {
      fio: versionOf('fio', ['--version'], /(fio-\S+)/),
      fioSeq64kMBps: a.mbps,
      fioSeq1mMBps: b.mbps,
      fdatasyncP50Ms: a.syncP50Ms,
      loopbackMBps: await loopback(quick ? 256 * 2 ** 20 : 2 * 2 ** 30),
      ...(await echoFloor(quick ? 2 : 10)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fio(dir: string, bs: string, size: string): { mbps: number; syncP50Ms: number } {
  const r = spawnSync('fio', ['--name=seq', `--directory=${dir}`, '--rw=write', `--bs=${bs}`, `--size=${size}`, '--fdatasync=1', '--ioengine=psync', '--output-format=json'], {
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`fio failed: ${r.stderr}`);
  const job = (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: { write: { bw_bytes: number }; sync?: { lat_ns?: { percentile?: Record<string, number> } } }[] }).jobs[0]!;
  const p50 = job.sync?.lat_ns?.percentile?.['50.000000'] ?? NaN;
  return { mbps: Math.round(job.write.bw_bytes / 1e6), syncP50Ms: Math.round(p50 / 1e4) / 100 };
}

async function echoFloor(seconds: number): Promise<{ echoP50Ms: number; echoP99Ms: number; echoP999Ms: number }> {
  const { measured } = await loopbackEcho({ rate: 5000, seconds, warmupSeconds: latencyWarmupSeconds });
  return { echoP50Ms: measured.p50Ms, echoP99Ms: measured.p99Ms, echoP999Ms: measured.p999Ms };
}

export interface Quantiles {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/**
 * Round trips of 1 KiB messages through an echo process (`net` pipe, nothing else) at `rate`, sent
 * on a 1 ms tick like the latency workloads: quantiles for every second of the warm-up and the
 * measured period, and for the measured period as a whole.
 */
export async function loopbackEcho(o: { rate: number; seconds: number; warmupSeconds: number }): Promise<{ perSecond: Quantiles[]; measured: Quantiles }> {
  const size = 1024;
  const echo = spawn(process.execPath, ['-e', `const s=require('net').createServer(c=>c.pipe(c)).listen(0,'127.0.0.1',()=>console.log(s.address().port))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => echo.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      echo.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      void exited.then(() => reject(new Error('echo process exited before listening')));
    });
    const sock = connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    const total = Math.round(o.rate * (o.warmupSeconds + o.seconds));
    const sentAt = new Float64Array(total);
    const rtt = new Float64Array(total);
    let received = 0;
    let pending = 0;
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    sock.on('data', (d: Buffer) => {
      pending += d.length;
      const t = performance.now();
      while (pending >= size) {
        pending -= size;
        rtt[received] = t - sentAt[received]!;
        if (++received === total) done();
      }
    });
    const t0 = performance.now();
    let sent = 0;
    while (sent < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * o.rate) / 1000) + 1);
      if (due > sent) {
        for (let i = sent; i < due; i++) sentAt[i] = now;
        sock.write(Buffer.alloc(size * (due - sent), 1));
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    const timer = setTimeout(() => sock.destroy(new Error('echo did not return every message within 30 s')), 30_000);
    await Promise.race([all, new Promise((_, reject) => sock.once('error', reject))]).finally(() => clearTimeout(timer));
    sock.destroy();
    const quantiles = (a: Float64Array): Quantiles => {
      const s = a.slice().sort();
      const q = (f: number) => Math.round(s[Math.min(s.length - 1, Math.floor(f * s.length))]! * 1000) / 1000;
      return { p50Ms: q(0.5), p99Ms: q(0.99), p999Ms: q(0.999), maxMs: q(1) };
    };
    const perSecond: Quantiles[] = [];
    for (let i = 0; i < total; i += o.rate) perSecond.push(quantiles(rtt.subarray(i, Math.min(total, i + o.rate))));
    return { perSecond, measured: quantiles(rtt.subarray(Math.round(o.rate * o.warmupSeconds))) };
  } finally {
    echo.kill();
    await exited;
  }
}

/** Sends `bytes` in 64 KiB writes (respecting backpressure) to a receiver process that counts them. */
async function loopback(bytes: number): Promise<number> {
  const receiver = spawn(
    process.execPath,
    ['-e', `const s=require('net').createServer(c=>{let n=0,t=0;c.on('data',d=>{if(!t)t=performance.now();n+=d.length});c.on('end',()=>{console.log(JSON.stringify({n,ms:performance.now()-t}));s.close()})}).listen(0,'127.0.0.1',()=>console.log(s.address().port))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  receiver.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => receiver.once('exit', () => resolve()));
  while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const port = Number(out.trim());
  out = '';
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => sock.once('connect', resolve));
  const buf = Buffer.alloc(64 * 1024, 7);
  for (let sent = 0; sent < bytes; sent += buf.length) {
    if (!sock.write(buf)) await new Promise<void>((resolve) => sock.once('drain', resolve));
  }
  sock.end();
  await exited;
  const { n, ms } = JSON.parse(out.trim()) as { n: number; ms: number };
  return Math.round(n / 1e6 / (ms / 1000));
}
