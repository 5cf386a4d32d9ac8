// deleteRecordsBefore (Kafka DeleteRecords): the log start offset moves up durably, reads and
// timestamp lookups below it fail or skip, segments wholly below it are deleted, it survives a reopen,
// and a power loss at any point of the checkpoint write leaves the old or the new start (seeded).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EddyError } from '../errors.ts';
import { CrashingIO } from '../testing/compaction-fixtures.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { describeSeed, Random, seedFromEnv } from '../testing/random.ts';
import { dirState, logConfig } from '../testing/log-fixtures.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';
import { encodeBatch } from './codec/record-batch.ts';
import type { FileIO } from './file-io.ts';
import { decodeLogStartCheckpoint, encodeLogStartCheckpoint } from './log-start-checkpoint.ts';
import { PartitionLog, type PartitionLogConfig } from './partition-log.ts';

const DIR = '/data/t-0';
const config = (over: Partial<PartitionLogConfig> = {}): PartitionLogConfig => logConfig({ segmentBytes: 400, ...over });

function batchOf(n: number, tag: string, timestampMs: number): Uint8Array {
  const records = [];
  for (let i = 0; i < n; i++) records.push({ key: null, value: Buffer.from(`${tag}-${i}`), timestampMs: timestampMs + i });
  return encodeBatch(records, { timestampMs });
}

async function simDisk(): Promise<SimFileIO> {
  const sim = new SimFileIO();
  await sim.mkdir('/data');
  await sim.fsyncDir('/');
  return sim;
}

async function openLog(io: FileIO, over: Partial<PartitionLogConfig> = {}): Promise<PartitionLog> {
  return PartitionLog.open({ io, dir: DIR, clock: new FakeClock(), config: config(over), dirState: dirState() });
}

/** 20 batches of 3 records (offsets 0..59, timestamps 1000*i + j) over several segments. */
async function filled(io: FileIO, over: Partial<PartitionLogConfig> = {}): Promise<PartitionLog> {
  const log = await openLog(io, over);
  for (let i = 0; i < 20; i++) await log.append(batchOf(3, `b${i}`, 1000 * i));
  return log;
}

const outOfRange = (e: unknown) => e instanceof EddyError && e.code === 'offset.out_of_range';

test('the checkpoint format round-trips and rejects damage', () => {
  const b = encodeLogStartCheckpoint(123_456_789_012);
  assert.equal(decodeLogStartCheckpoint(b), 123_456_789_012);
  for (let i = 0; i < b.length; i++) {
    const bad = Buffer.from(b);
    bad[i]! ^= 0x01;
    assert.equal(decodeLogStartCheckpoint(bad), null, `bit flip at byte ${i}`);
  }
  assert.equal(decodeLogStartCheckpoint(b.subarray(0, 16)), null);
});

test('deleteRecordsBefore raises the log start offset, deletes whole segments below it, and survives reopen', async () => {
  const sim = await simDisk();
  let log = await filled(sim);
  const segments = log.segmentCount;
  assert.ok(segments >= 4, `expected several segments, got ${segments}`);
  assert.equal(await log.deleteRecordsBefore(31), 31);
  assert.equal(log.logStartOffset, 31);
  assert.ok(log.segmentCount < segments, 'segments wholly below 31 are gone');
  await assert.rejects(log.read(30, 1000), outOfRange);
  const r = await log.read(31, 1000);
  assert.ok(r.bytes.length > 0 && r.logStartOffset === 31);
  assert.deepEqual(await log.offsetForTimestamp(0), { offset: 31, timestampMs: 10_001 }, 'timestamps skip deleted records');
  assert.equal(await log.deleteRecordsBefore(5), 31, 'a lower offset changes nothing');
  await assert.rejects(log.deleteRecordsBefore(61), outOfRange);
  await log.close();

  log = await openLog(sim);
  assert.equal(log.logStartOffset, 31, 'persisted');
  await assert.rejects(log.read(30, 1000), outOfRange);
  assert.equal(await log.deleteRecordsBefore(-1), 60, '-1 means the high watermark');
  assert.equal(log.segmentCount, 1, 'only the active segment remains');
  await log.append(batchOf(1, 'after', 99_000));
  assert.equal(log.highWatermark, 61);
  await log.close();
});

test('segments below the log start offset go on a compacted topic too; a later retention pass finishes', async () => {
  const sim = await simDisk();
  const log = await filled(sim, { cleanupPolicy: 'compact' });
  const before = log.segmentCount;
  await log.deleteRecordsBefore(45);
  assert.ok(log.segmentCount < before);
  assert.equal(log.logStartOffset, 45);
  assert.equal(await log.applyRetention(0), 0, 'nothing more below the start');
  await log.close();
});

test('power loss during deleteRecordsBefore leaves the old or the new log start offset (seeded)', async () => {
  const seed = seedFromEnv();
  console.log(describeSeed(seed));
  const rnd = new Random(seed);
  for (let crashAt = 1; ; crashAt++) {
    const sim = await simDisk();
    const log = await filled(sim);
    await log.deleteRecordsBefore(10);
    const io = new CrashingIO(sim, () => sim.crash({ random: rnd, unsynced: rnd.pick(['drop', 'tear', 'keep-some'] as const) }));
    // A second handle on the same files through the crashing door: the deletion's own I/O is what crashes.
    const hw = log.highWatermark;
    await log.close();
    const victim = await openLog(io);
    io.calls = 0;
    io.crashAt = crashAt;
    let finished = false;
    try {
      await victim.deleteRecordsBefore(40);
      finished = true;
    } catch {
      /* the simulated power loss */
    }
    await victim.abandon();
    if (!io.crashed) sim.crash({ random: rnd, unsynced: 'drop' });
    const after = await openLog(sim);
    assert.ok(after.logStartOffset === 10 || after.logStartOffset === 40, `${describeSeed(seed)} crashAt=${crashAt}: start ${after.logStartOffset}`);
    if (finished) assert.equal(after.logStartOffset, 40, `${describeSeed(seed)}: an acknowledged deletion is durable`);
    assert.equal(after.highWatermark, hw);
    await assert.rejects(after.read(after.logStartOffset - 1, 100), outOfRange);
    await after.close();
    if (finished) break;
    assert.ok(crashAt < 100, 'the deletion finishes within 100 I/O calls');
  }
});
