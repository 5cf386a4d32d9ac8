// Subscriptions over a Broker on SimFileIO with a FakeClock: ack, nack + backoff, ack-deadline expiry,
// dead letters with their headers, per-key order, exclusive leases, long poll, restart and power loss
// (acked never replayed, unacked redelivered), backlog stats, validation. No real sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../broker.ts';
import { EddyError } from '../../errors.ts';
import { recordAt } from '../../log/codec/record-batch.ts';
import { FakeClock } from '../../testing/fake-clock.ts';
import { Random } from '../../testing/random.ts';
import { HeldIO } from '../../testing/held-io.ts';
import { SimFileIO } from '../../testing/sim-file-io.ts';
import type { CreateSubscriptionOptions } from './config.ts';
import { subscriptionLimits } from './limits.ts';
import { SubscriptionManager } from './manager.ts';
import type { PulledMessage } from './subscription.ts';

interface Env {
  io: SimFileIO;
  clock: FakeClock;
  broker: Broker;
  subs: SubscriptionManager;
}

async function open(io = new SimFileIO(), clock = new FakeClock()): Promise<Env> {
  const broker = await Broker.open({ dataDir: '/data', io, clock, freeBytesFloor: 0 });
  const subs = await SubscriptionManager.open(broker);
  return { io, clock, broker, subs };
}

async function env(t: import('node:test').TestContext, topic = 't', partitions = 1): Promise<Env> {
  const e = await open();
  await e.broker.createTopic(topic, { partitions });
  t.after(async () => {
    await e.subs.close();
    await e.broker.close();
  });
  return e;
}

async function publish(e: Env, topic: string, values: (string | { key: string; value: string })[]): Promise<void> {
  await e.broker.publish(topic, values.map((v) => (typeof v === 'string' ? { key: null, value: Buffer.from(v) } : { key: Buffer.from(v.key), value: Buffer.from(v.value) })));
}

const text = (m: PulledMessage) => Buffer.from(recordAt(m.record).value!).toString();
const texts = (ms: PulledMessage[]) => ms.map(text);

/** Lets resolved promises and pending I/O callbacks run (no timers, no wall clock thresholds). */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await settle(1);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

function create(e: Env, o: Partial<CreateSubscriptionOptions> = {}) {
  return e.subs.create({ name: 's', topic: 't', ...o });
}

test('pull delivers every event once; ack completes it and is reported', async (t) => {
  const e = await env(t);
  await publish(e, 't', ['a', 'b', 'c']);
  await create(e);
  const got = await e.subs.pull('s', { max: 10 });
  assert.deepEqual(texts(got), ['a', 'b', 'c']);
  assert.deepEqual(got.map((m) => m.deliveryAttempt), [1, 1, 1]);
  assert.deepEqual(got.map((m) => m.offset), [0, 1, 2]);
  assert.deepEqual(await e.subs.pull('s', { max: 10 }), []);
  assert.deepEqual(await e.subs.ack('s', got.map((m) => m.ackId)), { acked: 3, ignored: 0 });
  assert.deepEqual(await e.subs.ack('s', [got[0]!.ackId]), { acked: 0, ignored: 1 }, 'a second ack is ignored');
  e.clock.advance(3_600_000);
  assert.deepEqual(await e.subs.pull('s', { max: 10 }), [], 'acked events never come back');
  const s = e.subs.stats('s');
  assert.equal(s.backlog, 0);
  assert.equal(s.delivered, 3);
  assert.equal(s.inFlight, 0);
});

test('nack redelivers after the backoff for its attempt (initial * multiplier^(n-1)), or after delayMs', async (t) => {
  const e = await env(t);
  await publish(e, 't', ['x']);
  await create(e, { backoff: { initialMs: 1000, multiplier: 2, maxMs: 3000 } });
  let [m] = await e.subs.pull('s', { max: 1 });
  assert.deepEqual(await e.subs.nack('s', [m!.ackId]), { nacked: 1, ignored: 0 });
  e.clock.advance(999);
  assert.deepEqual(await e.subs.pull('s', {}), [], 'not before 1000 ms');
  e.clock.advance(1);
  [m] = await e.subs.pull('s', {});
  assert.equal(m!.deliveryAttempt, 2);
  await e.subs.nack('s', [m!.ackId]);
  e.clock.advance(1999);
  assert.deepEqual(await e.subs.pull('s', {}), [], 'not before 2000 ms');
  e.clock.advance(1);
  [m] = await e.subs.pull('s', {});
  assert.equal(m!.deliveryAttempt, 3);
  await e.subs.nack('s', [m!.ackId]);
  e.clock.advance(2999);
  assert.deepEqual(await e.subs.pull('s', {}), [], 'capped at maxMs = 3000, not 4000');
  e.clock.advance(1);
  [m] = await e.subs.pull('s', {});
  assert.equal(m!.deliveryAttempt, 4);
  await e.subs.nack('s', [m!.ackId], { delayMs: 0 });
  [m] = await e.subs.pull('s', {});
  assert.equal(m!.deliveryAttempt, 5, 'delayMs 0 redelivers at once');
});

test('an unacked message is redelivered when its ack deadline passes (plus backoff); the old ack id is stale', async (t) => {
  const e = await env(t);
  await publish(e, 't', ['x']);
  await create(e, { ackDeadlineMs: 10_000, backoff: { initialMs: 500 } });
  const [first] = await e.subs.pull('s', {});
  assert.equal(e.subs.stats('s').inFlight, 1);
  e.clock.advance(10_000);
  assert.deepEqual(await e.subs.pull('s', {}), [], 'expired, but the backoff has not passed');
  assert.equal(e.subs.stats('s').inFlight, 0);
  e.clock.advance(500);
  const [second] = await e.subs.pull('s', {});
  assert.equal(second!.deliveryAttempt, 2);
  assert.equal(second!.offset, first!.offset);
  assert.deepEqual(await e.subs.ack('s', [first!.ackId]), { acked: 0, ignored: 1 }, 'the first delivery\'s ack id no longer counts');
  await e.subs.modifyAckDeadline('s', [second!.ackId], 60_000);
  e.clock.advance(30_000);
  assert.equal(e.subs.stats('s').inFlight, 1, 'the extended lease still holds');
  assert.deepEqual(await e.subs.ack('s', [second!.ackId]), { acked: 1, ignored: 0 });
});

test('modifyAckDeadline can shorten a lease: it expires at the new deadline, not the old one', async (t) => {
  const e = await env(t);
  await publish(e, 't', ['x']);
  await create(e, { ackDeadlineMs: 60_000, backoff: { initialMs: 0, maxMs: 0 } });
  const [first] = await e.subs.pull('s', {});
  assert.deepEqual(await e.subs.modifyAckDeadline('s', [first!.ackId], 2_000), { modified: 1, ignored: 0 });
  e.clock.advance(1_999);
  assert.equal(e.subs.stats('s').inFlight, 1);
  e.clock.advance(1);
  assert.equal(e.subs.stats('s').inFlight, 0, 'expired at the shortened deadline');
  const [second] = await e.subs.pull('s', {});
  assert.equal(second!.deliveryAttempt, 2);
});

test('more events than the read-ahead window: each is delivered once, in order, as acks make room', async (t) => {
  const e = await env(t);
  const total = 12_500; // the window holds 10,000 offsets and is topped up 1,000 at a time
  for (let i = 0; i < total; i += 2_500) await publish(e, 't', Array.from({ length: 2_500 }, (_, k) => String(i + k)));
  await create(e);
  const seen: number[] = [];
  const leased: string[] = [];
  while (seen.length < total) {
    const got = await e.subs.pull('s', { max: 1_000 });
    if (got.length === 0) {
      assert.ok(leased.length > 0, `nothing deliverable and nothing to ack after ${seen.length} events`);
      await e.subs.ack('s', leased.splice(0, 700)); // acks in odd-sized steps, so the window is never freed exactly 1,000 at a time
      continue;
    }
    for (const m of got) seen.push(Number(text(m)));
    leased.push(...got.map((m) => m.ackId));
  }
  assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i));
  await e.subs.ack('s', leased);
  assert.equal(e.subs.stats('s').backlog, 0);
});

test('events larger than the whole byte window are read one at a time and each delivered once, in order', async (t) => {
  const e = await open();
  const big = subscriptionLimits.bufferedBytesMax + 1024;
  await e.broker.createTopic('t', { partitions: 1, config: { 'max.message.bytes': 4 * big } });
  t.after(async () => {
    await e.subs.close();
    await e.broker.close();
  });
  const values = ['a', 'B'.repeat(big), 'c', 'D'.repeat(big), 'E'.repeat(big), 'f'];
  for (const v of values) await publish(e, 't', [v]); // one batch each: a read returns whole batches
  await create(e);
  const seen: string[] = [];
  while (seen.length < values.length) {
    const got = await e.subs.pull('s', { max: 10 });
    assert.ok(got.length > 0, `stalled after ${seen.length} events`);
    assert.ok(got.filter((m) => recordAt(m.record).value!.length >= big).length <= 1, 'never two large events in the window at once');
    seen.push(...texts(got));
    await e.subs.ack('s', got.map((m) => m.ackId));
  }
  assert.deepEqual(seen, values);
});

test('many subscriptions share the window budget: memory stays bounded, and each still gets every event once, in order', async (t) => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  const broker = await Broker.open({ dataDir: '/data', io, clock, freeBytesFloor: 0 });
  const subs = await SubscriptionManager.open(broker, { windowBytesTotal: 64 * 1024 });
  const e: Env = { io, clock, broker, subs };
  t.after(async () => {
    await subs.close();
    await broker.close();
  });
  await broker.createTopic('t', { partitions: 4 });
  const value = (p: number, i: number) => `${p}:${i}:`.padEnd(500, 'x');
  for (let p = 0; p < 4; p++) {
    for (let b = 0; b < 10; b++) await broker.publish('t', Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(value(p, b * 10 + i)), partition: p })));
  }
  const names = Array.from({ length: 8 }, (_, i) => `s${i}`);
  for (const name of names) await create(e, { name });
  assert.equal(subs.windows.windows, 32);
  assert.equal(subs.windows.shareBytes, 2048);
  // One pull each, nothing acked: every window filled as far as its share lets it.
  const firsts = new Map<string, PulledMessage[]>();
  for (const name of names) firsts.set(name, await subs.pull(name, { max: 1000 }));
  const oneBatch = 10 * (500 + 64 + 20);
  assert.ok(subs.windows.heldBytes <= 32 * (2048 + oneBatch), `held ${subs.windows.heldBytes} B`);
  for (const got of firsts.values()) assert.ok(got.length > 0 && got.length < 400, `a share holds part of the backlog: ${got.length}`);
  // Every subscription drains everything, once and in order per partition.
  for (const name of names) {
    const seen = new Map<number, number[]>();
    let got = firsts.get(name)!;
    for (let rounds = 0; got.length > 0 || [...seen.values()].reduce((n, v) => n + v.length, 0) < 400; rounds++) {
      assert.ok(rounds < 1000, `${name} stalled`);
      for (const m of got) {
        const [p, i] = text(m).split(':').map(Number);
        assert.equal(m.partition, p);
        if (!seen.has(p!)) seen.set(p!, []);
        seen.get(p!)!.push(i!);
      }
      await subs.ack(name, got.map((m) => m.ackId));
      got = await subs.pull(name, { max: 1000 });
    }
    for (let p = 0; p < 4; p++) assert.deepEqual(seen.get(p), Array.from({ length: 100 }, (_, i) => i), `${name} partition ${p}`);
  }
  assert.equal(subs.windows.heldBytes, 0, 'all acked: nothing held');
  await subs.delete('s0');
  assert.equal(subs.windows.windows, 28, 'a deleted subscription gives its windows back');
});

test('a window in its refill band waits for acks: newer records in the log do not wake the puller again and again', async (t) => {
  const e = await env(t);
  const value = 'v'.repeat(1000);
  for (let i = 0; i < 4; i++) await publish(e, 't', Array.from({ length: 500 }, () => value)); // 2 MB: more than the window
  await create(e);
  const leased = await e.subs.pull('s', { max: 1000 });
  assert.ok(leased.length > 0 && leased.length < 2000, 'the byte bound stopped the read-ahead');
  // Ack a little: the window is no longer full, but too little is free for a read to be worth it.
  const per = recordAt(leased[0]!.record).value!.length;
  await e.subs.ack('s', leased.splice(0, Math.ceil(e.subs.windows.fillBytes / 2 / per)).map((m) => m.ackId));
  const log = e.broker.partitionLog('t', 0);
  const onAdvance = log.onAdvance.bind(log);
  let wakeups = 0;
  // Counts the puller's log waits; after 100 it stops answering, so a spinning puller ends up waiting.
  log.onAdvance = (offset, wake) => (++wakeups > 100 ? () => {} : onAdvance(offset, wake));
  const next = e.subs.pull('s', { max: 10, waitMs: 60_000 });
  await settle();
  assert.equal(wakeups, 0, 'the puller waits on acks, not on the log');
  await e.subs.ack('s', leased.map((m) => m.ackId)); // room: the waiting pull reads on
  assert.ok((await next).length > 0);
});

test('after maxDeliveryAttempts the event goes to the dead-letter topic with its failure headers', async (t) => {
  const e = await env(t);
  await e.broker.publish('t', [{ key: Buffer.from('k'), value: Buffer.from('poison'), headers: [{ key: 'trace', value: Buffer.from('abc') }] }]);
  await publish(e, 't', ['slow']);
  await create(e, { maxDeliveryAttempts: 2, ackDeadlineMs: 1000, backoff: { initialMs: 0, maxMs: 0 } });
  assert.equal(e.subs.get('s').deadLetterTopic, 't.dlq');
  for (let attempt = 1; attempt <= 2; attempt++) {
    const ms = await e.subs.pull('s', { max: 10 });
    assert.deepEqual(texts(ms), ['poison', 'slow']);
    assert.ok(ms.every((m) => m.deliveryAttempt === attempt));
    await e.subs.nack('s', [ms[0]!.ackId], { reason: 'schema_mismatch' });
    e.clock.advance(1000); // 'slow' expires
  }
  await until('two dead letters', () => e.subs.stats('s').deadLettered === 2);
  assert.deepEqual(await e.subs.pull('s', { max: 10 }), []);
  const r = await e.broker.readRecords('t.dlq', 0, 0, { limit: 10, maxBytes: 1 << 20 });
  const byValue = new Map(r.records.map((rec) => [Buffer.from(rec.value!).toString(), Object.fromEntries(rec.headers.map((h) => [h.key, Buffer.from(h.value!).toString()]))]));
  assert.deepEqual(byValue.get('poison'), {
    trace: 'abc',
    'eddy.dlq.reason': 'schema_mismatch',
    'eddy.dlq.attempts': '2',
    'eddy.dlq.topic': 't',
    'eddy.dlq.partition': '0',
    'eddy.dlq.offset': '0',
    'eddy.dlq.subscription': 's',
  });
  assert.equal(byValue.get('slow')!['eddy.dlq.reason'], 'max_delivery_attempts');
  assert.equal(byValue.get('slow')!['eddy.dlq.offset'], '1');
  assert.equal(Buffer.from(r.records.find((x) => Buffer.from(x.value!).toString() === 'poison')!.key!).toString(), 'k');
  const s = e.subs.stats('s');
  assert.equal(s.backlog, 0, 'dead-lettered events leave the backlog');
  assert.equal(s.deadLettered, 2);
});

test('maxDeliveryAttempts 0 means unlimited: no dead letters', async (t) => {
  const e = await env(t);
  await publish(e, 't', ['x']);
  await create(e, { maxDeliveryAttempts: 0, backoff: { initialMs: 0, maxMs: 0 } });
  assert.equal(e.subs.get('s').deadLetterTopic, null);
  for (let i = 1; i <= 20; i++) {
    const [m] = await e.subs.pull('s', {});
    assert.equal(m!.deliveryAttempt, i);
    await e.subs.nack('s', [m!.ackId]);
  }
  assert.equal(e.broker.hasTopic('t.dlq'), false);
});

test('ordered: a key\'s next event waits until the earlier one is acked; other keys flow', async (t) => {
  const e = await env(t);
  await publish(e, 't', [{ key: 'k1', value: 'a1' }, { key: 'k1', value: 'a2' }, { key: 'k2', value: 'b1' }, 'nokey', { key: 'k1', value: 'a3' }]);
  await create(e, { ordered: true, backoff: { initialMs: 0, maxMs: 0 } });
  const first = await e.subs.pull('s', { max: 10 });
  assert.deepEqual(texts(first), ['a1', 'b1', 'nokey']);
  assert.deepEqual(await e.subs.pull('s', { max: 10 }), [], 'a2 is withheld while a1 is in flight');
  await e.subs.nack('s', [first[0]!.ackId]);
  const again = await e.subs.pull('s', { max: 10 });
  assert.deepEqual(texts(again), ['a1'], 'a nacked a1 comes back before a2');
  await e.subs.ack('s', [again[0]!.ackId]);
  const next = await e.subs.pull('s', { max: 10 });
  assert.deepEqual(texts(next), ['a2']);
  await e.subs.ack('s', [next[0]!.ackId]);
  assert.deepEqual(texts(await e.subs.pull('s', { max: 10 })), ['a3']);
});

test('ordered: an ack releases the key\'s next event to a waiting puller at once; the ack is answered once durable', async (t) => {
  const io = new HeldIO();
  const e = await open(io);
  await e.broker.createTopic('t', { partitions: 1 });
  t.after(async () => {
    io.hold = null;
    await e.subs.close();
    await e.broker.close();
  });
  await publish(e, 't', [{ key: 'k1', value: 'a1' }, { key: 'k1', value: 'a2' }]);
  await create(e, { ordered: true });
  const [a1] = await e.subs.pull('s', { max: 10 });
  let next: PulledMessage[] | null = null;
  const waiting = e.subs.pull('s', { max: 10, waitMs: 60_000 }).then((m) => (next = m)); // fake clock: no timeout
  await settle(); // the puller waits: a2 is withheld while a1 is in flight
  assert.equal(next, null);
  let release!: () => void;
  io.hold = new Promise<void>((resolve) => (release = resolve)); // the ack's write stays on the disk
  let answered = false;
  const ack = e.subs.ack('s', [a1!.ackId]).then(() => (answered = true));
  await until('a2 delivered while the ack is being written', () => next !== null);
  assert.deepEqual(texts(next!), ['a2']);
  assert.equal(answered, false, 'the ack is answered only once its write is durable');
  io.hold = null;
  release();
  await ack;
  await waiting;
  assert.equal(answered, true);
});

/** Records of the subscription-state topic: one per partition state a write carries. */
const stateRecords = (e: Env) => e.broker.logs.get('__eddy_subscriptions', 0)!.highWatermark;
/** A hold long enough that nothing here waits it out (each ends sooner, or the test fails). */
const longHoldMs = subscriptionLimits.ackLingerMsMax;

test('ack lingerMs: acks share one held write; an ack without linger, 64 waiting acks or close end the hold', async (t) => {
  const e = await env(t);
  await publish(e, 't', Array.from({ length: 80 }, (_, i) => `v${i}`));
  await create(e);
  const ms = await e.subs.pull('s', { max: 80 });
  assert.equal(ms.length, 80);
  const answered = new Set<string>();
  const ack = (i: number, lingerMs?: number) => e.subs.ack('s', [ms[i]!.ackId], lingerMs === undefined ? {} : { lingerMs }).then(() => void answered.add(String(i)));

  // Two held acks, the second after the first would have been written: one write for both.
  const before = stateRecords(e);
  const first = ack(0, longHoldMs);
  await settle();
  const second = ack(1, longHoldMs);
  await settle();
  assert.equal(answered.size, 0, 'held: nothing is answered yet');
  assert.equal(stateRecords(e), before, 'held: nothing is written yet');
  // An ack that asks for no hold goes at once, and takes the held ones with it.
  await ack(2);
  await Promise.all([first, second]);
  assert.equal(stateRecords(e), before + 1, 'one write carried the three acks');

  // 64 acks waiting end the hold.
  const many = e.subs.ack('s', ms.slice(3, 3 + subscriptionLimits.ackLingerAcksMax).map((m) => m.ackId), { lingerMs: longHoldMs });
  let done = false;
  void many.then(() => (done = true));
  await until('64 held acks written', () => done);

  // Close writes a held ack's state and answers it.
  const last = ack(79, longHoldMs);
  await settle();
  await e.subs.close();
  await last;
  assert.ok(answered.has('79'));
  assert.throws(() => e.subs.ack('s', [ms[78]!.ackId], { lingerMs: subscriptionLimits.ackLingerMsMax + 1 }), (err: unknown) => err instanceof EddyError);
});

test('ack lingerMs, ordered: delivering a key whose ack is held writes it at once (its consumer waits for that answer)', async (t) => {
  const e = await env(t);
  await publish(e, 't', [{ key: 'k1', value: 'a1' }, { key: 'k1', value: 'a2' }, { key: 'k2', value: 'b1' }]);
  await create(e, { ordered: true });
  const first = await e.subs.pull('s', { max: 10 });
  assert.deepEqual(texts(first), ['a1', 'b1']);
  let b1Answered = false;
  const b1 = e.subs.ack('s', [first[1]!.ackId], { lingerMs: longHoldMs }).then(() => (b1Answered = true));
  let a1Answered = false;
  const a1 = e.subs.ack('s', [first[0]!.ackId], { lingerMs: longHoldMs }).then(() => (a1Answered = true));
  await settle();
  assert.equal(a1Answered || b1Answered, false, 'both held');
  assert.deepEqual(texts(await e.subs.pull('s', { max: 10 })), ['a2'], 'k1 is free once its ack arrived');
  await until('the held write goes once a2 is delivered', () => a1Answered && b1Answered);
  await Promise.all([a1, b1]);
});

test('unordered subscriptions deliver later events of a key while an earlier one is in flight', async (t) => {
  const e = await env(t);
  await publish(e, 't', [{ key: 'k1', value: 'a1' }, { key: 'k1', value: 'a2' }]);
  await create(e);
  assert.deepEqual(texts(await e.subs.pull('s', { max: 10 })), ['a1', 'a2']);
});

test('concurrent pullers never get the same in-flight message', async (t) => {
  const e = await env(t, 't', 3);
  const values = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  await publish(e, 't', values);
  await create(e);
  const results = await Promise.all([1, 2, 3, 4].map(() => e.subs.pull('s', { max: 10 })));
  const all = results.flat().map(text);
  assert.equal(all.length, 30);
  assert.equal(new Set(all).size, 30);
  assert.deepEqual(await e.subs.pull('s', { max: 10 }), []);
});

test('long poll: pull waits for a publish, and ends empty after waitMs of clock time', async (t) => {
  const e = await env(t);
  await create(e);
  const waiting = [e.subs.pull('s', { waitMs: 5000 }), e.subs.pull('s', { waitMs: 5000 })];
  await settle();
  await publish(e, 't', ['late']);
  const winner = await Promise.race(waiting);
  assert.deepEqual(texts(winner), ['late']);
  e.clock.advance(5000);
  const both = await Promise.all(waiting);
  assert.deepEqual(both.map(texts).flat(), ['late'], 'exactly one puller got it');
  const ac = new AbortController();
  const aborted = e.subs.pull('s', { waitMs: 60_000, signal: ac.signal });
  await settle();
  ac.abort();
  assert.deepEqual(await aborted, []);
});

test('long poll wakes when a nack delay passes', async (t) => {
  const e = await env(t);
  await publish(e, 't', ['x']);
  await create(e);
  const [m] = await e.subs.pull('s', {});
  await e.subs.nack('s', [m!.ackId], { delayMs: 2000 });
  const p = e.subs.pull('s', { waitMs: 10_000 });
  await settle();
  e.clock.advance(2000);
  const [again] = await p;
  assert.equal(again!.deliveryAttempt, 2);
});

test('restart: acked work is not replayed, unacked in-flight work is redelivered with its attempt count', async () => {
  const io = new SimFileIO();
  const clock = new FakeClock();
  let e = await open(io, clock);
  await e.broker.createTopic('t', { partitions: 2 });
  await publish(e, 't', Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
  await create(e);
  const got = await e.subs.pull('s', { max: 10 });
  assert.equal(got.length, 10);
  const acked = got.filter((_, i) => i % 3 !== 0);
  await e.subs.ack('s', acked.map((m) => m.ackId));
  const unacked = got.filter((_, i) => i % 3 === 0).map(text).sort();
  // Power loss right after the acks answered: only what was fsynced survives.
  io.crash({ unsynced: 'drop', random: new Random(7) });
  await e.subs.close().catch(() => {});
  e = await open(io, clock);
  assert.equal(e.subs.stats('s').backlog, unacked.length);
  const again = await e.subs.pull('s', { max: 10 });
  assert.deepEqual(texts(again).sort(), unacked);
  assert.ok(again.every((m) => m.deliveryAttempt >= 2), 'attempts persisted with the acks');
  await e.subs.ack('s', again.map((m) => m.ackId));
  await e.subs.close();
  await e.broker.close();
  e = await open(io, clock);
  assert.deepEqual(await e.subs.pull('s', { max: 10 }), []);
  assert.equal(e.subs.stats('s').backlog, 0);
  assert.equal(e.subs.stats('s').delivered, 10 + unacked.length);
  await publish(e, 't', ['after']);
  assert.deepEqual(texts(await e.subs.pull('s', { max: 10 })), ['after']);
  await e.subs.close();
  await e.broker.close();
});

test('backlog counts events not yet acked across partitions; from "latest" skips existing events', async (t) => {
  const e = await env(t, 't', 2);
  await publish(e, 't', Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
  await create(e);
  await e.subs.create({ name: 'tail', topic: 't', from: 'latest' });
  assert.equal(e.subs.stats('s').backlog, 10);
  assert.equal(e.subs.stats('tail').backlog, 0);
  const got = await e.subs.pull('s', { max: 4 });
  await e.subs.ack('s', got.slice(0, 2).map((m) => m.ackId));
  assert.deepEqual({ ...e.subs.stats('s'), delivered: 0 }, { backlog: 8, inFlight: 2, waiting: 0, deadLettered: 0, delivered: 0 });
  await publish(e, 't', ['new']);
  assert.equal(e.subs.stats('tail').backlog, 1);
  assert.equal(e.subs.stats('s').backlog, 9);
  assert.deepEqual(texts(await e.subs.pull('tail', { max: 10 })), ['new']);
});

test('create validates names and bounds; get / list / delete; unknown names and malformed ack ids', async (t) => {
  const e = await env(t);
  const code = async (p: Promise<unknown> | (() => unknown), c: string) => {
    await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: unknown) => err instanceof EddyError && err.code === c);
  };
  await code(create(e, { name: 'bad/name' }), 'subscription.invalid');
  await code(create(e, { name: '__x' }), 'subscription.invalid');
  await code(create(e, { name: 'x'.repeat(250) }), 'subscription.invalid');
  await code(create(e, { ackDeadlineMs: 10 }), 'subscription.invalid');
  await code(create(e, { maxDeliveryAttempts: 101 }), 'subscription.invalid');
  await code(create(e, { backoff: { initialMs: 5000, maxMs: 1000 } }), 'subscription.invalid');
  await code(create(e, { backoff: { multiplier: 0.5 } }), 'subscription.invalid');
  await code(create(e, { deadLetterTopic: 't' }), 'subscription.invalid');
  await code(create(e, { maxDeliveryAttempts: 0, deadLetterTopic: 'd' }), 'subscription.invalid');
  await code(create(e, { topic: 'nope' }), 'topic.not_found');
  await create(e, { deadLetterTopic: 'dead' });
  await code(create(e), 'subscription.already_exists');
  await e.subs.create({ name: 'a', topic: 't' });
  assert.deepEqual(e.subs.list().map((s) => s.name), ['a', 's']);
  assert.equal(e.subs.get('s').deadLetterTopic, 'dead');
  await code(() => e.subs.pull('s', { max: 0 }), 'request.invalid');
  await code(() => e.subs.pull('s', { waitMs: 60_001 }), 'request.invalid');
  await code(() => e.subs.ack('s', ['garbage']), 'subscription.unknown_ack_id');
  await code(() => e.subs.ack('s', ['a:0:0:1']), 'subscription.unknown_ack_id');
  assert.deepEqual(await e.subs.ack('s', ['s:0:99:1']), { acked: 0, ignored: 1 }, 'well-formed but unknown: ignored');
  await e.subs.delete('s');
  await code(() => e.subs.get('s'), 'subscription.not_found');
  await code(() => e.subs.pull('s', {}), 'subscription.not_found');
  await code(e.subs.delete('s'), 'subscription.not_found');
  assert.deepEqual(e.subs.list().map((s) => s.name), ['a']);
});
