// Seeded fuzzing of the Kafka request decoders and of the framing layer (reliability note T7). For
// every registered API and every advertised version: valid requests where this file can build them
// and the real clients' requests of the golden fixtures (they must decode), then random and mutated bodies (bit flips, byte overwrites, inserts, deletes,
// truncations, boundary lengths) fed to api.decode on a KafkaReader. Invariants: decode never throws,
// allocates nothing larger than the frame (Buffer and Array allocations are recorded), and the values
// it returns hold no more elements than the frame's bytes can justify. The framing layer gets valid
// pipelined frames split at every point, and random frames, through a KafkaConnection on a fake socket.
// ~20k decodes in CI (a few seconds); EDDY_SOAK=1 runs 50x more. Replay with the printed EDDY_SEED.

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Broker } from '../src/broker/broker.ts';
import type { GoldenEntry } from '../scripts/kafka-recorder.ts';
import type { AnyKafkaApi, KafkaApiVersion } from '../src/kafka/api.ts';
import { KafkaConnection } from '../src/kafka/connection.ts';
import { KafkaReader } from '../src/kafka/protocol/reader.ts';
import { KafkaWriter } from '../src/kafka/protocol/writer.ts';
import { kafkaApis } from '../src/kafka/registry.ts';
import { describeSeed, Random, seedFromEnv } from '../src/testing/random.ts';

const SOAK = process.env.EDDY_SOAK === '1';
const DECODES_TOTAL = SOAK ? 1_000_000 : 20_000;
const FRAMING_CASES = SOAK ? 50_000 : 1_000;
/** Small allocations (a decoder's own scratch) are fine whatever the frame; above it, never more than the frame. */
const ALLOCATION_SLACK_BYTES = 4096;

const seed = seedFromEnv();
console.log(`kafka fuzz: ${describeSeed(seed)}`);

// ---- valid requests this file can build (bodies after the request header) ----

type Body = (w: KafkaWriter, version: number) => void;

const uuid = new Uint8Array(16).fill(7);
const seeds: Record<number, Body[]> = {
  18: [
    (w, v) => {
      if (v >= 3) w.string('librdkafka').string('2.0.2').tags();
    },
  ],
  3: [
    (w, v) => {
      w.array(['a', 'topic-b'], (t) => {
        if (v >= 10) w.uuid(uuid).nullableString(t);
        else w.string(t);
        w.tags();
      });
      if (v >= 4) w.bool(true);
      if (v >= 8 && v <= 10) w.bool(false);
      if (v >= 8) w.bool(false);
      w.tags();
    },
  ],
  19: [
    (w, v) => {
      w.array([{ name: 't', configs: [['retention.ms', '1000'], ['cleanup.policy', null]] }], (t) => {
        w.string(t.name).int32(3).int16(-1);
        w.array([{ p: 0, brokers: [0] }], (a) => {
          w.int32(a.p).array(a.brokers, (id) => w.int32(id));
          w.tags();
        });
        w.array(t.configs, ([k, val]) => {
          w.string(k!).nullableString(val ?? null);
          w.tags();
        });
        w.tags();
      });
      w.int32(5000);
      if (v >= 1) w.bool(true);
      w.tags();
    },
  ],
  20: [
    (w, v) => {
      if (v >= 6) {
        w.array(['a', null], (n) => {
          w.nullableString(n).uuid(uuid);
          w.tags();
        });
      } else w.array(['a', 'b'], (n) => w.string(n));
      w.int32(1000);
      w.tags();
    },
  ],
  21: [
    (w) => {
      w.array(['t'], (t) => {
        w.string(t);
        w.array([0, 1], (p) => {
          w.int32(p).int64(-1);
          w.tags();
        });
        w.tags();
      });
      w.int32(1000);
      w.tags();
    },
  ],
  32: [
    (w, v) => {
      w.array([2, 4], (type) => {
        w.int8(type).string(type === 2 ? 't' : '0');
        w.nullableArray(type === 2 ? ['cleanup.policy'] : null, (k) => w.string(k));
        w.tags();
      });
      if (v >= 1) w.bool(true);
      if (v >= 3) w.bool(true);
      w.tags();
    },
  ],
  33: [
    (w) => {
      w.array(['t'], (n) => {
        w.int8(2).string(n);
        w.array([['retention.ms', '1'], ['segment.ms', null]], ([k, val]) => {
          w.string(k!).nullableString(val ?? null);
          w.tags();
        });
        w.tags();
      });
      w.bool(false);
      w.tags();
    },
  ],
  37: [
    (w) => {
      w.array(['t', 'u'], (n) => {
        w.string(n).int32(4);
        w.nullableArray(n === 't' ? null : [[0]], (ids) => {
          w.array(ids, (id) => w.int32(id));
          w.tags();
        });
        w.tags();
      });
      w.int32(1000).bool(false);
      w.tags();
    },
  ],
  44: [
    (w) => {
      w.array(['t'], (n) => {
        w.int8(2).string(n);
        w.array([0, 1, 2, 3], (op) => {
          w.string('cleanup.policy').int8(op).nullableString(op === 1 ? null : 'delete');
          w.tags();
        });
        w.tags();
      });
      w.bool(true);
      w.tags();
    },
  ],
};

/** Real client requests (the golden fixtures of kcat, kafkajs and @platformatic/kafka), body only, by "key/version": valid seeds for the APIs this file has no builder for. */
function goldenBodies(): Map<string, Uint8Array[]> {
  const dir = new URL('./fixtures/kafka/clients/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as GoldenEntry[];
  const out = new Map<string, Uint8Array[]>();
  for (const e of manifest) {
    const codec = kafkaApis.find((a) => a.key === e.apiKey)?.version(e.version);
    if (!codec) continue; // the golden test reports it
    const frame = readFileSync(new URL(e.request, dir));
    const head = new KafkaReader(frame);
    head.int16();
    head.int16();
    head.int32();
    head.nullableString();
    const rest = new KafkaReader(frame, { start: frame.length - head.remaining, flexible: codec.flexible });
    rest.tags(); // request header v2
    const key = `${e.apiKey}/${e.version}`;
    out.set(key, [...(out.get(key) ?? []), Uint8Array.from(frame.subarray(frame.length - rest.remaining))]);
  }
  return out;
}
const golden = goldenBodies();

/** The module of a version the registry serves. */
function served(api: AnyKafkaApi, version: number): KafkaApiVersion<unknown, unknown> {
  const codec = api.version(version);
  assert.ok(codec, `${api.name} v${version} is served`);
  return codec;
}

function flexibleFor(api: AnyKafkaApi, version: number): boolean {
  return served(api, version).flexible;
}

function build(api: AnyKafkaApi, version: number, body: Body): Uint8Array {
  const w = new KafkaWriter(flexibleFor(api, version));
  body(w, version);
  return Uint8Array.from(w.finish());
}

// ---- allocation recording ----

let allocMax = 0;
function recordAllocations(): () => void {
  const saved = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow, concat: Buffer.concat, Array: globalThis.Array };
  const note = (n: unknown) => {
    if (typeof n === 'number' && n > allocMax) allocMax = n;
  };
  Buffer.alloc = ((size: number, ...rest: unknown[]) => (note(size), (saved.alloc as (...a: unknown[]) => Buffer)(size, ...rest))) as typeof Buffer.alloc;
  Buffer.allocUnsafe = ((size: number) => (note(size), saved.allocUnsafe(size))) as typeof Buffer.allocUnsafe;
  Buffer.allocUnsafeSlow = ((size: number) => (note(size), saved.allocUnsafeSlow(size))) as typeof Buffer.allocUnsafeSlow;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => (note(total ?? list.reduce((n, b) => n + b.length, 0)), saved.concat(list, total))) as typeof Buffer.concat;
  globalThis.Array = new Proxy(saved.Array, {
    construct(target, args: unknown[]) {
      if (args.length === 1) note(args[0]);
      return Reflect.construct(target, args);
    },
    apply(target, thisArg, args: unknown[]) {
      if (args.length === 1) note(args[0]);
      return Reflect.apply(target, thisArg, args);
    },
  });
  return () => {
    Buffer.alloc = saved.alloc;
    Buffer.allocUnsafe = saved.allocUnsafe;
    Buffer.allocUnsafeSlow = saved.allocUnsafeSlow;
    Buffer.concat = saved.concat;
    globalThis.Array = saved.Array;
  };
}

/** Arrays, objects and strings reachable from a decoded value, counted (bounded walk). */
function weight(v: unknown, seen = new Set<unknown>()): number {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? 1 + Math.ceil(v.length / 64) : 1;
  if (seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return 1;
  let n = 1;
  for (const x of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) n += weight(x, seen);
  return n;
}

// ---- mutations ----

const int32Edges = [-1, 0, 1, 2, 0x7fffffff, -0x80000000, 0x7ffffffe, 255, 65_535];
const int16Edges = [-1, -2, 0, 1, 0x7fff, -0x8000];

function mutate(rnd: Random, input: Uint8Array): Uint8Array {
  let b = Uint8Array.from(input);
  const rounds = rnd.int(1, 4);
  for (let k = 0; k < rounds; k++) {
    const at = b.length === 0 ? 0 : rnd.int(0, b.length);
    switch (rnd.int(0, 8)) {
      case 0: // bit flip
        if (b.length > 0) b[at]! ^= 1 << rnd.int(0, 8);
        break;
      case 1: // random byte
        if (b.length > 0) b[at] = rnd.int(0, 256);
        break;
      case 2: {
        // insert random bytes
        const ins = rnd.bytes(rnd.int(1, 9));
        b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 3: // delete a range
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + rnd.int(1, 9)))]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: {
        // boundary int32 (length / count)
        if (b.length >= 4) {
          const p = rnd.int(0, b.length - 3);
          const edge = rnd.bool(0.3) ? b.length - p - 4 + rnd.int(0, 2) : rnd.pick(int32Edges);
          new DataView(b.buffer, b.byteOffset).setInt32(p, edge);
        }
        break;
      }
      case 6: // boundary int16 (string length)
        if (b.length >= 2) new DataView(b.buffer, b.byteOffset).setInt16(rnd.int(0, b.length - 1), rnd.pick(int16Edges));
        break;
      default: {
        // an over-long or huge unsigned varint
        const v = rnd.pick([[0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x80, 0x80, 0x80, 0x80, 0x08], [0]]);
        b = Uint8Array.from([...b.subarray(0, at), ...v, ...b.subarray(at)]);
      }
    }
  }
  return b;
}

function decodeChecked(api: AnyKafkaApi, version: number, body: Uint8Array, label: string): boolean {
  allocMax = 0;
  const r = new KafkaReader(body, { flexible: flexibleFor(api, version) });
  let value: unknown;
  try {
    value = served(api, version).decodeRequest(r);
  } catch (e) {
    assert.fail(`${describeSeed(seed)}: ${api.name} v${version} decode threw on ${label} ${Buffer.from(body).toString('hex')}: ${(e as Error).stack}`);
  }
  r.end();
  assert.ok(allocMax <= Math.max(ALLOCATION_SLACK_BYTES, body.length), `${describeSeed(seed)}: ${api.name} v${version} allocated ${allocMax} for a ${body.length}-byte body`);
  const w = weight(value);
  assert.ok(w <= 8 * body.length + 64, `${describeSeed(seed)}: ${api.name} v${version} decoded ${w} values from ${body.length} bytes`);
  return r.ok;
}

test('every decoder, every advertised version: valid requests decode; mutated and random ones never throw or over-allocate', () => {
  const rnd = new Random(seed);
  const pairs = kafkaApis.flatMap((api) => Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => ({ api, version: api.minVersion + i })));
  const perPair = Math.max(20, Math.floor(DECODES_TOTAL / pairs.length));
  let decodes = 0;
  let rejected = 0;
  const restore = recordAllocations();
  try {
    for (const { api, version } of pairs) {
      const valid = [...(seeds[api.key] ?? []).map((s) => build(api, version, s)), ...(golden.get(`${api.key}/${version}`) ?? [])];
      for (const v of valid) assert.ok(decodeChecked(api, version, v, 'a valid request'), `${api.name} v${version} rejects a valid request`);
      const corpus = valid.length > 0 ? valid : [new Uint8Array(0)];
      for (let i = 0; i < perPair; i++) {
        const body = rnd.bool(0.8) ? mutate(rnd, rnd.pick(corpus)) : rnd.bytes(rnd.int(0, 64));
        if (!decodeChecked(api, version, body, `case ${i}`)) rejected++;
        decodes++;
      }
    }
  } finally {
    restore();
  }
  console.log(`kafka fuzz: ${decodes} decodes over ${pairs.length} API versions, ${rejected} rejected`);
  assert.ok(rejected > decodes / 10, 'the mutations reach the error paths');
});

// ---- the framing layer on a fake socket ----

class FakeSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  destroyed = false;
  remoteAddress = '127.0.0.1';
  remotePort = 1;
  setNoDelay(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  write(b: Buffer): boolean {
    this.written.push(Buffer.from(b));
    return true;
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      queueMicrotask(() => this.emit('close'));
    }
    return this;
  }
}

function connection(): { socket: FakeSocket; conn: KafkaConnection; errors: string[] } {
  const socket = new FakeSocket();
  const errors: string[] = [];
  const conn = new KafkaConnection(socket as unknown as Socket, {
    broker: {} as Broker, // handlers that reach the broker fail and close: this tests framing only
    apis: new Map(kafkaApis.map((a) => [a.key, a])),
    advertised: { nodeId: 0, host: 'localhost', port: 9092 },
    onClose() {},
    onProtocolError: (reason) => errors.push(reason),
    frameTimeoutMs: 60_000,
  });
  return { socket, conn, errors };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Three pipelined ApiVersions requests (v0, v2, flexible v3). */
function pipelined(): Buffer {
  const av = (v: number, id: number) => RawFrame(18, v, id, v >= 3, (w) => (v >= 3 ? w.string('x').string('1').tags() : w));
  return Buffer.concat([av(0, 1), av(2, 2), av(3, 3)]);
}

function RawFrame(key: number, version: number, id: number, flexible: boolean, body: (w: KafkaWriter) => unknown): Buffer {
  const w = new KafkaWriter(false);
  w.int32(0).int16(key).int16(version).int32(id).nullableString('fuzz');
  w.flexible = flexible;
  w.tags();
  body(w);
  const out = Buffer.from(w.finish());
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

test('framing: pipelined frames split at every point give the same responses, in order', async () => {
  const frames = pipelined();
  const whole = connection();
  whole.socket.emit('data', frames);
  await settle();
  const expected = Buffer.concat(whole.socket.written);
  const ids: number[] = [];
  for (let at = 0; at < expected.length; at += 4 + expected.readInt32BE(at)) ids.push(expected.readInt32BE(at + 4));
  assert.deepEqual(ids, [1, 2, 3], 'three responses, in request order');
  for (let cut = 0; cut <= frames.length; cut++) {
    const c = connection();
    c.socket.emit('data', frames.subarray(0, cut));
    c.socket.emit('data', frames.subarray(cut));
    await settle();
    assert.deepEqual(Buffer.concat(c.socket.written), expected, `split at ${cut}`);
    assert.deepEqual(c.errors, []);
  }
  const rnd = new Random(seed);
  for (let k = 0; k < 50; k++) {
    const c = connection();
    let at = 0;
    while (at < frames.length) {
      const n = rnd.int(1, 9);
      c.socket.emit('data', frames.subarray(at, at + n));
      at += n;
    }
    await settle();
    assert.deepEqual(Buffer.concat(c.socket.written), expected, `${describeSeed(seed)}: random split ${k}`);
  }
});

test('framing: random and mutated frames never throw out of the data handler', async () => {
  const rnd = new Random((seed ^ 0x5bd1e995) >>> 0);
  const base = pipelined();
  let closedCount = 0;
  for (let i = 0; i < FRAMING_CASES; i++) {
    const c = connection();
    const bytes = rnd.bool(0.7) ? mutate(rnd, base) : rnd.bytes(rnd.int(0, 80));
    const cut = rnd.int(0, bytes.length + 1);
    c.socket.emit('data', Buffer.from(bytes.subarray(0, cut)));
    c.socket.emit('data', Buffer.from(bytes.subarray(cut)));
    await new Promise((r) => setImmediate(r));
    if (c.socket.destroyed) closedCount++;
    c.conn.close(null);
  }
  assert.ok(closedCount > 0);
});
