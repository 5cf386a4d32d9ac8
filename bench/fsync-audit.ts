// Durability audit (issue #5): runs `eddy start --fsync always` under strace and proves from the
// system calls that no publish is acknowledged before its data is on disk. N publishes of one event
// are sent one after another over HTTP; in the trace, each acknowledgement (a write of
// "HTTP/1.1 200" to the client's socket) must come after a completed durable operation on the
// partition's segment file that started after the previous acknowledgement: a pwritev to a
// descriptor opened with O_DSYNC, or an fdatasync of the segment's descriptor.
// Usage: node --import tsx bench/fsync-audit.ts [publishes=200] [fsync=always]   (installs strace when missing)
// With fsync=never or interval:<ms> the audit must fail: that is how to see it can.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePackages } from './peers/proc.ts';

const publishes = Number(process.argv[2] ?? 200);
const fsync = process.argv[3] ?? 'always';
ensurePackages({ strace: 'strace' });
const dir = mkdtempSync(join(tmpdir(), 'eddy-audit-'));
const trace = join(dir, 'strace.txt');
const bin = new URL('../bin/eddy.js', import.meta.url).pathname;
const child = spawn('strace', ['-f', '-tt', '-s', '16', '-e', 'trace=openat,pwritev,pwrite64,fdatasync,fsync,write,writev', '-o', trace, process.execPath, bin, 'start', '--data-dir', join(dir, 'data'), '--http-port', '0', '--kafka-port', '0', '--fsync', fsync], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, EDDY_FREE_BYTES_FLOOR: '0' },
});
// strace blocks fatal signals while it runs a command (-o FILE PROG): the broker itself is stopped,
// by the PID it prints, and strace exits with it.
let brokerPid = 0;
try {
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /HTTP API listening on (http:\/\/\S+)/.exec(out);
      brokerPid = Number(/eddy pid (\d+)/.exec(out)?.[1] ?? 0);
      if (m && brokerPid > 0) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`eddy under strace exited with ${code}: ${out}`)));
  });
  const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if ((await post('/v1/topics', { name: 'audit', partitions: 1 })).status !== 201) throw new Error('create topic failed');
  for (let i = 0; i < publishes; i++) {
    const r = await post('/v1/topics/audit/events', { events: [{ value: `event-${i}` }] });
    if (r.status !== 200) throw new Error(`publish ${i}: HTTP ${r.status}`);
    await r.arrayBuffer();
  }
} finally {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (brokerPid > 0) process.kill(brokerPid, 'SIGTERM');
    else child.kill('SIGKILL');
    await exited;
  }
}

// One line per system call; with -f, a call another thread interrupts is split into
// "<unfinished ...>" and "<... name resumed>": a call counts as completed at its resumed line.
const lines = readFileSync(trace, 'utf8').split('\n');
const dsyncFds = new Set<number>();
const segmentFds = new Set<number>();
const pendingStart = new Map<string, number>(); // "tid name" -> line index of the unfinished start
let lastAck = -1;
let durableSinceAck = 0;
let acks = 0;
let durableOps = 0;
const violations: string[] = [];
lines.forEach((line, i) => {
  const m = /^(\d+)\s+\S+\s+(.*)$/.exec(line);
  if (!m) return;
  const [, tid, call] = m as unknown as [string, string, string];
  const open = /^openat\(AT_FDCWD, "([^"]+)", ([A-Z_|]+)[^)]*\)\s+=\s+(\d+)/.exec(call);
  if (open && /audit-0\/\d{20}\.log$/.test(open[1]!)) {
    const fd = Number(open[3]);
    segmentFds.add(fd);
    if (open[2]!.includes('O_DSYNC')) dsyncFds.add(fd);
    else dsyncFds.delete(fd);
    return;
  }
  const unfinished = /^(pwritev|pwrite64|fdatasync|fsync)\((\d+).*<unfinished \.\.\.>$/.exec(call);
  if (unfinished) {
    pendingStart.set(`${tid} ${unfinished[1]}`, i);
    return;
  }
  const resumed = /^<\.\.\. (pwritev|pwrite64|fdatasync|fsync) resumed>.*=\s+(-?\d+)/.exec(call);
  const whole = /^(pwritev|pwrite64|fdatasync|fsync)\((\d+),.*\)\s+=\s+(-?\d+)/.exec(call) ?? /^(fdatasync|fsync)\((\d+)\)\s+=\s+(-?\d+)/.exec(call);
  let name: string | undefined;
  let fd: number | undefined;
  let started = i;
  if (whole) {
    name = whole[1];
    fd = Number(whole[2]);
    if (Number(whole[3]) < 0) return;
  } else if (resumed) {
    name = resumed[1];
    const startIdx = pendingStart.get(`${tid} ${name}`);
    pendingStart.delete(`${tid} ${name}`);
    if (startIdx === undefined || Number(resumed[2]) < 0) return;
    started = startIdx;
    fd = Number(/\((\d+)/.exec(lines[startIdx]!)![1]);
  }
  if (name !== undefined && fd !== undefined) {
    const durable = ((name === 'pwritev' || name === 'pwrite64') && dsyncFds.has(fd)) || ((name === 'fdatasync' || name === 'fsync') && segmentFds.has(fd));
    if (durable && started > lastAck) {
      durableSinceAck++;
      durableOps++;
    }
    return;
  }
  if (/^(write|writev)\(\d+, .*"HTTP\/1\.1 200/.test(call)) {
    // Only acknowledgements of publishes count: the create-topic answer is 201.
    acks++;
    if (durableSinceAck === 0) violations.push(`line ${i + 1}: acknowledgement with no completed durable write since the previous one`);
    durableSinceAck = 0;
    lastAck = i;
  }
});
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ fsync, publishes, acks, durableOps, dsyncDescriptors: dsyncFds.size, violations: violations.length }));
if (acks !== publishes) throw new Error(`found ${acks} acknowledgements in the trace for ${publishes} publishes`);
if (violations.length > 0) throw new Error(`durability violations:\n${violations.slice(0, 10).join('\n')}`);
console.log(`ok: every one of ${acks} acknowledgements follows a completed durable write of the segment (O_DSYNC pwritev or fdatasync)`);
