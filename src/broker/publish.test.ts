// Broker.publish over SimFileIO: answers in request order with duplicates resolved (within one
// request, across concurrent requests, and from the window; a failed store fails its waiters), and nothing of the request's events is
// kept alive while the append waits for the disk (only the encoded batches are).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { limits } from '../limits.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';
import { HeldIO } from '../testing/held-io.ts';
import { Broker, type PublishEvent } from './broker.ts';

const uuid = (n: number) => `0190f3a2-7b1c-7000-8000-${n.toString(16).padStart(12, '0')}`;
const macrotask = () => new Promise((resolve) => setImmediate(resolve));

async function open(t: import('node:test').TestContext, io = new SimFileIO()): Promise<Broker> {
  const broker = await Broker.open({ dataDir: '/data', io, clock: new FakeClock(), freeBytesFloor: 0 });
  await broker.createTopic('t', { partitions: 2 });
  t.after(() => broker.close());
  return broker;
}

test('publish answers in request order: an id repeated in the request, in a concurrent request, or already stored is stored once', async (t) => {
  const broker = await open(t);
  const ev = (id: number, partition: number): PublishEvent => ({ key: null, value: `v${id}`, id: uuid(id), partition });
  const [a, b] = await Promise.all([broker.publish('t', [ev(1, 0), ev(2, 1), ev(1, 1), ev(3, 0)]), broker.publish('t', [ev(2, 0), ev(4, 0)])]);
  assert.deepEqual(a, [
    { partition: 0, offset: 0, duplicate: false },
    { partition: 1, offset: 0, duplicate: false },
    { partition: 0, offset: 0, duplicate: true }, // the first copy's place, not the partition asked for
    { partition: 0, offset: 1, duplicate: false },
  ]);
  assert.deepEqual(b, [
    { partition: 1, offset: 0, duplicate: true }, // stored by the concurrent request
    { partition: 0, offset: 2, duplicate: false },
  ]);
  assert.deepEqual(await broker.publish('t', [ev(3, 1)]), [{ partition: 0, offset: 1, duplicate: true }], 'from the window');
  assert.equal(broker.partitionLog('t', 0).highWatermark, 3);
  assert.equal(broker.partitionLog('t', 1).highWatermark, 1);
});

test('when the append storing an id fails, a concurrent publish waiting on that id fails too, and the id can be published again', async (t) => {
  const io = new SimFileIO();
  const broker = await open(t, io);
  const ev = (id: number): PublishEvent => ({ key: null, value: `v${id}`, id: uuid(id), partition: 0 });
  io.failOn({ op: 'writev', path: '.log', errno: 'ENOSPC' });
  const [a, b] = await Promise.allSettled([broker.publish('t', [ev(1), ev(2)]), broker.publish('t', [ev(2), ev(3)])]);
  assert.equal(a.status, 'rejected');
  assert.equal(b.status, 'rejected', 'the second publish waited on id 2, which was not stored');
  assert.equal(broker.partitionLog('t', 0).highWatermark, 0);
  assert.deepEqual(await broker.publish('t', [ev(2), ev(1)]), [
    { partition: 0, offset: 0, duplicate: false },
    { partition: 0, offset: 1, duplicate: false },
  ]);
});

test('while the append waits for the disk, the published events can be collected (only their encoded batch is held)', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const io = new HeldIO();
  const broker = await open(t, io);
  let release!: () => void;
  io.hold = new Promise<void>((resolve) => (release = resolve));
  // Built and handed over in a plain function: the test's own async frame would keep the array in a register.
  const start = () => {
    const events: PublishEvent[] = Array.from({ length: 100 }, (_, i) => ({ key: null, value: 'x'.repeat(1000) + i, id: uuid(i), partition: 0 }));
    return { collected: new WeakRef(events[0]!), published: broker.publish('t', events) };
  };
  const { collected, published } = start();
  await macrotask(); // the append is now waiting on the held write; WeakRef targets are kept until the turn ends
  gc();
  await macrotask();
  gc();
  assert.equal(collected.deref(), undefined, 'an event object outlived its encoding');
  io.hold = null;
  release();
  const r = await published;
  assert.deepEqual(r.map((x) => x.offset), Array.from({ length: 100 }, (_, i) => i));
  const read = await broker.readRecords('t', 0, 0, { limit: 100, maxBytes: 1 << 20 });
  assert.equal(Buffer.from(read.records[99]!.value!).toString(), 'x'.repeat(1000) + 99);
});

test("a quiet topic's duplicate window is swept on a timer, and its memory released", async (t) => {
  const clock = new FakeClock();
  const broker = await Broker.open({ dataDir: '/data', io: new SimFileIO(), clock, freeBytesFloor: 0 });
  t.after(() => broker.close());
  await broker.createTopic('quiet', { partitions: 1 });
  await broker.publish('quiet', Array.from({ length: 50 }, (_, i) => ({ key: null, value: 'v', id: uuid(i) })));
  const held = broker.describeTopic('quiet').duplicateWindow;
  assert.equal(held.ids, 50);
  assert.ok(held.bytes > 0);
  // No publish meanwhile: the sweep timer runs every duplicateWindowSweepMs (re-armed once a run settles).
  for (let waited = 0; waited <= limits.duplicateWindowMsDefault; waited += limits.duplicateWindowSweepMs) {
    clock.advance(limits.duplicateWindowSweepMs);
    await macrotask();
  }
  assert.deepEqual(broker.describeTopic('quiet').duplicateWindow, { ids: 0, bytes: 0 });
});

test('the duplicate windows of all topics share one id budget: each keeps its share, a deleted topic gives it back', async (t) => {
  const clock = new FakeClock();
  const broker = await Broker.open({ dataDir: '/data', io: new SimFileIO(), clock, freeBytesFloor: 0, duplicateWindowIdsTotal: 100 });
  t.after(() => broker.close());
  const ids = (topic: string, from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value: 'v', id: `${topic}-${from + i}` }));
  await broker.createTopic('a', { partitions: 1 });
  await broker.createTopic('b', { partitions: 1 });
  await broker.publish('a', ids('a', 0, 80));
  assert.equal(broker.describeTopic('a').duplicateWindow.ids, 80, 'alone, a topic may use the whole budget');
  await broker.publish('b', ids('b', 0, 80));
  assert.equal(broker.duplicateIds.active, 2);
  assert.equal(broker.describeTopic('b').duplicateWindow.ids, 50, 'b keeps half the budget');
  // a is over its new share until its next publish or sweep; then it keeps its newest 50.
  clock.advance(limits.duplicateWindowSweepMs);
  await macrotask();
  assert.equal(broker.describeTopic('a').duplicateWindow.ids, 50);
  const [kept] = await broker.publish('a', ids('a', 79, 1));
  assert.equal(kept!.duplicate, true, 'the newest ids are still caught');
  const [forgotten] = await broker.publish('a', ids('a', 0, 1));
  assert.equal(forgotten!.duplicate, false, 'the oldest went first');
  await broker.deleteTopic('b');
  assert.equal(broker.duplicateIds.active, 1, 'a deleted topic leaves the budget');
  await broker.publish('a', ids('a', 100, 60));
  assert.equal(broker.describeTopic('a').duplicateWindow.ids, 100, 'the whole budget again');
});
