// The workloads of `npm run bench:peers`, written once against PeerClient and run in a client
// process (client.ts) so the client's CPU is its own. Each returns plain figures; the harness adds
// the server's CPU and RSS, sampled from /proc around the client process.

import type { PeerClient } from './types.ts';
import { latencyWarmupSeconds } from '../warmup.ts';

export type Workload =
  | { kind: 'publish'; stream: string; groups: string[]; size: number; count: number; window: number }
  | { kind: 'consume'; stream: string; group: string; count: number }
  | { kind: 'latency'; stream: string; size: number; rate: number; seconds: number };

export interface WorkloadResult {
  events: number;
  bytes: number;
  /** Wall-clock bounds of the timed part, in ms since the epoch (comparable across processes). */
  startedAt: number;
  endedAt: number;
  clientCpuMs: number;
  /** consume: ms from the consume() call to the first event (group join, first fetch). */
  attachMs?: number;
  /** Send → receive; ackP50/ackP99: send → publish acknowledged. */
  latency?: { p50: number; p99: number; p999: number; max: number; samples: number; ackP50: number; ackP99: number };
}

/** Every phase is bounded in time: at least 2,000 events/s, plus 60 s. */
export const phaseLimitMs = (events: number) => 60_000 + events / 2;

const now = () => performance.timeOrigin + performance.now();

export async function run(client: PeerClient, w: Workload): Promise<WorkloadResult> {
  switch (w.kind) {
    case 'publish':
      return publish(client, w);
    case 'consume':
      return consume(client, w);
    case 'latency':
      return latency(client, w);
  }
}

export function payloadOf(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = 97 + (i % 26);
  return b;
}

async function publish(client: PeerClient, w: Extract<Workload, { kind: 'publish' }>): Promise<WorkloadResult> {
  await client.create(w.stream, w.groups);
  const payload = payloadOf(w.size);
  const cpu0 = process.cpuUsage();
  const startedAt = now();
  await within('publish', phaseLimitMs(w.count), client.publish(w.stream, payload, w.count, w.window));
  const endedAt = now();
  return { events: w.count, bytes: w.count * w.size, startedAt, endedAt, clientCpuMs: cpuMs(cpu0) };
}

async function consume(client: PeerClient, w: Extract<Workload, { kind: 'consume' }>): Promise<WorkloadResult> {
  let n = 0;
  let bytes = 0;
  let first = 0;
  let cpu0 = process.cpuUsage();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const called = now();
  const sub = await client.consume(w.stream, w.group, (payload) => {
    if (n === 0) {
      first = now();
      cpu0 = process.cpuUsage();
    }
    n++;
    bytes += payload.length;
    if (n === w.count) done();
  });
  try {
    await within(() => `consume (${n} of ${w.count} read)`, phaseLimitMs(w.count), finished);
  } finally {
    await sub.close();
  }
  const endedAt = now();
  return { events: n, bytes, startedAt: first, endedAt, clientCpuMs: cpuMs(cpu0), attachMs: first - called };
}

/**
 * Events of `size` bytes at a fixed `rate` for `seconds`, consumer live in the same process. Each
 * payload carries its send time (float64 at byte 0) and a flag (byte 8: 1 = measured, 0 = warm-up).
 * Sends are issued on a 1 ms tick without waiting for acks (at most 10,000 outstanding). The
 * warm-up of bench/warmup.ts at the same rate, received in full, warms up every part (JIT,
 * connections, buffers, the machine) first.
 */
async function latency(client: PeerClient, w: Extract<Workload, { kind: 'latency' }>): Promise<WorkloadResult> {
  await client.create(w.stream, ['latency']);
  const total = w.rate * w.seconds;
  const warmups = w.rate * latencyWarmupSeconds;
  const samples = new Float64Array(total);
  let measured = 0;
  let warm = 0;
  let onWarm: (() => void) | null = null;
  let onAll: (() => void) | null = null;
  const sub = await client.consume(w.stream, 'latency', (p) => {
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    if (p[8] === 1) {
      samples[measured++] = performance.now() - view.getFloat64(0, true);
      if (measured === total) onAll?.();
    } else if (++warm === warmups) onWarm?.();
  });
  const template = payloadOf(Math.max(16, w.size));
  const stamped = (flag: number) => {
    const p = template.slice();
    new DataView(p.buffer).setFloat64(0, performance.now(), true);
    p[8] = flag;
    return p;
  };
  let failure: unknown = null;
  let outstanding = 0;
  const acks = new Float64Array(total);
  let acked = 0;
  const sendOne = (flag: number) => {
    outstanding++;
    const t = performance.now();
    client.send(w.stream, stamped(flag)).then(
      () => {
        outstanding--;
        if (flag === 1 && acked < total) acks[acked++] = performance.now() - t;
      },
      (err: unknown) => (failure ??= err),
    );
  };
  try {
    // Sends `count` events flagged `flag` at the rate.
    const paced = async (count: number, flag: number) => {
      const t0 = performance.now();
      let sent = 0;
      while (sent < count) {
        if (failure) throw failure;
        if (outstanding > 10_000) throw new Error('latency: more than 10,000 sends outstanding');
        const due = Math.min(count, Math.floor(((performance.now() - t0) * w.rate) / 1000) + 1);
        while (sent < due) {
          sendOne(flag);
          sent++;
        }
        await sleep(1);
      }
    };
    const warmed = new Promise<void>((resolve) => (onWarm = resolve));
    await paced(warmups, 0);
    await within('latency warm-up', 60_000, warmed);
    const all = new Promise<void>((resolve) => (onAll = resolve));
    const cpu0 = process.cpuUsage();
    const startedAt = now();
    await paced(total, 1);
    await within(() => `latency (${measured} of ${total} received)`, 60_000, all);
    const endedAt = now();
    const sorted = samples.slice(0, measured).sort();
    const q = (f: number) => round3(sorted[Math.min(measured - 1, Math.floor(f * measured))]!);
    const ackSorted = acks.slice(0, acked).sort();
    const qa = (f: number) => round3(ackSorted[Math.min(acked - 1, Math.floor(f * acked))] ?? NaN);
    return {
      events: measured,
      bytes: measured * w.size,
      startedAt,
      endedAt,
      clientCpuMs: cpuMs(cpu0),
      latency: { p50: q(0.5), p99: q(0.99), p999: q(0.999), max: round3(sorted[measured - 1]!), samples: measured, ackP50: qa(0.5), ackP99: qa(0.99) },
    };
  } finally {
    await sub.close();
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

export function within<T>(what: string | (() => string), ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${typeof what === 'string' ? what : what()}: not done within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
