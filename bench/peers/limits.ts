// The machine's limits, measured in the same run as the systems: sequential writes with an
// fdatasync per 64 KiB and per 1 MiB (fio), and one Node socket's loopback throughput (a receiver
// process, this process sending). Every figure in the table can be read as a fraction of these.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
