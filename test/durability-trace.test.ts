// T16: the durability contract is what the code does. On the fault-injecting file layer, at the very
// moment a publish is acknowledged, its events are already in the *durable* state of the disk under
// fsync=always (not merely written); under fsync=never the partition files are never fdatasynced.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../src/broker/broker.ts';
import { FakeClock } from '../src/testing/fake-clock.ts';
import { Random, describeSeed, seedFromEnv } from '../src/testing/random.ts';
import { SimFileIO } from '../src/testing/sim-file-io.ts';

/** Highest offset + 1 stored durably in a partition directory's segment files. */
function durableEnd(io: SimFileIO, dir: string): number {
  let end = 0;
  for (const [path, bytes] of io.durableSnapshot()) {
    if (!path.startsWith(dir + '/') || !path.endsWith('.log')) continue;
    const b = Buffer.from(bytes);
    let pos = 0;
    while (pos + 61 <= b.length) {
      const len = b.readInt32BE(pos + 8) + 12;
      if (pos + len > b.length) break;
      end = Math.max(end, Number(b.readBigInt64BE(pos)) + b.readInt32BE(pos + 23) + 1);
      pos += len;
    }
  }
  return end;
}

test('fsync=always: every acknowledgement finds its events already durable', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(describeSeed(seed));
  const random = new Random(seed);
  const io = new SimFileIO({ yieldTo: 'macrotask' });
  const broker = await Broker.open({ dataDir: '/d', io, clock: new FakeClock(), freeBytesFloor: 0 });
  await broker.createTopic('t', { partitions: 3, config: { 'segment.bytes': '2048' } });
  let checked = 0;
  const publishes = Array.from({ length: 300 }, (_, i) =>
    broker.publish('t', Array.from({ length: random.int(1, 5) }, (_, k) => ({ key: null, value: Buffer.from(`e${i}-${k}`), headers: [], partition: random.int(0, 3) }))).then((results) => {
      for (const r of results) {
        const end = durableEnd(io, `/d/t-${r.partition}`);
        assert.ok(r.offset < end, `ack of t-${r.partition}@${r.offset} before it was durable (durable end ${end}; ${describeSeed(seed)})`);
        checked++;
      }
    }),
  );
  await Promise.all(publishes);
  assert.ok(checked >= 300);
  await broker.close();
});

test('fsync=never: partition files are never fdatasynced while publishing', async () => {
  const io = new SimFileIO({ trace: true });
  const broker = await Broker.open({ dataDir: '/d', io, clock: new FakeClock(), freeBytesFloor: 0, fsync: { kind: 'never' } });
  await broker.createTopic('n', { partitions: 2 });
  io.clearTrace();
  await Promise.all(Array.from({ length: 50 }, (_, i) => broker.publish('n', [{ key: null, value: Buffer.from(`v${i}`), headers: [] }])));
  const syncs = io.trace.filter((e) => e.op === 'datasync' && e.path.startsWith('/d/n-'));
  assert.equal(syncs.length, 0);
  assert.ok(io.trace.some((e) => e.op === 'writev' && e.path.startsWith('/d/n-')), 'the events were written');
  await broker.close();
});
