// Fetch and Produce over a raw socket, at exact versions and bytes: long-poll wake-up on append,
// min_bytes, max_bytes / partition_max_bytes with KIP-74's one-batch minimum, OFFSET_OUT_OF_RANGE,
// duplicate topic entries, and malformed batches (bad CRC, bad magic, wrong record count, a record
// that overruns, a compression bomb, too large, control/transactional) each refused with its
// per-partition error while the broker keeps serving on the same connection.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test, type TestContext } from 'node:test';
import { crc32c } from '../src/log/codec/crc32c.ts';
import { decodeRecords, encodeBatch, validateBatch } from '../src/log/codec/record-batch.ts';
import type { PartitionLog } from '../src/log/partition-log.ts';
import { startBroker, type RunningBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { batchBaseOffsets, fetchRaw, produceRaw } from './support/kafka-data-requests.ts';
import { RawKafka } from './support/kafka-raw.ts';

async function setup(t: TestContext): Promise<{ b: RunningBroker; c: RawKafka }> {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  const c = await RawKafka.connect(b.kafka!.port);
  t.after(async () => {
    c.close();
    await b.close();
    await cleanup();
  });
  return { b, c };
}

function batch(values: string[], opts: { producerId?: number; producerEpoch?: number; baseSequence?: number } = {}): Uint8Array {
  return encodeBatch(
    values.map((v) => ({ key: null, value: Buffer.from(v) })),
    { timestampMs: Date.now(), ...opts },
  );
}

function fixCrc(b: Uint8Array): Uint8Array {
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).writeUInt32BE(crc32c(b, 21, b.length), 17);
  return b;
}

/** Resolves once a long poll is parked on `log` (so the append that follows really wakes it). */
function nextWait(log: PartitionLog): Promise<void> {
  const original = log.onAdvance.bind(log);
  return new Promise((resolve) => {
    log.onAdvance = (offset, wake) => {
      log.onAdvance = original;
      const cancel = original(offset, wake);
      resolve();
      return cancel;
    };
  });
}

test('a long-polling Fetch wakes on append; min_bytes holds it until enough bytes are there', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('lp', { partitions: 1 });
  const log = b.broker.partitionLog('lp', 0);

  let parked = nextWait(log);
  const started = Date.now();
  const pending = fetchRaw(c, { maxWaitMs: 30_000, minBytes: 1, topics: [{ name: 'lp', partitions: [{ partition: 0, offset: 0 }] }] });
  await parked;
  await b.broker.produce('lp', 0, batch(['first']));
  const [woke] = await pending;
  assert.ok(Date.now() - started < 25_000, 'answered on append, not at max_wait');
  assert.equal(woke!.error, 0);
  assert.equal(woke!.highWatermark, 1);
  assert.equal(woke!.lastStableOffset, 1);
  assert.deepEqual(batchBaseOffsets(woke!.records), [0]);
  const firstBytes = woke!.records.length;

  // min_bytes above what is there: the first append is not enough, the second is.
  parked = nextWait(log);
  const held = fetchRaw(c, { maxWaitMs: 30_000, minBytes: firstBytes + 1, topics: [{ name: 'lp', partitions: [{ partition: 0, offset: 0 }] }] });
  await parked;
  await b.broker.produce('lp', 0, batch(['second']));
  const [enough] = await held;
  assert.deepEqual(batchBaseOffsets(enough!.records), [0, 1]);

  // Nothing arrives: the answer comes at max_wait, empty, with the high watermark.
  const [timedOut] = await fetchRaw(c, { maxWaitMs: 30, minBytes: 1, topics: [{ name: 'lp', partitions: [{ partition: 0, offset: 2 }] }] });
  assert.equal(timedOut!.error, 0);
  assert.equal(timedOut!.records.length, 0);
  assert.equal(timedOut!.highWatermark, 2);
});

test('max_bytes and partition_max_bytes limit the answer to whole batches, but the first partition with data gets one (KIP-74)', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('mb', { partitions: 3 });
  const value = 'x'.repeat(1000);
  for (let p = 0; p < 3; p++) for (let i = 0; i < 3; i++) await b.broker.produce('mb', p, batch([value]));
  const size = batch([value]).length;
  const all = [0, 1, 2].map((partition) => ({ partition, offset: 0 }));

  const two = await fetchRaw(c, { maxBytes: 2 * size + 10, topics: [{ name: 'mb', partitions: all }] });
  assert.deepEqual(two.map((p) => batchBaseOffsets(p.records)), [[0, 1], [], []]);
  assert.deepEqual(two.map((p) => p.highWatermark), [3, 3, 3]);

  const tiny = await fetchRaw(c, { maxBytes: 10, topics: [{ name: 'mb', partitions: all }] });
  assert.deepEqual(tiny.map((p) => batchBaseOffsets(p.records)), [[0], [], []]);

  const perPartition = await fetchRaw(c, { topics: [{ name: 'mb', partitions: all.map((p) => ({ ...p, maxBytes: size + 10 })) }] });
  assert.deepEqual(perPartition.map((p) => batchBaseOffsets(p.records)), [[0], [0], [0]]);

  const tinyPerPartition = await fetchRaw(c, { topics: [{ name: 'mb', partitions: all.map((p) => ({ ...p, offset: 1, maxBytes: 10 })) }] });
  assert.deepEqual(tinyPerPartition.map((p) => batchBaseOffsets(p.records)), [[1], [], []]);
});

test('offsets outside [log start, high watermark] are OFFSET_OUT_OF_RANGE; unknown topics and partitions are answered; duplicate entries each answered', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('oor', { partitions: 1 });
  await b.broker.produce('oor', 0, batch(['a', 'b']));
  const r = await fetchRaw(c, {
    maxWaitMs: 5000,
    topics: [
      { name: 'oor', partitions: [{ partition: 0, offset: 3 }] },
      { name: 'oor', partitions: [{ partition: 0, offset: 1 }, { partition: 7, offset: 0 }] },
      { name: 'nope', partitions: [{ partition: 0, offset: 0 }] },
    ],
  });
  assert.deepEqual(
    r.map((p) => [p.topic, p.partition, p.error]),
    [
      ['oor', 0, 1],
      ['oor', 0, 0],
      ['oor', 7, 3],
      ['nope', 0, 3],
    ],
  );
  assert.equal(r[0]!.highWatermark, 2);
  // The batch holding offset 1 starts at 0: clients skip the records before the offset they asked for.
  assert.deepEqual(batchBaseOffsets(r[1]!.records), [0]);
  // v12 (flexible) answers the same.
  const [flex] = await fetchRaw(c, { version: 12, topics: [{ name: 'oor', partitions: [{ partition: 0, offset: 0 }] }] });
  assert.equal(flex!.error, 0);
  assert.deepEqual(batchBaseOffsets(flex!.records), [0]);
});

test('malformed batches get per-partition errors and the broker keeps serving', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('bad', { partitions: 1, config: { 'max.message.bytes': 4096 } });
  const send = async (records: Uint8Array | null, extra: { acks?: number; transactionalId?: string } = {}) => {
    const [p] = await produceRaw(c, { topic: 'bad', partitions: [{ index: 0, records }], ...extra });
    return p!;
  };
  const badCrc = batch(['crc']);
  badCrc[badCrc.length - 1]! ^= 0xff;
  assert.equal((await send(badCrc)).error, 2, 'bad CRC: CORRUPT_MESSAGE');

  const badMagic = batch(['magic']);
  badMagic[16] = 1;
  assert.equal((await send(badMagic)).error, 2, 'bad magic: CORRUPT_MESSAGE');

  const count = batch(['one', 'two']);
  const view = Buffer.from(count.buffer, count.byteOffset, count.byteLength);
  view.writeInt32BE(2, 23); // lastOffsetDelta
  view.writeInt32BE(3, 57); // recordCount: the payload holds 2
  const counted = await send(fixCrc(count));
  assert.equal(counted.error, 2, 'wrong record count: CORRUPT_MESSAGE');
  assert.match(counted.errorMessage ?? '', /record/);

  const overrun = batch(['overrun']);
  overrun[61] = 0x7e; // first record's length (zigzag 63) runs past the batch
  assert.equal((await send(fixCrc(overrun))).error, 2, 'record overrun: CORRUPT_MESSAGE');

  const bomb = Buffer.from(batch(['bomb']));
  const payload = gzipSync(Buffer.alloc(80 * 1024 * 1024), { level: 1 });
  const bombBatch = Buffer.concat([bomb.subarray(0, 61), payload]);
  bombBatch.writeInt32BE(bombBatch.length - 12, 8);
  bombBatch.writeInt16BE(1, 21); // gzip
  const bombed = await send(fixCrc(bombBatch));
  assert.equal(bombed.error, 2, 'compression bomb: CORRUPT_MESSAGE');
  assert.match(bombed.errorMessage ?? '', /inflates past/);

  assert.equal((await send(batch(['y'.repeat(5000)]))).error, 10, 'above max.message.bytes: MESSAGE_TOO_LARGE');
  assert.equal((await send(encodeBatch([{ key: null, value: null }], { timestampMs: 0, isControl: true }))).error, 87, 'control batch: INVALID_RECORD');
  assert.equal((await send(encodeBatch([{ key: null, value: null }], { timestampMs: 0, isTransactional: true, producerId: 1, producerEpoch: 0, baseSequence: 0 }))).error, 87);
  assert.equal((await send(Buffer.concat([batch(['two']), batch(['batches'])]))).error, 2, 'two batches in one partition');
  assert.equal((await send(null)).error, 87, 'no records');
  assert.equal((await send(batch(['txn']), { transactionalId: 'tx-1' })).error, 53, 'transactional_id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  assert.equal((await send(batch(['acks']), { acks: 2 })).error, 21, 'acks 2: INVALID_REQUIRED_ACKS');
  assert.equal(b.broker.partitionLog('bad', 0).highWatermark, 0, 'nothing refused was stored');

  const good = await send(batch(['fine']));
  assert.equal(good.error, 0);
  assert.equal(good.baseOffset, 0);
  assert.equal(good.logStartOffset, 0);
  const flexible = await produceRaw(c, { version: 9, topic: 'bad', partitions: [{ index: 0, records: batch(['flex']) }, { index: 5, records: batch(['nope']) }] });
  assert.deepEqual(flexible.map((p) => [p.index, p.error, p.baseOffset]), [[0, 0, 1], [5, 3, -1]]);
  assert.equal(c.closed, false);
});

test('snappy, lz4 and zstd batches are validated by record count and readable over HTTP', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('z', { partitions: 1 });
  let expected = 0;
  for (const compression of [2, 3, 4]) {
    const records = Array.from({ length: 20 }, (_, i) => ({ key: null, value: Buffer.from(JSON.stringify({ compression, i, pad: 'p'.repeat(100) })) }));
    const good = encodeBatch(records, { timestampMs: Date.now(), compression });
    const [ok] = await produceRaw(c, { topic: 'z', partitions: [{ index: 0, records: good }] });
    assert.deepEqual([ok!.error, ok!.baseOffset], [0, expected], `codec ${compression}`);
    expected += 20;
    const wrong = Buffer.from(encodeBatch(records, { timestampMs: Date.now(), compression }));
    wrong.writeInt32BE(20, 23);
    wrong.writeInt32BE(21, 57); // says 21 records, the compressed payload holds 20
    const [refused] = await produceRaw(c, { topic: 'z', partitions: [{ index: 0, records: fixCrc(wrong) }] });
    assert.equal(refused!.error, 2, `codec ${compression}: wrong record count`);
  }
  const res = await fetch(`${b.http.url}/v1/topics/z/partitions/0/events?offset=earliest&limit=100`);
  const body = (await res.json()) as { events: { offset: number; value: { compression: number; i: number } }[] };
  assert.equal(body.events.length, 60);
  assert.deepEqual(body.events[45]!.value, { compression: 4, i: 5, pad: 'p'.repeat(100) });
});

test('ListOffsets v1 and v7 (flexible): earliest, latest, by timestamp, none that recent, max timestamp unsupported', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('lo', { partitions: 1 });
  await b.broker.produce('lo', 0, encodeBatch([1000, 2000, 3000].map((ts) => ({ key: null, value: Buffer.from('v'), timestampMs: ts })), { timestampMs: 1000 }));
  const ask = async (version: number, timestamps: number[]) => {
    const flexible = version >= 6;
    const r = await c.request(
      2,
      version,
      (w) => {
        w.int32(-1);
        if (version >= 2) w.int8(1);
        w.array(['lo'], (name) => {
          w.string(name);
          w.array(timestamps, (ts) => {
            w.int32(0);
            if (version >= 4) w.int32(-1);
            w.int64(ts);
            w.tags();
          });
          w.tags();
        });
        w.tags();
      },
      { flexible },
    );
    if (version >= 2) r.int32();
    const out: number[][] = [];
    r.array(() => {
      r.string();
      r.array(() => {
        r.int32();
        const row = [r.int16(), r.int64(), r.int64()];
        if (version >= 4) r.int32();
        r.tags();
        out.push(row);
      });
      r.tags();
    });
    r.tags();
    r.end();
    assert.ok(r.ok, r.error?.message);
    return out;
  };
  const expected = [
    [0, -1, 0],
    [0, -1, 3],
    [0, 2000, 1],
    [0, -1, -1],
  ];
  assert.deepEqual(await ask(1, [-2, -1, 1500, 9999]), expected);
  assert.deepEqual(await ask(7, [-2, -1, 1500, 9999, -3]), [...expected, [35, -1, -1]]);
});

test('Fetch reads into reused buffers: a response a slow client has not taken yet is never overwritten by reads for others', async (t) => {
  const { b, c } = await setup(t);
  await b.broker.createTopic('pooled', { partitions: 1, config: { 'max.message.bytes': 1024 * 1024 } });
  // 40 batches of 256 KiB (too large for the tail cache, so every fetch reads the file).
  const value = (offset: number) => Buffer.alloc(1000, `record ${offset} `);
  for (let i = 0; i < 40; i++) {
    const records = Array.from({ length: 256 }, (_, j) => ({ key: null, value: value(i * 256 + j) }));
    const [p] = await produceRaw(c, { topic: 'pooled', partitions: [{ index: 0, records: encodeBatch(records, { timestampMs: Date.now() }) }] });
    assert.equal(p!.error, 0);
  }
  const slow = await RawKafka.connect(b.kafka!.port);
  t.after(() => slow.close());
  const fetch8MiB = (client: RawKafka, offset: number) =>
    fetchRaw(client, { maxBytes: 8 << 20, topics: [{ name: 'pooled', partitions: [{ partition: 0, offset, maxBytes: 8 << 20 }] }] });
  /** Every batch whole (CRC), offsets contiguous from `from`, each record's value its own. */
  const check = (records: Buffer, from: number) => {
    let next = from;
    for (let pos = 0; pos < records.length; ) {
      const v = validateBatch(records, pos, { bytesMax: 1 << 20 });
      assert.ok(v.ok, `batch at ${pos}: ${v.ok ? '' : v.error.message}`);
      assert.equal(v.value.baseOffset, next);
      const decoded = decodeRecords(records, pos, { decompressedBytesMax: 1 << 20 });
      assert.ok(decoded.ok);
      for (const r of decoded.value) {
        assert.equal(r.offset, next);
        assert.ok(Buffer.from(r.value!).equals(value(next)), `value of offset ${next}`);
        next++;
      }
      pos += v.value.batchLength + 12;
    }
    return next;
  };
  // The slow client asks for 8 MiB and does not read: most of the response waits in the broker's socket buffer.
  slow.socket.pause();
  const pending = fetch8MiB(slow, 0);
  // Its response is being written (the first bytes arrived) before anyone else reads.
  while (slow.socket.readableLength === 0) await new Promise((resolve) => setImmediate(resolve));
  // Meanwhile another client reads the same and other ranges, again and again.
  for (let i = 0; i < 6; i++) {
    const [p] = await fetch8MiB(c, (i % 3) * 2048);
    assert.ok(check(p!.records, (i % 3) * 2048) > (i % 3) * 2048);
  }
  slow.socket.resume();
  const [p] = await pending;
  assert.ok(check(p!.records, 0) >= 31 * 256, 'the slow client got its 8 MiB intact');
});
