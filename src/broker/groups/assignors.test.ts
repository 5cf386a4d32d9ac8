// Range and round-robin assignments against tables worked out by hand from the Java client's
// RangeAssignor / RoundRobinAssignor (several are the Java unit tests' own cases), a fast-check
// property that every partition goes to exactly one subscriber, and server-side assignment bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeAssignments, rangeAssign, roundRobinAssign, type AssignorMember, type GroupAssignment } from './assignors.ts';
import { decodeAssignment, encodeSubscription } from './consumer-protocol.ts';

const member = (memberId: string, topics: string[], groupInstanceId: string | null = null): AssignorMember => ({
  memberId,
  groupInstanceId,
  topics,
});
const counts = (table: Record<string, number>) => (topic: string) => table[topic];
/** { member: { topic: partitions } } for compact expectations. */
function table(a: GroupAssignment): Record<string, Record<string, number[]>> {
  const out: Record<string, Record<string, number[]>> = {};
  for (const [memberId, tps] of a) out[memberId] = Object.fromEntries(tps.map((tp) => [tp.topic, tp.partitions]));
  return out;
}

test('range: two consumers, two topics of three partitions (Java testTwoConsumersTwoTopicsSixPartitions)', () => {
  const a = rangeAssign([member('c1', ['t1', 't2']), member('c0', ['t1', 't2'])], counts({ t1: 3, t2: 3 }));
  assert.deepEqual(table(a), { c1: { t1: [2], t2: [2] }, c0: { t1: [0, 1], t2: [0, 1] } });
});

test('range: seven partitions over three consumers, the first gets the extra one', () => {
  const a = rangeAssign([member('c0', ['t']), member('c1', ['t']), member('c2', ['t'])], counts({ t: 7 }));
  assert.deepEqual(table(a), { c0: { t: [0, 1, 2] }, c1: { t: [3, 4] }, c2: { t: [5, 6] } });
});

test('range: mixed subscriptions (Java testMultipleConsumersMixedTopics)', () => {
  const a = rangeAssign(
    [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])],
    counts({ topic1: 3, topic2: 2 }),
  );
  assert.deepEqual(table(a), {
    consumer1: { topic1: [0] },
    consumer2: { topic1: [1], topic2: [0, 1] },
    consumer3: { topic1: [2] },
  });
});

test('range: members sort by String.compareTo; static members (by instance id) come first', () => {
  const a = rangeAssign([member('b', ['t']), member('a', ['t']), member('10', ['t']), member('9', ['t'])], counts({ t: 4 }));
  assert.deepEqual(table(a), { b: { t: [3] }, a: { t: [2] }, '10': { t: [0] }, '9': { t: [1] } });
  const s = rangeAssign(
    [member('a', ['t']), member('z', ['t'], 'i2'), member('y', ['t'], 'i1')],
    counts({ t: 4 }),
  );
  assert.deepEqual(table(s), { y: { t: [0, 1] }, z: { t: [2] }, a: { t: [3] } });
});

test('range: static members before a dynamic one (Java testStaticMemberRangeAssignmentPersistent)', () => {
  const topics = ['topic1', 'topic2'];
  const a = rangeAssign(
    [
      member('consumer4', topics),
      member('consumer3', topics, 'instance3'),
      member('consumer1', topics, 'instance1'),
      member('consumer2', topics, 'instance2'),
    ],
    counts({ topic1: 5, topic2: 4 }),
  );
  assert.deepEqual(table(a), {
    consumer4: { topic1: [4], topic2: [3] },
    consumer3: { topic1: [3], topic2: [2] },
    consumer1: { topic1: [0, 1], topic2: [0] },
    consumer2: { topic1: [2], topic2: [1] },
  });
});

test('range: unknown topics are skipped; extra consumers get nothing', () => {
  const a = rangeAssign([member('c0', ['t', 'ghost']), member('c1', ['t']), member('c2', ['t'])], counts({ t: 2 }));
  assert.deepEqual(table(a), { c0: { t: [0] }, c1: { t: [1] }, c2: {} });
});

test('roundrobin: two consumers, two topics of three partitions (Java testTwoConsumersTwoTopicsSixPartitions)', () => {
  const a = roundRobinAssign([member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])], counts({ t0: 3, t1: 3 }));
  assert.deepEqual(table(a), { c0: { t0: [0, 2], t1: [1] }, c1: { t0: [1], t1: [0, 2] } });
});

test('roundrobin: members not subscribed are skipped (Java testMultipleConsumersMixedTopics)', () => {
  const a = roundRobinAssign(
    [member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])],
    counts({ topic1: 3, topic2: 2 }),
  );
  assert.deepEqual(table(a), {
    consumer1: { topic1: [0] },
    consumer2: { topic1: [1], topic2: [0, 1] },
    consumer3: { topic1: [2] },
  });
  const b = roundRobinAssign([member('c1', ['t1']), member('c0', ['t0', 't1'])], counts({ t0: 2, t1: 3 }));
  assert.deepEqual(table(b), { c1: { t1: [0, 2] }, c0: { t0: [0, 1], t1: [1] } });
});

test('roundrobin: static members order by group instance id', () => {
  const a = roundRobinAssign(
    [member('consumer-a', ['t0', 't1'], 'instance2'), member('consumer-b', ['t0', 't1'], 'instance1')],
    counts({ t0: 3, t1: 3 }),
  );
  assert.deepEqual(table(a), { 'consumer-a': { t0: [1], t1: [0, 2] }, 'consumer-b': { t0: [0, 2], t1: [1] } });
});

test('property: every partition of a known subscribed topic goes to exactly one of its subscribers', () => {
  const topics = ['t0', 't1', 't2', 'ghost'];
  const partitionCounts: Record<string, number> = { t0: 1, t1: 5, t2: 8 };
  const membersArb = fc.uniqueArray(
    fc.record({
      memberId: fc.string({ minLength: 1, maxLength: 4 }),
      groupInstanceId: fc.option(fc.string({ minLength: 1, maxLength: 4 }), { nil: null }),
      topics: fc.subarray(topics),
    }),
    { minLength: 1, maxLength: 7, selector: (m) => m.memberId },
  );
  fc.assert(
    fc.property(membersArb, (members) => {
      for (const assign of [rangeAssign, roundRobinAssign]) {
        const result = assign(members, counts(partitionCounts));
        assert.equal(result.size, members.length);
        const owner = new Map<string, string>();
        for (const [memberId, tps] of result) {
          const m = members.find((x) => x.memberId === memberId);
          assert.ok(m);
          for (const { topic, partitions } of tps) {
            assert.ok(m.topics.includes(topic), `${memberId} got ${topic} without subscribing`);
            for (const p of partitions) {
              assert.equal(owner.has(`${topic}-${p}`), false, `${topic}-${p} assigned twice`);
              owner.set(`${topic}-${p}`, memberId);
            }
          }
        }
        for (const [topic, n] of Object.entries(partitionCounts)) {
          if (!members.some((m) => m.topics.includes(topic))) continue;
          for (let p = 0; p < n; p++) assert.ok(owner.has(`${topic}-${p}`), `${topic}-${p} unassigned`);
        }
      }
    }),
  );
});

test('computeAssignments decodes subscriptions, assigns, and encodes each member\'s assignment', () => {
  const kafkajsStyle = encodeSubscription({ version: 0, topics: ['t'], userData: new Uint8Array(0), ownedPartitions: [], generationId: -1, rackId: null });
  const rdkafkaStyle = encodeSubscription({ version: 1, topics: ['t', 'u'], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  const result = computeAssignments({
    protocolName: 'range',
    members: [
      { memberId: 'm1', groupInstanceId: null, metadata: kafkajsStyle },
      { memberId: 'm2', groupInstanceId: null, metadata: rdkafkaStyle },
      { memberId: 'm3', groupInstanceId: null, metadata: Uint8Array.from([0, 0, 0xff]) },
    ],
    partitionCount: counts({ t: 3, u: 1 }),
  });
  assert.deepEqual(result.undecodable.map((u) => u.memberId), ['m3']);
  const decoded = Object.fromEntries(
    result.assignments.map(({ memberId, assignment }) => {
      const r = decodeAssignment(assignment);
      assert.ok(r.ok);
      return [memberId, r.value];
    }),
  );
  assert.deepEqual(decoded, {
    m1: { version: 0, assignedPartitions: [{ topic: 't', partitions: [0, 1] }], userData: null },
    m2: { version: 1, assignedPartitions: [{ topic: 't', partitions: [2] }, { topic: 'u', partitions: [0] }], userData: null },
    m3: { version: 0, assignedPartitions: [], userData: null },
  });
});
