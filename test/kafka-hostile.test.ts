// Hostile input on the Kafka port over real sockets (reliability note T7): bad frame sizes, truncated
// headers, unknown APIs and versions, huge array counts, over-long varints, TLS and HTTP spoken to the
// port, partial frames on many connections, slow-loris and idle connections. Each case must close
// that connection alone (or answer, for ApiVersions), for the reason expected, while a bystander
// connection keeps working and a fresh client still gets ApiVersions + Metadata. No sleeps: the tests
// wait for 'close' events and for the server's own counters.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { kafkaLimits } from '../src/kafka/protocol/limits.ts';
import { KafkaWriter } from '../src/kafka/protocol/writer.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { RawKafka } from './support/kafka-raw.ts';

const FRAME_TIMEOUT_MS = 150;
const IDLE_TIMEOUT_MS = 300;
const MiB = 1024 * 1024;

let b: RunningBroker;
let cleanup: () => Promise<void>;
let bystander: RawKafka;
const reasons: string[] = [];

before(async () => {
  const tmp = await tempDir();
  cleanup = tmp.cleanup;
  b = await startBroker({
    dataDir: tmp.dir,
    http: { port: 0 },
    kafka: { port: 0, frameTimeoutMs: FRAME_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS * 100, onProtocolError: (reason) => reasons.push(reason) },
    freeBytesFloor: 0,
  });
  await b.broker.createTopic('alive');
  bystander = await RawKafka.connect(b.kafka!.port);
});

after(async () => {
  bystander.close();
  await b.close();
  await cleanup();
});

function port(): number {
  return b.kafka!.port;
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: port(), host: '127.0.0.1' }, () => {
      s.off('error', reject);
      s.on('error', () => {}); // resets after the server closes are expected
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** The first response frame's payload (correlation id first) on `s`. */
function onePayload(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        s.off('data', onData);
        resolve(got.subarray(4, 4 + got.readInt32BE(0)));
      }
    };
    s.on('data', onData);
    s.once('close', () => reject(new Error('closed before a response')));
  });
}

function closed(s: Socket): Promise<void> {
  return new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
}

/** Yields to the event loop until `cond` holds (bounded: a stuck condition fails, it never hangs). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), `never happened: ${what}`);
}

function header(apiKey: number, version: number, body: (w: KafkaWriter) => void, flexible = false): Buffer {
  return RawKafka.frame(apiKey, version, 7, flexible, body);
}

function sizePrefix(size: number, rest: Uint8Array = new Uint8Array(0)): Buffer {
  const b4 = Buffer.alloc(4);
  b4.writeUInt32BE(size >>> 0);
  return Buffer.concat([b4, rest]);
}

/** ApiVersions v2 + Metadata v1 on a fresh connection and one Metadata on the bystander. */
async function stillServes(): Promise<void> {
  const c = await RawKafka.connect(port());
  try {
    const av = await c.request(18, 2, () => {});
    assert.equal(av.int16(), 0);
    assert.ok(av.array(() => [av.int16(), av.int16(), av.int16()], 6).length > 5);
    const md = await c.request(3, 1, (w) => w.array(['alive'], (t) => w.string(t)));
    md.array(() => [md.int32(), md.string(), md.int32(), md.nullableString()]);
    md.int32();
    const [topic] = md.array(() => {
      const t = { error: md.int16(), name: md.string(), internal: md.bool(), partitions: md.array(() => [md.int16(), md.int32(), md.int32(), md.array(() => md.int32()), md.array(() => md.int32())]) };
      return t;
    });
    assert.deepEqual([topic!.error, topic!.name], [0, 'alive']);
  } finally {
    c.close();
  }
  const m = await bystander.request(3, 1, (w) => w.array(['alive'], (t) => w.string(t)));
  assert.ok(m.remaining > 0);
  assert.equal(bystander.closed, false);
}

/** Sends `bytes` on a fresh connection, expects the server to close it for `reason`. */
async function expectClosed(bytes: Uint8Array, reason: RegExp): Promise<void> {
  const seen = reasons.length;
  const s = await open();
  s.write(bytes);
  await closed(s);
  await until(() => reasons.length > seen, 'the protocol error is reported');
  assert.match(reasons.slice(seen).join('\n'), reason);
  await stillServes();
}

test('frame sizes: negative, zero, INT32_MAX, frameBytesMax + 1 and 90 MiB close the connection', async () => {
  for (const size of [0x80000000, 0xffffffff, 0, 0x7fffffff, kafkaLimits.frameBytesMax + 1, 90 * MiB]) {
    await expectClosed(sizePrefix(size, Buffer.from('0123456789')), /frame size/);
  }
});

test('frames too short for a request header, or with a truncated / negative client id, close', async () => {
  await expectClosed(sizePrefix(3, Buffer.from([0, 18, 0])), /malformed request header/);
  const head = Buffer.alloc(8);
  head.writeInt16BE(18, 0); // ApiVersions
  head.writeInt16BE(0, 2);
  head.writeInt32BE(1, 4);
  await expectClosed(sizePrefix(8, head), /malformed request header/);
  for (const clientIdLength of [10, -2, 0x7fff]) {
    const len = Buffer.alloc(2);
    len.writeInt16BE(clientIdLength);
    await expectClosed(sizePrefix(12, Buffer.concat([head, len, Buffer.from('ab')])), /malformed request header/);
  }
});

test('unknown API keys and unsupported versions close; ApiVersions answers UNSUPPORTED_VERSION with its ranges', async () => {
  await expectClosed(header(9999, 0, () => {}), /unknown API key 9999/);
  await expectClosed(header(-1, 0, () => {}), /unknown API key -1/);
  await expectClosed(header(3, 99, () => {}), /Metadata v99 is not supported/);
  await expectClosed(header(19, -1, () => {}), /CreateTopics v-1 is not supported/);
  await expectClosed(header(24, 0, () => {}), /unknown API key 24/); // transactions are not advertised

  const c = await RawKafka.connect(port());
  try {
    // librdkafka's path: a too-new ApiVersions gets error 35 in the v0 layout, then v0 on the same connection.
    const tooNew = await c.request(18, 9, () => {});
    assert.equal(tooNew.int16(), 35);
    const ranges = tooNew.array(() => ({ key: tooNew.int16(), min: tooNew.int16(), max: tooNew.int16() }), 6);
    tooNew.end();
    assert.ok(tooNew.ok);
    assert.deepEqual(ranges.find((r) => r.key === 18), { key: 18, min: 0, max: 3 });
    assert.deepEqual(ranges.find((r) => r.key === 19), { key: 19, min: 0, max: 7 });
    const v0 = await c.request(18, 0, () => {});
    assert.equal(v0.int16(), 0);
    assert.equal(c.closed, false);
  } finally {
    c.close();
  }
  // librdkafka's first request: ApiVersions v3, flexible request header v2, response header v0 (KIP-511).
  const s = await open();
  const reply = onePayload(s);
  s.write(
    RawKafka.frame(18, 3, 41, true, (w) => {
      w.string('librdkafka').string('2.0.2');
      w.tags();
    }),
  );
  const body = await reply;
  assert.equal(body.readInt32BE(0), 41);
  assert.equal(body.readInt16BE(4), 0, 'error_code right after the v0 header');
  s.destroy();
  await stillServes();
});

test('array counts of INT32_MAX in a 20-byte body close without allocating', async () => {
  const huge = (w: KafkaWriter) => {
    w.int32(0x7fffffff);
    w.raw(new Uint8Array(16).fill(0x41));
  };
  await expectClosed(header(3, 1, huge), /malformed Metadata v1 request: array of 2147483647/); // topics
  await expectClosed(header(19, 3, huge), /malformed CreateTopics v3 request: array of 2147483647/);
  await expectClosed(header(20, 1, huge), /malformed DeleteTopics v1 request: array of 2147483647/);
  await expectClosed(header(21, 1, huge), /malformed DeleteRecords v1 request: array of 2147483647/);
  await expectClosed(header(32, 2, huge), /malformed DescribeConfigs v2 request: array of 2147483647/);
  // Nested: one topic whose partitions count is INT32_MAX.
  await expectClosed(
    header(21, 1, (w) => {
      w.int32(1).string('alive').int32(0x7fffffff);
      w.raw(new Uint8Array(16));
    }),
    /array of 2147483647/,
  );
  // A count of -2 is not a second null.
  await expectClosed(header(33, 1, (w) => w.int32(-2).bool(false)), /length -2 is negative/);
});

test('over-long varints, huge compact lengths and 2^31 tagged fields in flexible requests close', async () => {
  const tooLong = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  await expectClosed(header(19, 5, (w) => w.raw(tooLong).raw(new Uint8Array(10)), true), /varint/);
  await expectClosed(header(44, 1, (w) => w.unsignedVarint(0xffffffff).raw(new Uint8Array(10)), true), /array of/);
  // Tag buffer count 2^31 in the request header.
  const w = new KafkaWriter(false);
  w.int32(0).int16(19).int16(5).int32(1).nullableString('x').unsignedVarint(2 ** 31);
  const frame = w.finish();
  frame.writeInt32BE(frame.length - 4, 0);
  await expectClosed(frame, /tagged fields/);
  // A compact string of length 2^32 - 2 with 3 bytes behind it.
  await expectClosed(header(32, 4, (wr) => wr.unsignedVarint(2).int8(2).unsignedVarint(0xffffffff).raw(Buffer.from('abc')), true), /string of|truncated/);
});

test('a TLS ClientHello and an HTTP request on the Kafka port close at once (KIP-498)', async () => {
  const clientHello = Buffer.from('16030100f5010000f10303', 'hex');
  await expectClosed(Buffer.concat([clientHello, Buffer.alloc(64, 0x2a)]), /frame size 369295616/);
  await expectClosed(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), /frame size 1195725856/);
  await expectClosed(Buffer.from('POST /topics/alive/records HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}'), /frame size/);
});

test('partial frames on many connections cost what arrived, not what they declare', async () => {
  const connections = 40;
  const declared = kafkaLimits.frameBytesMax - 1;
  globalThis.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  const bufferedBefore = b.kafka!.bufferedBytes();
  // Every connection open first, then every partial frame written in one go: their frame timers
  // (150 ms from each one's first byte) start in the same turn of the server's loop, however long
  // the connects took.
  const sockets = await Promise.all(Array.from({ length: connections }, () => open()));
  for (const s of sockets) s.write(sizePrefix(declared, Buffer.from('0123456789')));
  await until(() => b.kafka!.bufferedBytes() - bufferedBefore === connections * 14, 'every partial frame buffered');
  const grown = process.memoryUsage().arrayBuffers - before;
  // Allocating the declared size would be 40 x 32 MiB = 1.25 GiB.
  assert.ok(grown < 16 * MiB, `arrayBuffers grew by ${grown} bytes for ${connections} partial frames declaring ${declared} bytes each`);
  await stillServes();
  // The frame timeout closes them all (slow-loris guard), releasing what they held.
  await Promise.all(sockets.map(closed));
  assert.equal(b.kafka!.bufferedBytes(), bufferedBefore);
});

test('slow-loris: a frame trickled one byte at a time is closed after the frame timeout', async () => {
  const seen = reasons.length;
  const s = await open();
  let isClosed = false;
  s.once('close', () => (isClosed = true));
  const frame = sizePrefix(MiB, Buffer.alloc(MiB, 1)); // never completes at one byte per turn
  let sent = 0;
  const start = b.kafka!.bufferedBytes();
  while (!isClosed && sent < frame.length) {
    s.write(frame.subarray(sent, sent + 1));
    sent++;
    const want = sent;
    await until(() => isClosed || b.kafka!.bufferedBytes() - start >= want, 'the byte arrives or the server closes');
  }
  await closed(s);
  assert.ok(sent < frame.length, 'closed before the frame completed');
  assert.match(reasons.slice(seen).join('\n'), /frame not completed in time/);
  await stillServes();
});

test('a size field trickled one byte at a time is slow-loris too', async () => {
  const seen = reasons.length;
  const s = await open();
  s.write(Buffer.from([0, 0]));
  await closed(s);
  assert.match(reasons.slice(seen).join('\n'), /frame not completed in time/);
  await stillServes();
});

test('idle connections are closed after the idle timeout; others are unaffected', async (t) => {
  const tmp = await tempDir();
  const idle = await startBroker({ dataDir: tmp.dir, http: { port: 0 }, kafka: { port: 0, idleTimeoutMs: IDLE_TIMEOUT_MS }, freeBytesFloor: 0 });
  t.after(async () => {
    await idle.close();
    await tmp.cleanup();
  });
  // Connected at once, so all 20 are open before the first one's idle timer (300 ms) fires.
  const sockets = await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect({ port: idle.kafka!.port, host: '127.0.0.1' }, () => resolve(s));
          s.on('error', () => {});
        }),
    ),
  );
  await until(() => idle.kafka!.connections() === 20, 'the server accepted them');
  await Promise.all(sockets.map(closed));
  assert.equal(idle.kafka!.connections(), 0);
  const c = await RawKafka.connect(idle.kafka!.port);
  const av = await c.request(18, 2, () => {});
  assert.equal(av.int16(), 0);
  c.close();
  await stillServes();
});
