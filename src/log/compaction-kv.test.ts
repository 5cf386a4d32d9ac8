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
