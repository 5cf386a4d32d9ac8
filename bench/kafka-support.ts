// Shared by the Kafka benchmarks: the broker child process's CPU and memory read from /proc (its
// process.cpuUsage is not reachable from here), a raw pipelined Kafka connection that frames
// responses without decoding them, and the request encoders (Produce v7, Fetch v11) built once with
// the broker's own KafkaWriter and encodeBatch.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { encodeBatch } from '../src/log/codec/record-batch.ts';
import { KafkaWriter } from '../src/kafka/protocol/writer.ts';

// ---------------------------------------------------------------------------------------------
// /proc sampling

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of `pid` in ms (resolution 1000 / CLK_TCK, 10 ms on Linux). */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
}

/** VmRSS and VmHWM (peak RSS since start) of `pid`, in bytes. */
export function procMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Measures one phase: broker CPU (from /proc), this process's CPU, wall time, and the broker's RSS
 * sampled every 50 ms (max). stop() ends the sampling timer.
 */
export function phase(pid: number) {
  const cpu0 = procCpuMs(pid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  let maxRss = procMemory(pid).rss;
  const timer = setInterval(() => {
    try {
      maxRss = Math.max(maxRss, procMemory(pid).rss);
    } catch {
      /* the broker exited: the phase fails elsewhere */
    }
  }, 50);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const wallMs = performance.now() - t0;
      const self = process.cpuUsage(self0);
      const mem = procMemory(pid);
      return { wallMs, brokerCpuMs: procCpuMs(pid) - cpu0, clientCpuMs: (self.user + self.system) / 1000, maxRssBytes: Math.max(maxRss, mem.rss), hwmBytes: mem.hwm };
    },
  };
}

export type PhaseResult = ReturnType<ReturnType<typeof phase>['stop']>;

/** One phase's figures under a name prefix: msg/s, MB/s, broker CPU per 1 M messages and % of wall time, client CPU %. */
export function phaseFigures(name: string, p: PhaseResult, messages: number, bytes: number): Record<string, number> {
  return {
    [`${name}MsgPerSec`]: Math.round(messages / (p.wallMs / 1000)),
    [`${name}MBPerSec`]: round(bytes / 1e6 / (p.wallMs / 1000)),
    [`${name}BrokerCpuMsPer1M`]: Math.round(p.brokerCpuMs / (messages / 1e6)),
    [`${name}BrokerCpuPct`]: Math.round((100 * p.brokerCpuMs) / p.wallMs),
    [`${name}ClientCpuPct`]: Math.round((100 * p.clientCpuMs) / p.wallMs),
  };
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
export const mb = (bytes: number) => round(bytes / 1e6);

/** Rejects after `ms` so every loop is bounded in time as well as in count. */
export function deadline<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Last resort if a bench hangs (a client that never settles): kills the broker child and exits 1
 * after `ms`. Unref'd, so a bench that finishes is not kept alive by it.
 */
export function watchdog(broker: { child: { kill(signal: NodeJS.Signals): boolean } }, ms: number): void {
  setTimeout(() => {
    console.error(`bench: not finished within ${ms} ms; killing the broker`);
    broker.child.kill('SIGKILL');
    process.exit(1);
  }, ms).unref();
}

export async function createTopic(httpUrl: string, name: string, partitions: number): Promise<void> {
  const res = await fetch(`${httpUrl}/v1/topics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, partitions }) });
  if (res.status >= 300) throw new Error(`create topic ${name}: HTTP ${res.status} ${await res.text()}`);
}

// ---------------------------------------------------------------------------------------------
// Raw connection: requests written as a fresh 12-byte head (size, api key, version, correlation id)
// plus a body shared by every request (never mutated, so queued writes stay valid); responses come
// back in request order on one connection (the protocol guarantees it) and are matched FIFO, the
// correlation id checked. A response is handed over as the socket's chunks, never concatenated (an
// 8 MiB Fetch response would otherwise cost the load generator a copy and a large allocation).

export interface RequestTemplate {
  apiKey: number;
  version: number;
  /** Everything after the correlation id: client id and the request body. */
  body: Buffer;
}

/** A read-only view of `length` bytes spread over chunks; big-endian reads at any position. */
export class Frame {
  readonly #chunks: Buffer[];
  readonly #starts: number[];
  readonly #base: number;
  readonly length: number;
  readonly #scratch = Buffer.allocUnsafe(8);

  constructor(chunks: Buffer[], base = 0, starts?: number[]) {
    this.#chunks = chunks;
    if (starts) this.#starts = starts;
    else {
      this.#starts = [];
      let at = 0;
      for (const c of chunks) {
        this.#starts.push(at);
        at += c.length;
      }
    }
    this.#base = base;
    const last = chunks.length - 1;
    this.length = (last < 0 ? 0 : this.#starts[last]! + chunks[last]!.length) - base;
  }

  /** The same bytes from `offset` on. */
  from(offset: number): Frame {
    return new Frame(this.#chunks, this.#base + offset, this.#starts);
  }

  /** The chunk holding absolute position `abs`, and the position inside it. */
  #locate(abs: number): [Buffer, number] {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= abs) lo = mid;
      else hi = mid - 1;
    }
    return [this.#chunks[lo]!, abs - this.#starts[lo]!];
  }

  /** `n` bytes at `pos` as one buffer: a view when they lie in one chunk, else copied to scratch. */
  #bytes(pos: number, n: number): [Buffer, number] {
    if (pos < 0 || pos + n > this.length) throw new RangeError(`read of ${n} at ${pos} outside a frame of ${this.length}`);
    const [c, at] = this.#locate(this.#base + pos);
    if (at + n <= c.length) return [c, at];
    for (let i = 0; i < n; i++) {
      const [ci, ai] = this.#locate(this.#base + pos + i);
      this.#scratch[i] = ci[ai]!;
    }
    return [this.#scratch, 0];
  }

  int16(pos: number): number {
    const [b, at] = this.#bytes(pos, 2);
    return b.readInt16BE(at);
  }
  int32(pos: number): number {
    const [b, at] = this.#bytes(pos, 4);
    return b.readInt32BE(at);
  }
  int64(pos: number): number {
    const [b, at] = this.#bytes(pos, 8);
    return Number(b.readBigInt64BE(at));
  }
}

export class RawPipe {
  readonly socket: Socket;
  #nextId = 1;
  #waiting: { id: number; resolve(frame: Frame): void; reject(e: Error): void }[] = [];
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Size of the frame being received (its 4-byte size field excluded), or -1 until known. */
  #size = -1;
  #closed: Error | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.#onData(c));
    const fail = (e: Error) => {
      this.#closed ??= e;
      for (const w of this.#waiting) w.reject(e);
      this.#waiting = [];
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(bootstrap: string): Promise<RawPipe> {
    const i = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(bootstrap.slice(i + 1));
    return new Promise((resolve, reject) => {
      const s = connect({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => {
        s.off('error', reject);
        resolve(new RawPipe(s));
      });
      s.once('error', reject);
    });
  }

  get inFlight(): number {
    return this.#waiting.length;
  }

  /** Sends one request; resolves with the response frame after its correlation id (size and id stripped). */
  send(t: RequestTemplate): Promise<Frame> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++ & 0x7fffffff;
    const head = Buffer.allocUnsafe(12);
    head.writeInt32BE(8 + t.body.length, 0);
    head.writeInt16BE(t.apiKey, 4);
    head.writeInt16BE(t.version, 6);
    head.writeInt32BE(id, 8);
    const p = new Promise<Frame>((resolve, reject) => this.#waiting.push({ id, resolve, reject }));
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(t.body);
    this.socket.uncork();
    return p;
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#buffered >= 4) {
      if (this.#size < 0) this.#size = new Frame(this.#chunks).int32(0);
      const size = this.#size;
      if (this.#buffered < 4 + size) return; // whole frames only
      this.#size = -1;
      // Split the chunks at the frame's end (views, no copy).
      const frameChunks: Buffer[] = [];
      let need = 4 + size;
      while (need > 0) {
        const c = this.#chunks[0]!;
        if (c.length <= need) {
          frameChunks.push(c);
          this.#chunks.shift();
          need -= c.length;
        } else {
          frameChunks.push(c.subarray(0, need));
          this.#chunks[0] = c.subarray(need);
          need = 0;
        }
      }
      this.#buffered -= 4 + size;
      const frame = new Frame(frameChunks, 4);
      const w = this.#waiting.shift();
      if (!w) continue;
      const id = frame.int32(0);
      if (id !== w.id) w.reject(new Error(`response correlation id ${id}, expected ${w.id}`));
      else w.resolve(frame.from(4));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const CLIENT_ID = 'eddy-bench';

function template(apiKey: number, version: number, body: (w: KafkaWriter) => void): RequestTemplate {
  const w = new KafkaWriter(false, 1024);
  w.nullableString(CLIENT_ID);
  body(w);
  return { apiKey, version, body: Buffer.from(w.finish()) };
}

// ---------------------------------------------------------------------------------------------
// Produce v7 (non-flexible): one topic, one partition, one batch.

/** One record batch v2 of `count` records, each a null key and a `valueBytes` value. */
export function benchBatch(count: number, valueBytes: number): Uint8Array {
  const value = Buffer.alloc(valueBytes);
  for (let i = 0; i < valueBytes; i++) value[i] = 97 + (i % 26);
  return encodeBatch(
    Array.from({ length: count }, () => ({ key: null, value })),
    { timestampMs: Date.now() },
  );
}

export function produceTemplate(topic: string, partition: number, batch: Uint8Array, acks = -1): RequestTemplate {
  return template(0, 7, (w) => {
    w.nullableString(null).int16(acks).int32(30_000);
    w.array([topic], (t) => {
      w.string(t);
      w.array([partition], (p) => w.int32(p).nullableBytes(batch));
    });
  });
}

/** Visits each partition entry (`entryBytes` each) of a non-flexible response's topics array at `pos`. */
function forEachPartition(body: Frame, pos: number, entryBytes: number, visit: (at: number) => void): void {
  const topics = body.int32(pos);
  pos += 4;
  for (let t = 0; t < topics; t++) {
    pos += 2 + body.int16(pos);
    const parts = body.int32(pos);
    pos += 4;
    for (let p = 0; p < parts; p++, pos += entryBytes) visit(pos);
  }
}

/** Error codes of a Produce v7 response (every partition of every topic), and the first partition's base offset. */
export function produceResult(body: Frame): { errors: number[]; baseOffset: number } {
  const errors: number[] = [];
  let baseOffset = -1;
  // index, error, base_offset, log_append_time, log_start_offset
  forEachPartition(body, 0, 4 + 2 + 8 + 8 + 8, (at) => {
    errors.push(body.int16(at + 4));
    if (baseOffset < 0) baseOffset = body.int64(at + 6);
  });
  return { errors, baseOffset };
}

// ---------------------------------------------------------------------------------------------
// Fetch v11 (non-flexible), counting records from batch headers without decoding them.

export function fetchTemplate(topic: string, partitions: { partition: number; offset: number }[], maxBytes: number, partitionMaxBytes: number): RequestTemplate {
  return template(1, 11, (w) => {
    w.int32(-1).int32(0).int32(1).int32(maxBytes).int8(0).int32(0).int32(-1);
    w.array([topic], (t) => {
      w.string(t);
      w.array(partitions, (p) => w.int32(p.partition).int32(-1).int64(p.offset).int64(-1).int32(partitionMaxBytes));
    });
    w.array([], () => {});
    w.string('');
  });
}

/**
 * OffsetCommit v2 (non-flexible) for a group that only stores offsets (generation -1, no member id,
 * as Kafka allows for a group without members): one topic, the given partitions.
 */
export function offsetCommitTemplate(group: string, topic: string, offsets: { partition: number; offset: number }[]): RequestTemplate {
  return template(8, 2, (w) => {
    w.string(group).int32(-1).string('').int64(-1);
    w.array([topic], (t) => {
      w.string(t);
      w.array(offsets, (o) => w.int32(o.partition).int64(o.offset).nullableString(null));
    });
  });
}

/** Error codes of an OffsetCommit v2 response (every partition of every topic). */
export function offsetCommitErrors(body: Frame): number[] {
  const errors: number[] = [];
  forEachPartition(body, 0, 4 + 2, (at) => errors.push(body.int16(at + 4))); // index, error
  return errors;
}

export interface FetchedSummary {
  partition: number;
  error: number;
  highWatermark: number;
  /** Offset after the last whole batch returned (the next fetch offset), or -1 when none. */
  nextOffset: number;
  records: number;
  bytes: number;
}

/** Walks a Fetch v11 response: per partition, whole batches counted by recordCount (byte 57). */
export function fetchSummary(body: Frame): FetchedSummary[] {
  const out: FetchedSummary[] = [];
  let pos = 4 + 2 + 4; // throttle, error, session id
  const topics = body.int32(pos);
  pos += 4;
  for (let t = 0; t < topics; t++) {
    pos += 2 + body.int16(pos);
    const parts = body.int32(pos);
    pos += 4;
    for (let p = 0; p < parts; p++) {
      const partition = body.int32(pos);
      const error = body.int16(pos + 4);
      const highWatermark = body.int64(pos + 6);
      pos += 4 + 2 + 8 + 8 + 8;
      const aborted = body.int32(pos);
      pos += 4 + Math.max(0, aborted) * 16 + 4; // aborted transactions, preferred read replica
      const size = body.int32(pos);
      pos += 4;
      const end = pos + Math.max(0, size);
      let records = 0;
      let nextOffset = -1;
      let b = pos;
      while (b + 61 <= end) {
        const total = body.int32(b + 8) + 12;
        if (b + total > end) break; // a partial batch at the end is not counted
        records += body.int32(b + 57);
        nextOffset = body.int64(b) + body.int32(b + 23) + 1;
        b += total;
      }
      out.push({ partition, error, highWatermark, nextOffset, records, bytes: b - pos });
      pos = end;
    }
  }
  return out;
}
