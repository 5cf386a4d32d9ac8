// Compaction on a simulated disk and a fake clock: newest record per key kept across segments, null
// keys and young tombstones kept, old tombstones removed, offsets, reads and the log end offset
// unchanged, clean reopen, emptied segments, codecs and control batches, interrupted swaps recovered.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { compactConfig, expectedAfterCompaction, kvBatch, readRecords, segmentBases, type Rec } from '../testing/compaction-fixtures.ts';
import { dirState } from '../testing/log-fixtures.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';
import { Compression } from './codec/compression.ts';
import { encodeBatch, readBatchHeader } from './codec/record-batch.ts';
import type { FileIO } from './file-io.ts';
import { LogManager } from './log-manager.ts';
import { PartitionLog, type PartitionLogConfig } from './partition-log.ts';
import { segmentFileName } from './segment.ts';

const DIR = '/data/t-0';

function open(io: FileIO, clock: FakeClock, over: Partial<PartitionLogConfig> = {}): Promise<PartitionLog> {
  return PartitionLog.open({ io, dir: DIR, clock, config: compactConfig(over), dirState: dirState() });
}

/** Appends rounds of updates to keys k0..k{keys-1}, one batch per round, values `r<round>-<key>`. */
async function writeRounds(log: PartitionLog, clock: FakeClock, rounds: number, keys: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const entries: [string, string][] = [];
    for (let k = 0; k < keys; k++) entries.push([`k${k}`, `r${r}-k${k}`]);
    await log.append(kvBatch(entries, clock.now()));
    clock.advance(1000);
  }
}

async function activeBase(io: FileIO): Promise<number> {
  return (await segmentBases(io, DIR)).at(-1)!;
}

/** Asserts reads from every offset in [start, end] see exactly the suffix of `expected`. */
async function assertReadsFromEveryOffset(log: PartitionLog, expected: readonly Rec[]): Promise<void> {
  for (let o = log.logStartOffset; o <= log.logEndOffset; o++) {
    assert.deepEqual(await readRecords(log, o), expected.filter((r) => r.offset >= o), `read from ${o}`);
  }
}

test('newest record per key survives across segments; offsets, reads, log end offset and reopen unchanged', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let log = await open(io, clock);
  await writeRounds(log, clock, 12, 4);
  assert.ok(log.segmentCount >= 4, `${log.segmentCount} segments`);
  const before = await readRecords(log);
  const end = log.logEndOffset;
  const expected = expectedAfterCompaction(before, await activeBase(io), clock.now(), 86_400_000);
  const stats = await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 });
  const after = await readRecords(log);
  assert.deepEqual(after, expected);
  assert.ok(stats.segmentsRewritten > 0 && stats.recordsRemoved === before.length - after.length);
  assert.ok(stats.bytesAfter < stats.bytesBefore);
  assert.equal(log.logEndOffset, end);
  assert.equal(log.logStartOffset, 0);
  await assertReadsFromEveryOffset(log, expected);
  const again = await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 });
  assert.equal(again.recordsRemoved, 0, 'a second run over the same segments removes nothing');
  assert.deepEqual((await log.append(kvBatch([['k0', 'late']], clock.now()))).baseOffset, end);
  const withLate = await readRecords(log);
  await log.close();
  log = await open(io, clock);
  assert.equal(log.recovery.scannedSegments, 0, 'rewritten segments were indexed: a clean reopen scans nothing');
  assert.deepEqual(await readRecords(log), withLate);
  assert.equal(log.logEndOffset, end + 1);
  await log.close();
});

test('a key updated in the active segment is removed from the closed ones', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const log = await open(io, clock);
  await writeRounds(log, clock, 8, 3);
  await log.append(kvBatch([[null, 'x'.repeat(330)]], clock.now())); // fills a segment: what follows rolls
  const { baseOffset } = await log.append(kvBatch([['k1', 'active-k1']], clock.now()));
  const closedBase = await activeBase(io);
  assert.equal(closedBase, baseOffset, 'the update is alone in the active segment');
  await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 });
  const after = await readRecords(log);
  assert.deepEqual(after.filter((r) => r.key === 'k1' && r.offset < closedBase), [], 'no k1 left in closed segments');
  assert.ok(after.some((r) => r.key === 'k0' && r.offset < closedBase), 'k0 is newest in a closed segment');
  await log.close();
});

test('null-key records are kept; tombstones stay until delete.retention.ms, then go', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const log = await open(io, clock, { segmentBytes: 250 });
  await log.append(kvBatch([[null, 'n1'], ['a', 'a1'], ['b', 'b1']], clock.now()));
  await log.append(kvBatch([['a', null], [null, 'n2']], clock.now()));
  const tombstoneMs = clock.now();
  for (let i = 0; i < 6; i++) await log.append(kvBatch([['c', `c${i}`]], clock.now()));
  const retentionMs = 60_000;
  clock.advance(retentionMs - 1);
  await log.compact(clock.now(), { deleteRetentionMs: retentionMs });
  let after = await readRecords(log);
  assert.deepEqual(after.filter((r) => r.key === null).map((r) => r.value), ['n1', 'n2']);
  assert.deepEqual(after.filter((r) => r.key === 'a').map((r) => r.value), [null], 'the tombstone alone is left, before delete.retention.ms');
  assert.deepEqual(after.filter((r) => r.key === 'b').map((r) => r.value), ['b1']);
  clock.advance(1);
  assert.equal(clock.now() - tombstoneMs, retentionMs);
  await log.compact(clock.now(), { deleteRetentionMs: retentionMs });
  after = await readRecords(log);
  assert.equal(after.filter((r) => r.key === 'a').length, 0, 'the tombstone is gone once delete.retention.ms has passed');
  assert.deepEqual(after.filter((r) => r.key === null).map((r) => r.value), ['n1', 'n2']);
  await log.close();
});

test('a segment emptied by compaction keeps its next offset, across reopen and a forced rescan', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let log = await open(io, clock, { segmentBytes: 200 });
  await writeRounds(log, clock, 10, 2);
  const end = log.logEndOffset;
  const bases = await segmentBases(io, DIR);
  const stats = await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 });
  assert.ok(stats.segmentsRewritten >= 2);
  const sizes = await Promise.all(bases.map(async (b) => (await io.readFile(`${DIR}/${segmentFileName(b, '.log')}`))!.length));
  assert.ok(sizes.filter((s) => s === 0).length >= 2, `sizes ${sizes.join(',')}: some segments are empty`);
  const expected = await readRecords(log);
  await assertReadsFromEveryOffset(log, expected);
  await log.close();
  log = await open(io, clock, { segmentBytes: 200 });
  assert.equal(log.logEndOffset, end);
  assert.deepEqual(await readRecords(log), expected);
  await log.abandon();
  for (const b of bases) await io.unlink(`${DIR}/${segmentFileName(b, '.index')}`); // indexes are caches
  log = await open(io, clock, { segmentBytes: 200 });
  assert.equal(log.recovery.scannedSegments, bases.length);
  assert.equal(log.logEndOffset, end);
  assert.deepEqual(await readRecords(log), expected);
  await assertReadsFromEveryOffset(log, expected);
  assert.equal((await log.append(kvBatch([['z', 'z']], clock.now()))).baseOffset, end);
  await log.close();
});

test('compressed batches are rebuilt with their codec and a valid CRC; control batches are kept as they are', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const log = await open(io, clock, { segmentBytes: 300 });
  await log.append(kvBatch([['a', 'a1'], ['b', 'b1'], ['c', 'c1']], clock.now(), Compression.gzip));
  await log.append(encodeBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { timestampMs: clock.now(), isControl: true, isTransactional: true, producerId: 7 }));
  await log.append(kvBatch([['a', 'a2'], ['c', 'c2']], clock.now()));
  for (let i = 0; i < 6; i++) await log.append(kvBatch([[`x${i}`, 'x'.repeat(40)]], clock.now()));
  await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 });
  const first = await log.read(0, 100_000);
  const h0 = readBatchHeader(first.bytes, 0);
  assert.ok(h0.ok);
  assert.equal(h0.value.compression, Compression.gzip);
  assert.equal(h0.value.baseOffset, 0);
  assert.equal(h0.value.lastOffsetDelta, 2, 'lastOffsetDelta is kept');
  assert.equal(h0.value.recordCount, 1);
  const h1 = readBatchHeader(first.bytes, h0.value.batchLength + 12);
  assert.ok(h1.ok && h1.value.isControl && h1.value.baseOffset === 3, 'the control batch follows untouched');
  const recs = await readRecords(log);
  assert.deepEqual(recs.slice(0, 3).map((r) => [r.offset, r.key, r.value]), [[1, 'b', 'b1'], [4, 'a', 'a2'], [5, 'c', 'c2']]);
  await log.close();
});

/** SimFileIO whose nth `read` on a handle of `path` after hold() waits for release(). */
class GateIO extends SimFileIO {
  #armed: { path: string; nth: number; release: Promise<void> } | null = null;
  #releaseFn: () => void = () => {};
  held = false;
  hold(path: string, nth: number): void {
    this.#armed = { path, nth, release: new Promise((r) => (this.#releaseFn = r)) };
  }
  release(): void {
    this.#releaseFn();
  }
  override async open(path: string, options: { create: boolean }) {
    const h = await super.open(path, options);
    const read = h.read.bind(h);
    h.read = async (buf, offset, length, position) => {
      const a = this.#armed;
      if (a && path.endsWith(a.path) && --a.nth === 0) {
        this.held = true;
        await a.release;
      }
      return read(buf, offset, length, position);
    };
    return h;
  }
}

test('a read in flight on a segment being replaced completes from the old file', async () => {
  const io = new GateIO();
  const clock = new FakeClock();
  const log = await open(io, clock);
  await writeRounds(log, clock, 12, 4);
  const before = await readRecords(log);
  io.hold(segmentFileName(0, '.log'), 2); // the read after the index lookup
  const reading = log.read(0, 100_000);
  while (!io.held) await new Promise((r) => setImmediate(r));
  const stats = await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 });
  assert.ok(stats.segmentsRewritten > 0);
  await log.compact(clock.now(), { deleteRetentionMs: 86_400_000 }); // retires the replaced segments
  io.release();
  const r = await reading;
  const h = readBatchHeader(r.bytes, 0);
  assert.ok(h.ok && h.value.baseOffset === 0 && h.value.recordCount === 4, 'the old, uncompacted batch is served whole');
  assert.ok((await readRecords(log)).length < before.length);
  await log.close();
});

test('open rolls back a .cleaned leftover and finishes a .swap leftover', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let log = await open(io, clock);
  await writeRounds(log, clock, 12, 4);
  const bases = await segmentBases(io, DIR);
  await log.close();
  const path = (b: number) => `${DIR}/${segmentFileName(b, '.log')}`;
  const old0 = (await io.readFile(path(bases[0]!)))!;
  // Pretend a cleaner wrote a (partial) .cleaned for segment 0 and a complete .swap for segment 1.
  let h = await io.open(path(bases[0]!) + '.cleaned', { create: true });
  await h.writev([old0.subarray(0, 10)], 0);
  await h.close();
  const replacement = kvBatch([['k0', 'swapped']], clock.now());
  const swapBatch = Buffer.from(replacement);
  swapBatch.writeBigInt64BE(BigInt(bases[1]!), 0);
  h = await io.open(path(bases[1]!) + '.swap', { create: true });
  await h.writev([swapBatch], 0);
  await h.close();
  log = await open(io, clock);
  const names = await io.list(DIR);
  assert.ok(!names.some((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), names.join(','));
  assert.deepEqual(await io.readFile(path(bases[0]!)), old0);
  const recs = await readRecords(log, bases[1]!);
  assert.deepEqual([recs[0]!.offset, recs[0]!.value], [bases[1]!, 'swapped']);
  await log.close();
});

test('LogManager compacts partitions with cleanup.policy=compact on its timer; retention leaves them alone', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const events: string[] = [];
  const m = await LogManager.open({ dataDir: '/data', io, clock, compactionCheckIntervalMs: 100_000, retentionCheckIntervalMs: 100_000, onEvent: (e) => events.push(e.type) });
  const compacted = await m.openPartition('c', 0, compactConfig({ retentionMs: 1 }));
  const plain = await m.openPartition('p', 0, compactConfig({ cleanupPolicy: 'delete' }));
  for (const log of [compacted, plain]) await writeRounds(log, clock, 12, 4);
  const plainBefore = await readRecords(plain);
  const compactedBefore = await readRecords(compacted);
  assert.ok(!events.includes('compaction'));
  clock.advance(100_000);
  for (let i = 0; i < 50 && !events.includes('compaction'); i++) await new Promise((r) => setImmediate(r));
  assert.ok(events.includes('compaction'), events.join(','));
  const after = await readRecords(compacted);
  assert.ok(after.length < compactedBefore.length, 'compacted');
  assert.equal(compacted.logStartOffset, 0, 'retention.ms does not delete segments of a compacted topic');
  assert.deepEqual(await readRecords(plain), plainBefore, 'cleanup.policy=delete is not compacted');
  await m.close();
});
