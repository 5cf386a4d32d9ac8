// Durable delayed delivery over a Broker on SimFileIO with a FakeClock: due delivery, order by due
// time, restart before the due time (delivered once after it), overdue at restart (at once), a
// crash between the delivery and its tombstone (stored once), bounds. No real sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from './broker.ts';
import { DelayedDelivery, DELAYED_TOPIC, resolveDelay, delayedLimits } from './delayed.ts';
import { EddyError } from '../errors.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { SimFileIO } from '../testing/sim-file-io.ts';

interface Env {
  io: SimFileIO;
  clock: FakeClock;
  broker: Broker;
  delayed: DelayedDelivery;
}

async function open(io = new SimFileIO(), clock = new FakeClock(), o: { pendingMax?: number } = {}): Promise<Env> {
  const broker = await Broker.open({ dataDir: '/data', io, clock, freeBytesFloor: 0 });
  const delayed = await DelayedDelivery.open(broker, o);
  return { io, clock, broker, delayed };
}

async function close(e: Env): Promise<void> {
  await e.delayed.close();
  await e.broker.close();
}

async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await cond()); i++) await settle(1);
  assert.ok(await cond(), `timed out waiting for ${what}`);
}

async function values(e: Env, topic: string): Promise<string[]> {
  if (!e.broker.hasTopic(topic)) return [];
  const r = await e.broker.readRecords(topic, 0, 0, { limit: 1000, maxBytes: 1 << 20 });
  return r.records.map((x) => Buffer.from(x.value!).toString());
}

const ev = (v: string, id?: string) => ({ key: null, value: Buffer.from(v), headers: [], ...(id ? { id } : {}) });

test('a delayed event is stored durably and published at its due time, then forgotten', async (t) => {
  const e = await open();
  t.after(() => close(e));
  await e.broker.createTopic('t');
  const now = e.clock.now();
  const r = await e.delayed.schedule('t', [ev('a', 'id-a')], [now + 5000]);
  assert.deepEqual(r, [{ partition: null, offset: null, scheduled: true, deliverAt: now + 5000, id: 'id-a' }]);
  assert.equal(e.delayed.pending, 1);
  e.clock.advance(4999);
  await settle();
  assert.deepEqual(await values(e, 't'), []);
  e.clock.advance(1);
  await until('delivered', async () => (await values(e, 't')).length === 1 && e.delayed.pending === 0);
  const rec = (await e.broker.readRecords('t', 0, 0, { limit: 10, maxBytes: 1 << 20 })).records[0]!;
  assert.equal(rec.timestampMs, now + 5000);
  assert.equal(e.delayed.get('t', 'id-a'), undefined);
});

test('events are delivered in due-time order, whatever the order they were scheduled in', async (t) => {
  const e = await open();
  t.after(() => close(e));
  const now = e.clock.now();
  await e.delayed.schedule('t', [ev('c'), ev('a')], [now + 3000, now + 1000]);
  await e.delayed.schedule('t', [ev('b')], [now + 2000]);
  await e.delayed.schedule('t', [ev('d')], [now + 3000]); // same due time as c: after it
  e.clock.advance(10_000);
  await until('all delivered', async () => (await values(e, 't')).length === 4);
  assert.deepEqual(await values(e, 't'), ['a', 'b', 'c', 'd']);
  // Ids were generated and stored as eddy.id headers.
  const recs = (await e.broker.readRecords('t', 0, 0, { limit: 10, maxBytes: 1 << 20 })).records;
  for (const r of recs) assert.match(Buffer.from(r.headers.find((h) => h.key === 'eddy.id')!.value!).toString(), /^delayed-/);
});

test('a restart before the due time: the event is delivered after the restart, exactly once', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let e = await open(io, clock);
  await e.broker.createTopic('t');
  const now = clock.now();
  await e.delayed.schedule('t', [ev('later', 'x1')], [now + 60_000]);
  await close(e);
  clock.advance(30_000);
  e = await open(io, clock);
  assert.equal(e.delayed.pending, 1);
  await settle();
  assert.deepEqual(await values(e, 't'), []);
  clock.advance(30_000);
  await until('delivered after restart', async () => (await values(e, 't')).length === 1 && e.delayed.pending === 0);
  await close(e);
  e = await open(io, clock); // the tombstone is durable: nothing left to deliver
  assert.equal(e.delayed.pending, 0);
  clock.advance(60_000);
  await settle();
  assert.deepEqual(await values(e, 't'), ['later']);
  await close(e);
});

test('overdue at restart: delivered at once', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let e = await open(io, clock);
  const now = clock.now();
  await e.delayed.schedule('t', [ev('one'), ev('two')], [now + 1000, now + 2000]);
  await close(e);
  clock.advance(3_600_000); // the broker was down past both due times
  e = await open(io, clock);
  await until('overdue delivered', async () => (await values(e, 't')).length === 2);
  assert.deepEqual(await values(e, 't'), ['one', 'two']);
  await close(e);
});

test('a crash after the delivery but before its tombstone: republished at restart, stored once', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let e = await open(io, clock);
  await e.broker.createTopic('t');
  const now = clock.now();
  await e.delayed.schedule('t', [{ ...ev('v', 'dup-1'), headers: [{ key: 'eddy.id', value: Buffer.from('dup-1') }] }], [now + 10_000]);
  await e.delayed.close(); // the scheduler stops here; we play its delivery publish by hand
  clock.advance(10_000);
  // The delivery's publish (as the scheduler makes it), with the process gone before the tombstone.
  await e.broker.publish('t', [{ ...ev('v', 'dup-1'), headers: [{ key: 'eddy.id', value: Buffer.from('dup-1') }] }]);
  await e.broker.close();
  clock.advance(5_000);
  e = await open(io, clock); // the entry is overdue: republished at once, answered by the duplicate window
  await until('entry settled', () => e.delayed.pending === 0 && e.delayed.get('t', 'dup-1') === undefined);
  await settle();
  assert.deepEqual(await values(e, 't'), ['v']);
  await close(e);
});

test('scheduling the same id twice keeps one entry; a retried schedule answers the first due time', async (t) => {
  const e = await open();
  t.after(() => close(e));
  const now = e.clock.now();
  await e.delayed.schedule('t', [ev('a', 'same')], [now + 1000]);
  const r = await e.delayed.schedule('t', [ev('a', 'same')], [now + 9000]);
  assert.equal(r[0]!.deliverAt, now + 1000);
  assert.equal(e.delayed.pending, 1);
  e.clock.advance(10_000);
  await until('delivered', async () => (await values(e, 't')).length === 1);
  await settle();
  assert.deepEqual(await values(e, 't'), ['a']);
});

test('bounds: delay too far ahead, bad values, too many pending, internal topic, auto-create off', async (t) => {
  const e = await open(undefined, undefined, { pendingMax: 3 });
  t.after(() => close(e));
  const now = e.clock.now();
  assert.throws(() => resolveDelay({ delayMs: delayedLimits.delayMsMax + 1 }, now), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  assert.throws(() => resolveDelay({ delayMs: -1 }, now), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  assert.throws(() => resolveDelay({ delayMs: 1.5 }, now), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  assert.throws(() => resolveDelay({ delayMs: '10' }, now), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  assert.throws(() => resolveDelay({ delayMs: 1, deliverAt: now + 1 }, now), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  assert.throws(() => resolveDelay({ deliverAt: now + delayedLimits.delayMsMax + 1 }, now), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  assert.equal(resolveDelay({ deliverAt: now - 5 }, now), null); // past: due now
  assert.equal(resolveDelay({ delayMs: 0 }, now), null);
  assert.equal(resolveDelay({ delayMs: 10 }, now), now + 10);
  await assert.rejects(e.delayed.schedule('t', [ev('x')], [now + delayedLimits.delayMsMax + 1]), (x: unknown) => x instanceof EddyError && x.code === 'delay.invalid');
  await e.delayed.schedule('t', [ev('1'), ev('2')], [now + 1000, now + 1000]);
  await assert.rejects(e.delayed.schedule('t', [ev('3'), ev('4')], [now + 1000, now + 1000]), (x: unknown) => x instanceof EddyError && x.code === 'delay.too_many_pending');
  await e.delayed.schedule('t', [ev('3')], [now + 1000]);
  await assert.rejects(e.delayed.schedule(DELAYED_TOPIC, [ev('x')], [now + 1000]), (x: unknown) => x instanceof EddyError && x.code === 'topic.internal');
  await assert.rejects(e.delayed.schedule('bad name', [ev('x')], [now + 1000]), (x: unknown) => x instanceof EddyError && x.code === 'topic.invalid_name');
  e.clock.advance(1000);
  await until('delivered', () => e.delayed.pending === 0);

  const io = new SimFileIO();
  const clock = new FakeClock();
  const broker = await Broker.open({ dataDir: '/data', io, clock, freeBytesFloor: 0, autoCreateTopics: false });
  const d = await DelayedDelivery.open(broker);
  await assert.rejects(d.schedule('missing', [ev('x')], [clock.now() + 1000]), (x: unknown) => x instanceof EddyError && x.code === 'topic.not_found');
  await d.close();
  await broker.close();
});

test('a delay longer than one timer (30 days) waits the whole time', async (t) => {
  const e = await open();
  t.after(() => close(e));
  const day = 24 * 3600 * 1000;
  await e.delayed.schedule('t', [ev('month')], [e.clock.now() + 30 * day]);
  for (let d = 0; d < 29; d++) {
    e.clock.advance(day);
    await settle(5);
  }
  assert.deepEqual(await values(e, 't'), []);
  e.clock.advance(day);
  await until('delivered after 30 days', async () => (await values(e, 't')).length === 1);
});

test('a transient delivery failure is retried later, not in a loop', async (t) => {
  const e = await open();
  t.after(() => close(e));
  await e.broker.createTopic('t');
  const real = e.broker.publish.bind(e.broker);
  let calls = 0;
  e.broker.publish = async (...a) => {
    calls++;
    if (calls === 1) throw new EddyError('log.disk_full', 'simulated');
    return real(...a);
  };
  await e.delayed.schedule('t', [ev('x')], [e.clock.now() + 100]);
  e.clock.advance(100);
  await settle(50);
  assert.equal(calls, 1);
  assert.equal(e.delayed.pending, 1);
  e.clock.advance(delayedLimits.retryMs);
  await until('delivered on retry', async () => (await values(e, 't')).length === 1);
  assert.equal(calls, 2);
});
