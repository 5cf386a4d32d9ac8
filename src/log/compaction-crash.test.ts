// Power loss at a random point of a compaction run (SimFileIO, unsynced writes dropped or some kept,
// seeded: replay with EDDY_SEED=…). After reopening, each closed segment holds exactly its records
// from before or from after compaction, the ones already replaced form a prefix, nothing else changed,
// no .cleaned/.swap file is left, and a second run reaches exactly the post-compaction records.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactConfig, CrashingIO, expectedAfterCompaction, kvBatch, readRecords, replay, segmentBases, type Rec } from '../testing/compaction-fixtures.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { describeSeed, Random, seedFromEnv } from '../testing/random.ts';
import { dirState } from '../testing/log-fixtures.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';
import type { FileIO } from './file-io.ts';
import { PartitionLog } from './partition-log.ts';

const DIR = '/data/t-0';
const ITERATIONS = 200;

interface Built {
  sim: SimFileIO;
  io: CrashingIO;
  clock: FakeClock;
  log: PartitionLog;
  deleteRetentionMs: number;
}

/** A log of random keyed updates, null keys and tombstones over several segments (same seed, same log). */
async function build(seed: number, onCrash: (sim: SimFileIO) => void): Promise<Built> {
  const rnd = new Random(seed);
  const sim = new SimFileIO();
  await sim.mkdir('/data');
  await sim.fsyncDir('/'); // the data directory itself survives a crash
  const io = new CrashingIO(sim, () => onCrash(sim));
  const clock = new FakeClock();
  const log = await PartitionLog.open({ io, dir: DIR, clock, config: compactConfig({ segmentBytes: rnd.int(200, 600) }), dirState: dirState() });
  const batches = rnd.int(8, 30);
  for (let b = 0; b < batches; b++) {
    const entries: [string | null, string | null][] = [];
    const n = rnd.int(1, 5);
    for (let i = 0; i < n; i++) {
      const key = rnd.bool(0.1) ? null : `k${rnd.int(0, 8)}`;
      entries.push([key, rnd.bool(0.15) ? null : `v${b}.${i}`]);
    }
    await log.append(kvBatch(entries, clock.now(), rnd.bool(0.2) ? 1 : 0));
    clock.advance(rnd.int(0, 2000));
  }
  return { sim, io, clock, log, deleteRetentionMs: [0, 5000, 1e9][rnd.int(0, 3)]! };
}

function inRange(records: readonly Rec[], lo: number, hi: number): Rec[] {
  return records.filter((r) => r.offset >= lo && r.offset < hi);
}

async function compactionCalls(seed: number): Promise<number> {
  const b = await build(seed, () => {});
  const start = b.io.calls;
  await b.log.compact(b.clock.now(), { deleteRetentionMs: b.deleteRetentionMs });
  return b.io.calls - start;
}

async function reopen(io: FileIO, clock: FakeClock): Promise<PartitionLog> {
  return PartitionLog.open({ io, dir: DIR, clock, config: compactConfig(), dirState: dirState() });
}

test(`a crash at any point of compaction leaves each segment old or new, never a lost or corrupt record (${ITERATIONS} runs)`, async () => {
  const seed = seedFromEnv();
  const top = new Random(seed);
  let crashedMidway = 0;
  for (let it = 0; it < ITERATIONS; it++) {
    const iterSeed = top.int(0, 2 ** 32);
    const rnd = new Random((iterSeed ^ 0x5eed) >>> 0);
    const mode = it % 2 === 0 ? 'drop' : 'keep-some';
    const where = `${describeSeed(seed)} iteration ${it} (seed ${iterSeed}, ${mode})`;
    const total = await compactionCalls(iterSeed);
    const b = await build(iterSeed, (sim) => sim.crash({ random: rnd, unsynced: mode }));
    const bases = await segmentBases(b.sim, DIR);
    const pre = await readRecords(b.log);
    const end = b.log.logEndOffset;
    const nowMs = b.clock.now();
    const post = expectedAfterCompaction(pre, bases.at(-1)!, nowMs, b.deleteRetentionMs);
    b.io.crashAt = b.io.calls + rnd.int(1, total + 2);
    const run = await b.log.compact(nowMs, { deleteRetentionMs: b.deleteRetentionMs }).then(() => 'done', () => 'crashed');
    if (run === 'done') b.sim.crash({ random: rnd, unsynced: mode });
    else crashedMidway++;

    const log = await reopen(b.sim, b.clock);
    const names = await b.sim.list(DIR);
    assert.ok(!names.some((n) => /\.(cleaned|swap)$/.test(n)), `${where}: leftovers ${names.join(',')}`);
    assert.equal(log.logEndOffset, end, where);
    assert.equal(log.logStartOffset, 0, where);
    const got = await readRecords(log);
    let replaced = true; // segments already replaced must form a prefix of those compaction changes
    for (let i = 0; i < bases.length; i++) {
      const lo = bases[i]!;
      const hi = i + 1 < bases.length ? bases[i + 1]! : Infinity;
      const g = inRange(got, lo, hi);
      const before = inRange(pre, lo, hi);
      const after = inRange(post, lo, hi);
      if (before.length === after.length) {
        assert.deepEqual(g, before, `${where}: segment ${lo} unchanged`);
        continue;
      }
      const isNew = JSON.stringify(g) === JSON.stringify(after);
      assert.ok(isNew || JSON.stringify(g) === JSON.stringify(before), `${where}: segment ${lo} is neither old nor new`);
      assert.ok(replaced || !isNew, `${where}: segment ${lo} was replaced after an older one was not`);
      replaced = isNew;
    }
    assert.deepEqual(replay(got), replay(pre), `${where}: the replayed map changed`);
    await log.compact(b.clock.now(), { deleteRetentionMs: b.deleteRetentionMs });
    assert.deepEqual(await readRecords(log), post, `${where}: a second run finishes the job`);
    await log.close();
  }
  assert.ok(crashedMidway > ITERATIONS / 2, `${crashedMidway} of ${ITERATIONS} runs crashed midway`);
});
