// The tail cache: its budget and eviction order on its own, and a partition log with a cache answering
// every read exactly as the same log without one (fast-check over appends, rolls, evictions and reads),
// with no file read for a reader at the tail.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../testing/fake-clock.ts';
import { dirState, logConfig } from '../testing/log-fixtures.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';
import { encodeBatch } from './codec/record-batch.ts';
import { PartitionLog } from './partition-log.ts';
import { TailCache } from './tail-cache.ts';

const batchBytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test('tail cache: contiguous runs, reads of whole batches within maxBytes, the budget shared oldest-first across partitions', () => {
  const cache = new TailCache(800);
  const a = cache.partition();
  const b = cache.partition();
  a.add(batchBytes(100, 1), 0, 5);
  a.add(batchBytes(100, 2), 5, 10);
  b.add(batchBytes(100, 3), 0, 1);
  a.add(batchBytes(100, 4), 10, 12);
  assert.equal(cache.bytes, 400);
  assert.equal(a.read(3, 1000)!.length, 300, 'from the batch holding offset 3 to the end');
  assert.equal(a.read(3, 150)!.length, 100, 'whole batches within maxBytes');
  assert.equal(a.read(7, 1)!.length, 100, 'at least one batch');
  assert.equal(a.read(7, 1)![0], 2);
  assert.equal(b.read(0, 1000)![0], 3);

  // Over budget: the oldest entries go first, whichever partition holds them.
  for (let i = 0; i < 5; i++) b.add(batchBytes(100, 10 + i), 1 + i, 2 + i);
  assert.equal(cache.bytes, 800);
  assert.equal(a.firstOffset, 5, "a's first batch was the oldest");
  assert.equal(a.read(3, 1000), null, 'below the run: the caller reads the file');
  b.add(batchBytes(100, 20), 6, 7);
  assert.equal(a.firstOffset, 10);
  assert.equal(b.firstOffset, 0);
  assert.ok(cache.bytes <= cache.bytesMax);

  // A gap or an oversized batch clears the run; clear releases the budget.
  a.add(batchBytes(50, 5), 99, 100);
  assert.equal(a.firstOffset, 99);
  assert.equal(a.read(10, 1000), null);
  a.add(batchBytes(101, 6), 100, 101);
  assert.equal(a.firstOffset, null, 'a batch over an eighth of the budget is not kept and ends the run');
  const before = cache.bytes;
  b.clear();
  assert.equal(b.firstOffset, null);
  assert.equal(cache.bytes, before - 700);
  assert.equal(cache.bytes, 0);
});

test('tail cache: a view into a larger buffer is copied, a whole buffer is kept as is', () => {
  const cache = new TailCache(1 << 20);
  const t = cache.partition();
  const frame = new Uint8Array(1000).fill(7);
  t.add(frame.subarray(10, 110), 0, 1);
  frame.fill(9);
  assert.equal(t.read(0, 1000)![0], 7, 'the cached copy does not follow the frame');
  const own = new Uint8Array(100).fill(1);
  t.add(own, 1, 2);
  assert.equal(t.read(1, 100)!.buffer, own.buffer, 'no copy of a buffer the batch owns');
});

test('tail cache: dead entries of cleared partitions do not pile up in the shared queue', () => {
  const cache = new TailCache(1 << 30);
  const quiet = cache.partition();
  quiet.add(batchBytes(10, 1), 0, 1);
  const busy = cache.partition();
  for (let i = 0; i < 50_000; i++) {
    busy.add(batchBytes(10, 2), i, i + 1);
    if (i % 10 === 9) busy.clear();
  }
  assert.equal(cache.bytes, 10, 'only the quiet partition holds bytes');
  assert.equal(quiet.read(0, 10)![0], 1);
});


async function openLog(io: SimFileIO, cacheBytes: number, segmentBytes: number): Promise<PartitionLog> {
  return PartitionLog.open({
    io,
    dir: '/data/t-0',
    clock: new FakeClock(0),
    config: logConfig({ segmentBytes }),
    dirState: dirState(cacheBytes),
  });
}

function batch(records: number, valueBytes: number, seed: number): Uint8Array {
  const rs = [];
  for (let i = 0; i < records; i++) rs.push({ key: Buffer.from(`k${seed}-${i}`), value: Buffer.alloc(valueBytes, seed + i), timestampMs: 1_700_000_000_000 + seed });
  return encodeBatch(rs, { timestampMs: 1_700_000_000_000 + seed });
}

test('partition log: reads answered from the tail cache are byte for byte what the file holds', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ records: fc.integer({ min: 1, max: 5 }), valueBytes: fc.integer({ min: 0, max: 300 }), concurrent: fc.boolean() }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 6_000 }),
      fc.constantFrom(2_000, 8_000, 1 << 20),
      fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 5_000 }) }), { minLength: 1, maxLength: 20 }),
      async (appends, cacheBytes, segmentBytes, reads) => {
        const cachedIO = new SimFileIO();
        const plainIO = new SimFileIO();
        const cached = await openLog(cachedIO, cacheBytes, segmentBytes);
        const plain = await openLog(plainIO, 0, segmentBytes);
        try {
          // Appends in groups (concurrent ones share a group commit), the same in both logs.
          let group: Uint8Array[] = [];
          const flush = async () => {
            await Promise.all(group.map((b) => cached.append(b)));
            await Promise.all(group.map((b) => plain.append(Uint8Array.from(b))));
            group = [];
          };
          for (let i = 0; i < appends.length; i++) {
            const a = appends[i]!;
            group.push(batch(a.records, a.valueBytes, i));
            if (!a.concurrent) await flush();
          }
          await flush();
          assert.equal(cached.highWatermark, plain.highWatermark);
          for (const r of reads) {
            const offset = Math.min(plain.highWatermark, Math.floor(r.at * (plain.highWatermark + 1)));
            const [x, y] = [await cached.read(offset, r.maxBytes), await plain.read(offset, r.maxBytes)];
            assert.equal(Buffer.compare(x.bytes, y.bytes), 0, `read(${offset}, ${r.maxBytes}) differs`);
            assert.equal(x.highWatermark, y.highWatermark);
            // maxBytes exactly what came back, and one byte less: the boundary of "whole batches within".
            for (const exact of [y.bytes.length, y.bytes.length - 1]) {
              if (exact < 1) continue;
              const [u, v] = [await cached.read(offset, exact), await plain.read(offset, exact)];
              assert.equal(Buffer.compare(u.bytes, v.bytes), 0, `read(${offset}, ${exact}) differs`);
            }
          }
        } finally {
          await cached.close();
          await plain.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('partition log: a reader at the tail is answered without reading the file', async () => {
  const io = new SimFileIO({ trace: true });
  const log = await openLog(io, 1 << 20, 1 << 20);
  try {
    await log.append(batch(3, 100, 1));
    const next = log.highWatermark;
    const waiting = log.waitFor(next, 60_000);
    await log.append(batch(2, 100, 2));
    assert.equal(await waiting, true);
    io.clearTrace();
    const r = await log.read(next, 1 << 20);
    assert.equal(r.bytes.readInt32BE(57), 2, 'the second batch, two records');
    assert.equal(io.trace.filter((e) => e.op === 'read').length, 0, 'no file read at the tail');
    const all = await log.read(0, 1 << 20);
    assert.equal(all.bytes.length, batch(3, 100, 1).length + batch(2, 100, 2).length);
    // After a reopen nothing is cached: the same read goes to the file and gives the same bytes.
    await log.close();
    const again = await openLog(io, 1 << 20, 1 << 20);
    io.clearTrace();
    const fromFile = await again.read(0, 1 << 20);
    assert.ok(io.trace.some((e) => e.op === 'read'));
    assert.equal(Buffer.compare(fromFile.bytes, all.bytes), 0);
    await again.close();
  } finally {
    await log.close();
  }
});
