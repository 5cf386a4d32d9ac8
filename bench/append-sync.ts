// One durable 1 KiB append at a time, two ways: write + fdatasync (two trips through the libuv pool)
// and a write to a descriptor opened with O_DSYNC (one). Prints latency p50/p99, appends/s and this
// process's CPU per append (kernel time included) for each, alternating. Files under the OS temp dir.
// Usage: node --import tsx bench/append-sync.ts [appends=2000] [rounds=2]

import { constants, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const appends = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 2);
const buf = Buffer.alloc(1024, 97);

async function run(mode: 'write+fdatasync' | 'O_DSYNC'): Promise<void> {
  const path = join(tmpdir(), `eddy-append-sync-${process.pid}.dat`);
  const flags = constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | (mode === 'O_DSYNC' ? constants.O_DSYNC : 0);
  const fh = await fsp.open(path, flags, 0o644);
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (let i = 0; i < appends; i++) {
      const t = performance.now();
      await fh.writev([buf], i * buf.length);
      if (mode === 'write+fdatasync') await fh.datasync();
      lat.push(performance.now() - t);
    }
  } finally {
    await fh.close();
    await fsp.rm(path, { force: true });
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  const q = (f: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(f * lat.length))]! * 1000) / 1000;
  console.log(JSON.stringify({ mode, appends, p50Ms: q(0.5), p99Ms: q(0.99), appendsPerSec: Math.round((appends / wallMs) * 1000), cpuUsPerAppend: Math.round((cpu.user + cpu.system) / appends) }));
}

for (let r = 0; r < rounds; r++) for (const m of ['write+fdatasync', 'O_DSYNC'] as const) await run(m);
