// UUIDv7 (RFC 9562) layout and monotonicity; the envelope's Kafka binding is exactly what the broker
// stores for the same structured CloudEvent (src/http/events.ts), and reads back losslessly.

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'node:test';
import { createUuidV7, UUID_V7_RE, uuidV7TimeMs } from './uuidv7.ts';
import { childTraceparent, fromWireRecord, isoTime, toStructured, toWireRecord, type Envelope } from './envelope.ts';
import { cloudEventFromJson, recordView } from '../http/events.ts';
import { decodeRecords, encodeBatch } from '../log/codec/record-batch.ts';
import { backoffDelayMs, retryPolicy } from './retry.ts';
import { MemoryIdempotencyStore } from './idempotency.ts';
import { FakeClock } from '../testing/fake-clock.ts';

test('uuidv7: version and variant bits, timestamp, strictly increasing within a ms and when time steps back', () => {
  let now = 1_700_000_000_123;
  const next = createUuidV7({ now: () => now });
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) ids.push(next()); // > 4096: forces a counter overflow into the next ms
  now -= 10;
  ids.push(next());
  for (const id of ids) assert.match(id, UUID_V7_RE);
  assert.equal(uuidV7TimeMs(ids[0]!), 1_700_000_000_123);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
});

const env: Envelope = {
  specversion: '1.0',
  id: '0190f0e4-0000-7000-8000-000000000001',
  source: 'order-service',
  type: 'OrderPlaced',
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  partitionkey: 'o-1',
  version: 2,
  correlationid: 'c-1',
  causationid: 'e-0',
  traceparent: childTraceparent(),
  data: { orderId: 'o-1', total: 10 },
};

test('envelope: the SDK binding equals the broker binding of the same structured CloudEvent', () => {
  const ours = toWireRecord(env);
  const broker = cloudEventFromJson(toStructured(env));
  // Stored as the broker stores it (a record batch), read back as the HTTP API shows it.
  const stored = decodeRecords(encodeBatch([broker], { timestampMs: 0 }), 0, { decompressedBytesMax: 1 << 20 });
  assert.ok(stored.ok);
  const view = recordView(0, stored.value[0]!);
  assert.deepEqual(view.headers, ours.headers);
  assert.equal(view.key, ours.key);
  assert.deepEqual(view.value, ours.value);
  assert.deepEqual(fromWireRecord({ key: view.key, headers: view.headers, value: view.value }), env);
});

test('envelope: structured-mode records and foreign events (no version) are read; bad ones are sdk.invalid_envelope', () => {
  const s = fromWireRecord({ key: null, headers: { 'content-type': 'application/cloudevents+json' }, value: toStructured(env) });
  assert.deepEqual(s, env);
  const foreign = fromWireRecord({ key: null, headers: { ce_specversion: '1.0', ce_id: 'x', ce_source: 'kcat', ce_type: 'OrderPlaced' }, value: { a: 1 } });
  assert.equal(foreign.version, 0);
  assert.throws(() => fromWireRecord({ key: null, headers: {}, value: 1 }), { code: 'sdk.invalid_envelope' });
  assert.throws(() => fromWireRecord({ key: null, headers: { ce_specversion: '1.0', ce_id: 'x', ce_source: 's', ce_type: 't' }, value: 'AAEC', valueEncoding: 'base64' }), { code: 'sdk.invalid_envelope' });
  const child = childTraceparent(env.traceparent);
  assert.equal(child.slice(3, 35), env.traceparent!.slice(3, 35));
  assert.notEqual(child, env.traceparent);
});

test('retry policy: exponential, capped, jitter in [delay/2, delay], bounds checked', () => {
  const p = retryPolicy({ attempts: 4, backoff: { initialMs: 100, multiplier: 3, maxMs: 500, jitter: false } });
  assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelayMs(p, a, () => 0)), [100, 300, 500, 500]);
  const j = { ...p, jitter: true };
  assert.equal(backoffDelayMs(j, 2, () => 0), 150);
  assert.equal(backoffDelayMs(j, 2, () => 0.999999), 300);
  assert.throws(() => retryPolicy({ attempts: 0 }), { code: 'sdk.invalid_options' });
  assert.throws(() => retryPolicy({ backoff: { initialMs: 10, maxMs: 5 } }), { code: 'sdk.invalid_options' });
});

test('memory idempotency store: entries expire after their window; size is bounded', async () => {
  const clock = new FakeClock();
  const s = new MemoryIdempotencyStore({ clock, entriesMax: 2 });
  await s.markDone('g', 'a', 1000);
  assert.equal(await s.has('g', 'a'), true);
  assert.equal(await s.has('h', 'a'), false);
  clock.advance(1000);
  assert.equal(await s.has('g', 'a'), false);
  for (const id of ['x', 'y', 'z']) await s.markDone('g', id, 1000);
  assert.equal(s.size, 2);
  assert.equal(await s.has('g', 'x'), false);
  assert.equal(await s.has('g', 'z'), true);
});

test('uuidv7: the text is its 16 bytes in 8-4-4-4-12 hex: 48 bits of ms, version, counter, variant, the random bytes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 10, maxLength: 10 }), (ms, random) => {
      const next = createUuidV7({ now: () => ms, randomFill: (b) => b.set(random) });
      const id = next();
      assert.match(id, UUID_V7_RE);
      const hex = id.replaceAll('-', '');
      assert.equal(Number.parseInt(hex.slice(0, 12), 16), ms);
      const counter = ((random[0]! << 8) | random[1]!) & 0x7ff;
      assert.equal(hex.slice(12, 16), (0x7000 | counter).toString(16));
      assert.equal(hex.slice(16, 18), (0x80 | (random[2]! & 0x3f)).toString(16));
      assert.equal(hex.slice(18), Buffer.from(random.subarray(3)).toString('hex'));
    }),
    { numRuns: 500 },
  );
});

test('isoTime: the ISO text of each time in a sequence, repeats and steps back included', () => {
  const ms = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: 1.7e12, max: 1.7e12 + 5 }), fc.double({ min: 0, max: 4e12, noNaN: true }));
  fc.assert(
    fc.property(fc.array(ms, { minLength: 1, maxLength: 20 }), (times) => {
      for (const t of times) assert.equal(isoTime(t), new Date(t).toISOString());
    }),
  );
});
