// defineEvent with a real Standard Schema validator (zod 4): validation, chained upcasting, version
// errors — and compile-time checks: the `@ts-expect-error` lines below fail `tsc` if publish,
// publishMany or a handler ever accept a payload of the wrong shape.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { decodeEvent, decodeNow, defineEvent, validateEvent, validateNow } from './define-event.ts';
import type { StandardSchemaV1 } from './standard-schema.ts';
import { createEventBus, item } from './bus.ts';
import { MemoryTransport } from './memory-transport.ts';
import { EddyError } from '../errors.ts';

const OrderPlaced = defineEvent('OrderPlaced', {
  version: 3,
  schema: z.object({ orderId: z.string(), total: z.number(), currency: z.string(), channel: z.enum(['web', 'shop']) }),
  upcast: {
    1: (v1) => ({ ...v1, currency: 'USD' }),
    2: (v2) => ({ ...v2, channel: 'web' }),
  },
  key: (e) => e.orderId,
});

test('validateEvent returns the parsed value and rejects bad data with sdk.validation_failed', async () => {
  assert.deepEqual(await validateEvent(OrderPlaced, { orderId: 'o1', total: 5, currency: 'EUR', channel: 'shop' }), { orderId: 'o1', total: 5, currency: 'EUR', channel: 'shop' });
  await assert.rejects(validateEvent(OrderPlaced, { orderId: 1 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.validation_failed' && /orderId/.test(e.message));
});

test('decodeEvent upcasts version by version, then validates', async () => {
  assert.deepEqual(await decodeEvent(OrderPlaced, { orderId: 'o1', total: 5 }, 1), { orderId: 'o1', total: 5, currency: 'USD', channel: 'web' });
  assert.deepEqual(await decodeEvent(OrderPlaced, { orderId: 'o1', total: 5, currency: 'EUR' }, 2), { orderId: 'o1', total: 5, currency: 'EUR', channel: 'web' });
  await assert.rejects(decodeEvent(OrderPlaced, {}, 4), (e: unknown) => e instanceof EddyError && e.code === 'sdk.unknown_version');
  const NoChain = defineEvent('NoChain', { version: 3, schema: z.object({ a: z.string() }), upcast: { 2: (v) => v } });
  await assert.rejects(decodeEvent(NoChain, { a: 'x' }, 1), (e: unknown) => e instanceof EddyError && e.code === 'sdk.unknown_version');
  await assert.rejects(decodeEvent(OrderPlaced, { orderId: 'o1' }, 1), (e: unknown) => e instanceof EddyError && e.code === 'sdk.validation_failed');
});

test('validateNow and decodeNow answer without a promise for a synchronous validator, and with one for an asynchronous validator', async () => {
  const valid = { orderId: 'o1', total: 5, currency: 'EUR', channel: 'shop' };
  const now = validateNow(OrderPlaced, valid);
  assert.ok(!(now instanceof Promise), 'zod validates synchronously');
  assert.deepEqual(now, valid);
  assert.throws(() => validateNow(OrderPlaced, { orderId: 1 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.validation_failed');
  assert.deepEqual(decodeNow(OrderPlaced, { orderId: 'o1', total: 5 }, 1), { orderId: 'o1', total: 5, currency: 'USD', channel: 'web' });
  // A Standard Schema whose validate is asynchronous (as some validators' refinements are).
  const later: StandardSchemaV1<{ a: string }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (v: unknown) => (typeof (v as { a?: unknown }).a === 'string' ? { value: v as { a: string } } : { issues: [{ message: 'a must be a string' }] }),
    },
  };
  const Later = defineEvent('Later', { version: 1, schema: later });
  const pending = validateNow(Later, { a: 'x' });
  assert.ok(pending instanceof Promise);
  assert.deepEqual(await pending, { a: 'x' });
  await assert.rejects(Promise.resolve(decodeNow(Later, { a: 1 }, 1)), (e: unknown) => e instanceof EddyError && e.code === 'sdk.validation_failed' && /a must be a string/.test(e.message));
  await assert.rejects(validateEvent(OrderPlaced, { orderId: 1 }), 'validateEvent still rejects (not throws) for a synchronous validator');
});

test('defineEvent rejects bad declarations with sdk.invalid_options', () => {
  const schema = z.object({});
  for (const bad of [() => defineEvent('has space', { version: 1, schema }), () => defineEvent('E', { version: 0, schema }), () => defineEvent('E', { version: 2, schema, upcast: { 2: (v) => v } }), () => defineEvent('E', { version: 1, schema: {} as never })]) {
    assert.throws(bad, (e: unknown) => e instanceof EddyError && e.code === 'sdk.invalid_options');
  }
  assert.equal(OrderPlaced.keyOf?.({ orderId: 'k', total: 1, currency: 'X', channel: 'web' }), 'k');
  assert.equal(OrderPlaced.topic, 'OrderPlaced');
});

test('publish, publishMany and handlers are type-checked against the latest version', async () => {
  const bus = await createEventBus({ source: 'types', transport: 'memory' });
  const Other = defineEvent('Other', { version: 1, schema: z.object({ n: z.number() }) });
  await bus.publish(OrderPlaced, { orderId: 'o', total: 1, currency: 'EUR', channel: 'web' });
  // @ts-expect-error missing currency and channel (v1 shape)
  await assert.rejects(bus.publish(OrderPlaced, { orderId: 'o', total: 1 }));
  // @ts-expect-error total must be a number
  await assert.rejects(bus.publish(OrderPlaced, { orderId: 'o', total: '1', currency: 'EUR', channel: 'web' }));
  // @ts-expect-error channel is an enum
  await assert.rejects(bus.publish(OrderPlaced, { orderId: 'o', total: 1, currency: 'EUR', channel: 'phone' }));
  await bus.publishMany([
    { event: OrderPlaced, data: { orderId: 'o', total: 1, currency: 'EUR', channel: 'web' } },
    { event: Other, data: { n: 1 } },
  ]);
  await assert.rejects(
    bus.publishMany([
      // @ts-expect-error data of Other given to OrderPlaced
      { event: OrderPlaced, data: { n: 1 } },
    ]),
  );
  await bus.publishMany([item(Other, { n: 2 })]);
  // @ts-expect-error item() checks its data too
  await assert.rejects(bus.publishMany([item(Other, { n: 'x' })]));
  const h = bus.subscribe(
    OrderPlaced,
    (data, ctx) => {
      const total: number = data.total;
      const type: 'OrderPlaced' = ctx.type;
      // @ts-expect-error no such field on the payload
      void data.missing;
      void total;
      void type;
    },
    { group: 'g' },
  );
  await h.ready;
  await bus.close();
  await assert.rejects(bus.publish(Other, { n: 1 }), (e: unknown) => e instanceof EddyError && e.code === 'sdk.closed');
});

test('publishMany is all or nothing: a failing item, synchronous or not, publishes none and the first failure in item order is thrown', async () => {
  const mem = new MemoryTransport();
  const bus = await createEventBus({ source: 'batch', transport: mem });
  const Sync = defineEvent('SyncChecked', { version: 1, schema: z.object({ n: z.number() }) });
  // A Standard Schema validator that answers asynchronously (what zod's async refinements do).
  const later: StandardSchemaV1<{ n: number }, { n: number }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (v) => ((v as { n?: unknown }).n === 13 ? { issues: [{ message: 'unlucky' }] } : { value: v as { n: number } }),
    },
  };
  const Async = defineEvent('AsyncChecked', { version: 1, schema: later });
  try {
    await bus.publishMany([item(Sync, { n: 1 }), item(Sync, { n: 2 })]);
    assert.equal(mem.size('SyncChecked'), 2, 'all synchronous: published');
    // @ts-expect-error n must be a number
    await assert.rejects(bus.publishMany([item(Sync, { n: 3 }), item(Sync, { n: 'x' }), item(Sync, { n: 4 })]), (e: EddyError) => e.code === 'sdk.validation_failed');
    assert.equal(mem.size('SyncChecked'), 2, 'a synchronous failure publishes none');
    await assert.rejects(bus.publishMany([item(Async, { n: 13 }), item(Sync, { n: 5 }), item(Sync, { n: 'y' } as never)]), /unlucky/, 'the first failure in item order, asynchronous');
    assert.equal(mem.size('SyncChecked'), 2);
    assert.equal(mem.size('AsyncChecked'), 0);
    await bus.publishMany([item(Async, { n: 1 }), item(Sync, { n: 6 })]);
    assert.equal(mem.size('AsyncChecked'), 1, 'mixed, all valid: published');
    assert.equal(mem.size('SyncChecked'), 3);
  } finally {
    await bus.close();
  }
});
