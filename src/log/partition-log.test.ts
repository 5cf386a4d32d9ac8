// PartitionLog on the real file system: append/read, group commit, roll, retention and long poll on a
// fake clock, clean reopen, and recovery from torn tails and mid-log corruption (T3).

import assert from 'node:assert/strict';
import { readFile, truncate, writeFile, appendFile, stat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EddyError } from '../errors.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { dirState, logConfig } from '../testing/log-fixtures.ts';
import { tempDir } from '../testing/tmp.ts';
import { encodeBatch, decodeRecords } from './codec/record-batch.ts';
import type { FileHandle, FileIO } from './file-io.ts';
import { NodeFileIO } from './node-file-io.ts';
import { PartitionLog, type DirState, type PartitionLogConfig } from './partition-log.ts';

const config = logConfig;


function batchOf(n: number, tag: string, timestampMs = 1_700_000_000_000): Uint8Array {
  const records = [];
  for (let i = 0; i < n; i++) records.push({ key: Buffer.from(`k${i}`), value: Buffer.from(`${tag}-${i}`), timestampMs: timestampMs + i });
  return encodeBatch(records, { timestampMs });
}

async function readAll(log: PartitionLog, from = log.logStartOffset): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = from;
  while (offset < log.highWatermark) {
    const r = await log.read(offset, 64 * 1024);
    let pos = 0;
    while (pos < r.bytes.length) {
      const recs = decodeRecords(r.bytes, pos, { decompressedBytesMax: 1 << 26 });
      assert.ok(recs.ok);
      for (const rec of recs.value) {
        if (rec.offset < offset) continue;
        out.push({ offset: rec.offset, value: Buffer.from(rec.value!).toString() });
      }
      pos += r.bytes.readInt32BE(pos + 8) + 12;
    }
    offset = out.length > 0 ? out[out.length - 1]!.offset + 1 : offset;
    if (r.bytes.length === 0) break;
  }
  return out;
}

/** NodeFileIO that counts fdatasync calls. */
/** Counts trips to the disk: fdatasyncs, and writes through O_DSYNC handles (each is one). */
class CountingIO extends NodeFileIO {
  datasyncs = 0;
  override async open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle> {
    const h = await super.open(path, options);
    const sync = h.datasync.bind(h);
    h.datasync = async () => {
      this.datasyncs++;
      await sync();
    };
    if (options.dsync) {
      const writev = h.writev.bind(h);
      h.writev = async (buffers, position) => {
        this.datasyncs++;
        await writev(buffers, position);
      };
    }
    return h;
  }
}

async function open(dir: string, io: FileIO = new NodeFileIO(), clock = new FakeClock(), over: Partial<PartitionLogConfig> = {}, state = dirState()) {
  return PartitionLog.open({ io, dir: join(dir, 't-0'), clock, config: config(over), dirState: state });
}

test('appends get contiguous offsets and read back in order, from any offset', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const log = await open(dir);
  const a = await log.append(batchOf(3, 'a'));
  const b = await log.append(batchOf(2, 'b'));
  assert.deepEqual(a, { baseOffset: 0, lastOffset: 2 });
  assert.deepEqual(b, { baseOffset: 3, lastOffset: 4 });
  assert.equal(log.highWatermark, 5);
  const all = await readAll(log);
  assert.deepEqual(all.map((r) => r.value), ['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
  assert.deepEqual((await readAll(log, 4)).map((r) => r.offset), [4]);
  const mid = await log.read(1, 1024);
  assert.equal(Number(mid.bytes.readBigInt64BE(0)), 0, 'a read from inside a batch returns the whole batch');
  assert.equal((await log.read(5, 1024)).bytes.length, 0);
  await assert.rejects(log.read(6, 1024), (e: unknown) => e instanceof EddyError && e.code === 'offset.out_of_range');
  await log.close();
});

test('a batch larger than the read size is read from the file once, into one buffer', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const big = encodeBatch(
    Array.from({ length: 40 }, (_, i) => ({ key: null, value: Buffer.alloc(1000, 97 + (i % 26)), timestampMs: 1_700_000_000_000 })),
    { timestampMs: 1_700_000_000_000 },
  );
  const first = await open(dir);
  await first.append(batchOf(2, 'a'));
  await first.append(big);
  await first.close();
  // Reopened: nothing in the tail cache, so the reads below go to the file.
  const reads: { position: number; length: number }[] = [];
  class ReadCountingIO extends NodeFileIO {
    override async open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle> {
      const h = await super.open(path, options);
      const read = h.read.bind(h);
      h.read = (buf, offset, length, position) => {
        if (path.endsWith('.log')) reads.push({ position, length });
        return read(buf, offset, length, position);
      };
      return h;
    }
  }
  const log = await open(dir, new ReadCountingIO());
  const position = batchOf(2, 'a').byteLength;
  reads.length = 0;
  const r = await log.read(2, 1024);
  await log.close();
  assert.equal(r.bytes.length, big.byteLength, 'the whole batch, as Kafka answers since KIP-74');
  assert.equal(Number(r.bytes.readBigInt64BE(0)), 2);
  // Finding the batch reads a small window from the index's position (0 here); the batch itself is
  // then read once, whole (not 1024 bytes first, then again at its size).
  const atBatch = reads.filter((x) => x.position === position);
  assert.equal(atBatch.length, 1, `reads: ${JSON.stringify(reads)}`);
  assert.ok(atBatch[0]!.length >= big.byteLength, `reads: ${JSON.stringify(reads)}`);
});

test('concurrent appends share fdatasyncs (group commit) and every one is acknowledged once', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const io = new CountingIO();
  const log = await open(dir, io);
  const before = io.datasyncs;
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(batchOf(1, `c${i}`))));
  const offsets = results.map((r) => r.baseOffset).sort((x, y) => x - y);
  assert.deepEqual(offsets, Array.from({ length: 200 }, (_, i) => i));
  const syncs = io.datasyncs - before;
  assert.ok(syncs >= 1 && syncs < 200, `200 appends took ${syncs} fdatasyncs`);
  await log.close();
});

test('the fsync policy can change on a live log: interval syncs on its timer, always makes unsynced writes durable first', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const io = new CountingIO();
  const clock = new FakeClock();
  const log = await open(dir, io, clock);
  /** Turns of the event loop until the disk trips counted reach `n` (the timer's sync runs on its own). */
  const tripsReach = async (n: number) => {
    for (let i = 0; i < 10_000 && io.datasyncs < n; i++) await new Promise((r) => setImmediate(r));
    return io.datasyncs;
  };
  await log.append(batchOf(1, 'a'));
  log.config = { ...log.config, fsync: { kind: 'interval', intervalMs: 100 } };
  await log.append(batchOf(1, 'b'));
  let trips = io.datasyncs;
  clock.advance(100);
  assert.equal(await tripsReach(trips + 1), trips + 1, 'the interval timer started with the new policy and synced');
  await log.append(batchOf(1, 'c')); // unsynced under interval
  log.config = { ...log.config, fsync: { kind: 'always' } };
  trips = io.datasyncs;
  await log.append(batchOf(1, 'd'));
  assert.equal(io.datasyncs, trips + 2, 'c was fdatasynced before d was written durably');
  clock.advance(1_000);
  assert.equal(await tripsReach(trips + 3), trips + 2, 'no interval timer under always');
  assert.equal(log.highWatermark, 4);
  await log.close();
});

test('invalid batches are refused with typed errors and change nothing', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const log = await open(dir, new NodeFileIO(), new FakeClock(), { maxMessageBytes: 200 });
  const bad = batchOf(1, 'x');
  bad[bad.length - 1]! ^= 0xff;
  await assert.rejects(log.append(bad), (e: unknown) => e instanceof EddyError && e.code === 'batch.corrupt');
  await assert.rejects(log.append(batchOf(20, 'big')), (e: unknown) => e instanceof EddyError && e.code === 'event.too_large');
  const two = Buffer.concat([batchOf(1, 'p'), batchOf(1, 'q')]);
  await assert.rejects(log.append(two), (e: unknown) => e instanceof EddyError && e.code === 'batch.corrupt');
  assert.equal(log.logEndOffset, 0);
  assert.deepEqual(await log.append(batchOf(1, 'ok')), { baseOffset: 0, lastOffset: 0 });
  await log.close();
});

test('segments roll by size and by age; a clean reopen trusts the indexes; reads span segments', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const clock = new FakeClock();
  let log = await open(dir, new NodeFileIO(), clock, { segmentBytes: 2000, segmentMs: 60_000 });
  for (let i = 0; i < 40; i++) await log.append(batchOf(10, `s${i}`));
  const bySize = log.segmentCount;
  assert.ok(bySize >= 5, `expected several segments, got ${bySize}`);
  clock.advance(61_000);
  await log.append(batchOf(1, 'late'));
  await log.append(batchOf(1, 'later'));
  assert.equal(log.segmentCount, bySize + 1, 'an append after segment.ms rolls');
  const before = await readAll(log);
  assert.equal(before.length, 402);
  await log.close();
  log = await open(dir, new NodeFileIO(), clock, { segmentBytes: 2000 });
  assert.equal(log.recovery.scannedSegments, 0, 'a clean shutdown skips the scan');
  assert.deepEqual(await readAll(log), before);
  assert.deepEqual((await readAll(log, 77)).map((r) => r.offset)[0], 77);
  await log.close();
});

test('retention deletes whole closed segments by time and by bytes (fake clock)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const clock = new FakeClock(1_700_000_000_000);
  const log = await open(dir, new NodeFileIO(), clock, { segmentBytes: 1500, retentionMs: 3_600_000 });
  for (let i = 0; i < 10; i++) await log.append(batchOf(5, `old${i}`, clock.now()));
  clock.advance(2 * 3_600_000);
  for (let i = 0; i < 3; i++) await log.append(batchOf(5, `new${i}`, clock.now()));
  const segs = log.segmentCount;
  assert.equal(await log.applyRetention(clock.now() - 4 * 3_600_000), 0, 'nothing is old enough yet');
  const deleted = await log.applyRetention(clock.now());
  assert.ok(deleted > 0 && deleted < segs);
  const rest = await readAll(log);
  assert.ok(rest.every((r) => r.value.startsWith('new')) || rest[0]!.offset === log.logStartOffset);
  assert.ok(rest.some((r) => r.value === 'new2-4'));
  assert.ok(log.logStartOffset > 0);
  log.config = { ...log.config, retentionMs: -1, retentionBytes: 1 };
  await log.applyRetention(clock.now());
  assert.equal(log.segmentCount, 1, 'retention.bytes keeps only the active segment');
  await assert.rejects(log.read(0, 100), (e: unknown) => e instanceof EddyError && e.code === 'offset.out_of_range');
  await log.close();
});

test('long poll wakes on append and times out on the clock; onAdvance wakes without a timer', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const clock = new FakeClock();
  const log = await open(dir, new NodeFileIO(), clock);
  const waiting = log.waitFor(0, 10_000);
  await log.append(batchOf(1, 'w'));
  assert.equal(await waiting, true);
  const timeout = log.waitFor(1, 5_000);
  clock.advance(5_000);
  assert.equal(await timeout, false);
  const ac = new AbortController();
  const aborted = log.waitFor(1, 5_000, ac.signal);
  ac.abort();
  assert.equal(await aborted, false);
  // onAdvance: no timer; wakes once on the append past its offset, never after a cancel, false on close.
  const wakes: [string, boolean][] = [];
  log.onAdvance(0, (arrived) => wakes.push(['already past', arrived]));
  log.onAdvance(1, (arrived) => wakes.push(['next', arrived]));
  const cancel = log.onAdvance(1, (arrived) => wakes.push(['cancelled', arrived]));
  log.onAdvance(5, (arrived) => wakes.push(['far', arrived]));
  cancel();
  assert.deepEqual(wakes, [['already past', true]]);
  await log.append(batchOf(1, 'x'));
  await log.append(batchOf(1, 'y'));
  assert.deepEqual(wakes, [['already past', true], ['next', true]], 'woken once, the cancelled one never');
  await log.close();
  assert.deepEqual(wakes.at(-1), ['far', false], 'closing wakes the rest with false');
  log.onAdvance(9, (arrived) => wakes.push(['after close', arrived]));
  assert.deepEqual(wakes.at(-1), ['after close', false]);
});

test('offsetForTimestamp finds the first record at or after a time', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const log = await open(dir, new NodeFileIO(), new FakeClock(), { segmentBytes: 1000 });
  for (let i = 0; i < 20; i++) await log.append(batchOf(4, `t${i}`, 1000 * i));
  assert.deepEqual(await log.offsetForTimestamp(0), { offset: 0, timestampMs: 0 });
  assert.deepEqual(await log.offsetForTimestamp(5002), { offset: 22, timestampMs: 5002 });
  assert.deepEqual(await log.offsetForTimestamp(5004), { offset: 24, timestampMs: 6000 });
  assert.equal(await log.offsetForTimestamp(1e12), null);
  await log.close();
});

async function crashedLogWith(dir: string, batches: number): Promise<{ path: string; sizes: number[] }> {
  const log = await open(dir);
  const sizes: number[] = [];
  for (let i = 0; i < batches; i++) {
    await log.append(batchOf(3, `r${i}`));
    sizes.push(log.sizeBytes);
  }
  await log.abandon(); // no clean close: no index files, next open scans
  return { path: join(dir, 't-0', '00000000000000000000.log'), sizes };
}

test('torn tails are truncated to the last complete batch, and the log takes writes again', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const { path, sizes } = await crashedLogWith(dir, 6);
  const full = await readFile(path);
  const lastStart = sizes[4]!;
  for (const cut of [lastStart + 1, lastStart + 30, lastStart + 61, full.length - 1]) {
    await writeFile(path, full.subarray(0, cut));
    const log = await open(dir);
    assert.equal(log.recovery.truncatedBytes, cut - lastStart, `cut at ${cut}`);
    assert.equal(log.highWatermark, 15);
    assert.equal((await stat(path)).size, lastStart);
    assert.deepEqual(await log.append(batchOf(1, 'again')), { baseOffset: 15, lastOffset: 15 });
    await log.abandon();
  }
});

test('a bit flip in the last batch or a zero-filled tail is a torn tail', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const { path, sizes } = await crashedLogWith(dir, 4);
  const full = await readFile(path);
  const flipped = Buffer.from(full);
  flipped[sizes[2]! + 40]! ^= 0x10;
  await writeFile(path, flipped);
  let log = await open(dir);
  assert.equal(log.highWatermark, 9);
  await log.abandon();
  await writeFile(path, full);
  await appendFile(path, Buffer.alloc(4096));
  log = await open(dir);
  assert.equal(log.highWatermark, 12);
  assert.equal(log.recovery.truncatedBytes, 4096);
  await log.abandon();
});

test('damage followed by a valid batch is mid-log corruption: nothing truncated, typed error with file and position', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  const { path, sizes } = await crashedLogWith(dir, 5);
  const full = await readFile(path);
  const flipped = Buffer.from(full);
  flipped[sizes[1]! + 70]! ^= 0x01; // inside batch 2 of 5
  await writeFile(path, flipped);
  await assert.rejects(open(dir), (e: unknown) => {
    assert.ok(e instanceof EddyError);
    assert.equal(e.code, 'log.segment_corrupt');
    assert.equal(e.detail?.file, path);
    assert.equal(e.detail?.position, sizes[1]);
    return true;
  });
  assert.deepEqual(await readFile(path), flipped, 'the file is left exactly as it was');
});

test('damaged or missing index files are rebuilt from the log', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.after(cleanup);
  let log = await open(dir, new NodeFileIO(), new FakeClock(), { segmentBytes: 800 });
  for (let i = 0; i < 12; i++) await log.append(batchOf(3, `i${i}`));
  const expected = await readAll(log);
  await log.close();
  const pdir = join(dir, 't-0');
  const names = (await readdir(pdir)).filter((n) => n.endsWith('.index'));
  await truncate(join(pdir, names[0]!), 5);
  await writeFile(join(pdir, names[1]!.replace('.index', '.timeindex')), 'garbage');
  log = await open(dir, new NodeFileIO(), new FakeClock(), { segmentBytes: 800 });
  assert.equal(log.recovery.scannedSegments, 2);
  assert.deepEqual(await readAll(log), expected);
  await log.close();
});
