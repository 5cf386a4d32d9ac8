// KvLog (broker metadata, offsets) over a compacted internal topic: after compaction, with tombstones
// dropped at once (delete.retention.ms 0, as kv-log configures), a replay, in the same process or
// after a restart, still yields exactly the map that was written. Seeded: replay with EDDY_SEED=….

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KvLog } from '../broker/kv-log.ts';
import { compactConfig } from '../testing/compaction-fixtures.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { describeSeed, Random, seedFromEnv } from '../testing/random.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';
import { LogManager } from './log-manager.ts';

const TOPIC = '__meta';

/** A LogManager whose internal topic rolls small segments, so compaction has closed ones to clean. */
async function manager(io: SimFileIO, clock: FakeClock): Promise<LogManager> {
  const m = await LogManager.open({ dataDir: '/data', io, clock, compactionCheckIntervalMs: 1e12 });
  await m.openPartition(TOPIC, 0, compactConfig({ segmentBytes: 300, deleteRetentionMs: 0 }));
  return m;
}

test('KvLog over a compacted topic replays to the same map, before and after a restart', async () => {
  const seed = seedFromEnv();
  const rnd = new Random(seed);
  const io = new SimFileIO();
  const clock = new FakeClock();
  let m = await manager(io, clock);
  const kv = await KvLog.open<{ n: number }>(m, TOPIC);
  const model = new Map<string, { n: number }>();
  for (let i = 0; i < 200; i++) {
    // Several keys per batch, so compaction leaves batches whose last records are gone.
    const entries: [string, { n: number } | null][] = [];
    for (let j = rnd.int(1, 4); j > 0; j--) entries.push([`topic/${rnd.int(0, 12)}`, rnd.bool(0.2) ? null : { n: i * 10 + j }]);
    await kv.putMany(entries);
    for (const [key, value] of entries) {
      if (value === null) model.delete(key);
      else model.set(key, value);
    }
    clock.advance(rnd.int(0, 50));
  }
  const log = m.get(TOPIC, 0)!;
  const sizeBefore = log.sizeBytes;
  await m.compact();
  assert.ok(log.sizeBytes < sizeBefore / 2, `${describeSeed(seed)}: ${sizeBefore} -> ${log.sizeBytes} bytes`);
  const sorted = (it: Iterable<[string, { n: number }]>) => [...it].sort(([a], [b]) => (a < b ? -1 : 1));
  assert.deepEqual(sorted((await KvLog.open<{ n: number }>(m, TOPIC)).entries()), sorted(model), describeSeed(seed));
  await m.close();
  m = await manager(io, clock);
  assert.deepEqual(sorted((await KvLog.open<{ n: number }>(m, TOPIC)).entries()), sorted(model), `${describeSeed(seed)} after restart`);
  await m.close();
});

test('KvLog.putMany larger than max.message.bytes is written in batches that fit; one entry too large writes nothing', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const open = async () => {
    const m = await LogManager.open({ dataDir: '/data', io, clock, compactionCheckIntervalMs: 1e12 });
    await m.openPartition(TOPIC, 0, compactConfig({ segmentBytes: 1 << 20, maxMessageBytes: 2_000 }));
    return m;
  };
  let m = await open();
  const kv = await KvLog.open<{ pad: string } | null>(m, TOPIC);
  const entries = Array.from({ length: 300 }, (_, i) => [`k/${i}`, i % 7 === 0 ? null : { pad: 'x'.repeat(40) }] as const);
  await kv.putMany(entries);
  const log = m.get(TOPIC, 0)!;
  assert.equal(log.highWatermark, 300);
  const r = await log.read(0, 1 << 20);
  let batches = 0;
  for (let pos = 0; pos < r.bytes.length; pos += r.bytes.readInt32BE(pos + 8) + 12) {
    batches++;
    assert.ok(r.bytes.readInt32BE(pos + 8) + 12 <= 2_000, 'every batch fits max.message.bytes');
  }
  assert.ok(batches > 5, `${batches} batches`);
  await assert.rejects(kv.putMany([['small', { pad: 'y' }], ['big', { pad: 'z'.repeat(3_000) }]]), (e: Error & { code?: string }) => e.code === 'event.too_large');
  assert.equal(log.highWatermark, 300, 'nothing of the refused call was written');
  assert.equal(kv.get('small'), undefined);
  await m.close();
  m = await open();
  const replayed = await KvLog.open<{ pad: string } | null>(m, TOPIC);
  const expected = entries.filter(([, v]) => v !== null).map(([k]) => k).sort();
  assert.deepEqual([...replayed.entries()].map(([k]) => k).sort(), expected);
  await m.close();
});
