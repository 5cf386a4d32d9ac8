// ConsumerProtocol codec: golden bytes as kafkajs and librdkafka write them, round trips for every
// version (fast-check), forward compatibility (newer version, unknown tail), every strict prefix
// rejected, and random or hostile bytes never throwing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Assignment,
  type Subscription,
} from './consumer-protocol.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('golden: a kafkajs v0 subscription (RoundRobinAssigner, empty user data)', () => {
  // version 0 | topics [1] "t" | user_data length 0
  const bytes = hex('0000 00000001 0001 74 00000000');
  const r = decodeSubscription(bytes);
  assert.deepEqual(r, {
    ok: true,
    value: { version: 0, topics: ['t'], userData: new Uint8Array(0), ownedPartitions: [], generationId: -1, rackId: null },
  });
  if (r.ok) assert.deepEqual(encodeSubscription(r.value), bytes);
});

test('golden: a librdkafka v1 subscription (null user data, owned partitions)', () => {
  // version 1 | topics ["ab","c"] | user_data null | owned [("ab", [0, 2])]
  const bytes = hex('0001 00000002 0002 6162 0001 63 ffffffff 00000001 0002 6162 00000002 00000000 00000002');
  const r = decodeSubscription(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    version: 1,
    topics: ['ab', 'c'],
    userData: null,
    ownedPartitions: [{ topic: 'ab', partitions: [0, 2] }],
    generationId: -1,
    rackId: null,
  });
  assert.deepEqual(encodeSubscription(r.value), bytes);
});

test('golden: an assignment', () => {
  // version 0 | [("t", [1])] | user_data null
  const bytes = hex('0000 00000001 0001 74 00000001 00000001 ffffffff');
  const r = decodeAssignment(bytes);
  assert.deepEqual(r, { ok: true, value: { version: 0, assignedPartitions: [{ topic: 't', partitions: [1] }], userData: null } });
});

interface KafkajsAssignerProtocol {
  MemberMetadata: { encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer };
  MemberAssignment: {
    encode(a: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer;
    decode(b: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer | null } | null;
  };
}
const kafkajs = createRequire(import.meta.url)('kafkajs/src/consumer/assignerProtocol') as KafkajsAssignerProtocol;

test('kafkajs 2.2.4 reads what we write and we read what it writes', () => {
  const metadata = kafkajs.MemberMetadata.encode({ version: 0, topics: ['orders', 'payments'], userData: Buffer.from([1, 2]) });
  assert.deepEqual(decodeSubscription(metadata), {
    ok: true,
    value: { version: 0, topics: ['orders', 'payments'], userData: Uint8Array.from([1, 2]), ownedPartitions: [], generationId: -1, rackId: null },
  });
  const theirs = kafkajs.MemberAssignment.encode({ version: 0, assignment: { orders: [0, 2], payments: [1] } });
  assert.deepEqual(decodeAssignment(theirs), {
    ok: true,
    value: {
      version: 0,
      assignedPartitions: [
        { topic: 'orders', partitions: [0, 2] },
        { topic: 'payments', partitions: [1] },
      ],
      userData: new Uint8Array(0),
    },
  });
  const ours = encodeAssignment({ version: 0, assignedPartitions: [{ topic: 'orders', partitions: [3] }], userData: null });
  assert.deepEqual(kafkajs.MemberAssignment.decode(Buffer.from(ours)), { version: 0, assignment: { orders: [3] }, userData: null });
});

test('a newer version is read as version 3 and its unknown tail ignored, as Kafka does', () => {
  const v3 = encodeSubscription({
    version: 3,
    topics: ['t'],
    userData: null,
    ownedPartitions: [],
    generationId: 7,
    rackId: 'rack-a',
  });
  const v9 = new Uint8Array([...v3, 0xde, 0xad]);
  v9[1] = 9;
  const r = decodeSubscription(v9);
  assert.ok(r.ok);
  assert.equal(r.value.version, 9);
  assert.equal(r.value.generationId, 7);
  assert.equal(r.value.rackId, 'rack-a');
  const tail = decodeAssignment(new Uint8Array([...encodeAssignment({ version: 1, assignedPartitions: [], userData: null }), 1, 2, 3]));
  assert.ok(tail.ok);
});

test('negative versions, null topics and oversized counts are rejected without allocating', () => {
  assert.equal(decodeSubscription(hex('ffff 00000000 ffffffff')).ok, false);
  assert.equal(decodeSubscription(hex('0000 ffffffff ffffffff')).ok, false, 'topics is not nullable');
  assert.equal(decodeSubscription(hex('0000 7fffffff')).ok, false);
  assert.equal(decodeSubscription(hex('0000 00000001 ffff ffffffff')).ok, false, 'a topic name is not nullable');
  assert.equal(decodeSubscription(hex('0000 00000000 7fffffff')).ok, false, 'user data longer than what remains');
  assert.equal(decodeAssignment(hex('0000 00000001 0001 74 7fffffff')).ok, false);
  const r = decodeAssignment(hex('0000 00000001 0001 74 00000400'));
  assert.ok(!r.ok && /cannot fit/.test(r.error));
});

const topicName = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
// fc.record builds null-prototype objects; spread them into plain ones for deepEqual.
const topicPartitions = fc.array(
  fc
    .record({ topic: topicName, partitions: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 8 }) })
    .map((tp) => ({ ...tp })),
  { maxLength: 5 },
);
const userData = fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null });

const subscriptionArb: fc.Arbitrary<Subscription> = fc
  .record({
    version: fc.integer({ min: 0, max: 3 }),
    topics: fc.array(topicName, { maxLength: 8 }),
    userData,
    ownedPartitions: topicPartitions,
    generationId: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    rackId: fc.option(fc.string({ unit: 'binary', maxLength: 20 }), { nil: null }),
  })
  // Fields a version does not carry decode to their defaults.
  .map((s) => ({
    ...s,
    ownedPartitions: s.version >= 1 ? s.ownedPartitions : [],
    generationId: s.version >= 2 ? s.generationId : -1,
    rackId: s.version >= 3 ? s.rackId : null,
  }));

const assignmentArb: fc.Arbitrary<Assignment> = fc
  .record({ version: fc.integer({ min: 0, max: 3 }), assignedPartitions: topicPartitions, userData })
  .map((a) => ({ ...a }));

test('property: subscriptions round trip and every strict prefix is rejected', () => {
  fc.assert(
    fc.property(subscriptionArb, (s) => {
      const bytes = encodeSubscription(s);
      assert.deepEqual(decodeSubscription(bytes), { ok: true, value: s });
      for (let n = 0; n < bytes.length; n++) assert.equal(decodeSubscription(bytes.subarray(0, n)).ok, false, `prefix ${n}`);
    }),
  );
});

test('property: assignments round trip and every strict prefix is rejected', () => {
  fc.assert(
    fc.property(assignmentArb, (a) => {
      const bytes = encodeAssignment(a);
      assert.deepEqual(decodeAssignment(bytes), { ok: true, value: a });
      for (let n = 0; n < bytes.length; n++) assert.equal(decodeAssignment(bytes.subarray(0, n)).ok, false, `prefix ${n}`);
    }),
  );
});

test('property: random and mutated bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      const s = decodeSubscription(bytes);
      const a = decodeAssignment(bytes);
      assert.equal(typeof s.ok, 'boolean');
      assert.equal(typeof a.ok, 'boolean');
    }),
  );
  fc.assert(
    fc.property(subscriptionArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (s, at, value) => {
      const bytes = encodeSubscription(s);
      if (bytes.length === 0) return;
      bytes[at % bytes.length] = value;
      decodeSubscription(bytes);
      decodeAssignment(bytes);
    }),
  );
});
