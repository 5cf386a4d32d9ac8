// The group APIs over a real Kafka listener, spoken byte by byte with a raw-socket client: the
// join/sync/heartbeat/leave/commit/fetch flows at v0, at the versions librdkafka 2.0.2 picks (JoinGroup
// v5, SyncGroup v3, Heartbeat v3, LeaveGroup v1, OffsetCommit v7, flexible OffsetFetch v7 with header
// v2), at the flexible maxima @platformatic/kafka needs, MEMBER_ID_REQUIRED, rebalances and errors.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { RunningBroker } from '../src/server.ts';
import { startTestBroker } from './support/test-broker.ts';
import {
  assignment,
  heartbeat,
  joinGroup,
  leaveGroup,
  offsetCommit,
  offsetFetch,
  offsetFetchGroups,
  RawKafkaClient,
  subscription,
  syncGroup,
} from './support/kafka-raw-groups.ts';

const E = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  COORDINATOR_NOT_AVAILABLE: 15,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_REQUEST: 42,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
} as const;

async function withBroker(t: TestContext): Promise<{ b: RunningBroker; port: number; client(id?: string): Promise<RawKafkaClient> }> {
  const clients: RawKafkaClient[] = [];
  const b = await startTestBroker(t, { kafka: { port: 0 } }, () => {
    for (const c of clients) c.close();
  });
  await b.broker.createTopic('t', { partitions: 2 });
  const port = b.kafka!.port;
  return {
    b,
    port,
    async client(id = 'raw') {
      const c = await RawKafkaClient.connect(port, id);
      clients.push(c);
      return c;
    },
  };
}

test('FindCoordinator v0–v4 answers this listener for groups; transactions are not coordinated', async (t) => {
  const { client, port } = await withBroker(t);
  const c = await client();
  for (const version of [0, 1, 2, 3]) {
    const r = await c.request(10, version, (w) => {
      w.string('g');
      if (version >= 1) w.int8(0);
      w.tags();
    });
    if (version >= 1) assert.equal(r.int32(), 0);
    assert.equal(r.int16(), E.NONE);
    if (version >= 1) assert.equal(r.nullableString(), null);
    assert.deepEqual([r.int32(), r.string(), r.int32()], [0, 'localhost', port], `v${version}`);
    r.tags();
    r.end();
    assert.ok(r.ok, `v${version}: ${r.error?.message}`);
  }
  const r = await c.request(10, 4, (w) => {
    w.int8(0).array(['a', 'b'], (k) => w.string(k));
    w.tags();
  });
  assert.equal(r.int32(), 0);
  const keys = r.array(() => {
    const v = { key: r.string(), nodeId: r.int32(), host: r.string(), port: r.int32(), error: r.int16(), message: r.nullableString() };
    r.tags();
    return v;
  });
  r.tags();
  r.end();
  assert.ok(r.ok);
  assert.deepEqual(keys, [
    { key: 'a', nodeId: 0, host: 'localhost', port, error: 0, message: null },
    { key: 'b', nodeId: 0, host: 'localhost', port, error: 0, message: null },
  ]);
  const txn = await c.request(10, 2, (w) => w.string('tx').int8(1));
  txn.int32();
  assert.equal(txn.int16(), E.COORDINATOR_NOT_AVAILABLE);
});

test('v0 flow: join (no MEMBER_ID_REQUIRED), sync, heartbeat, commit v2, fetch v1, leave', async (t) => {
  const { client } = await withBroker(t);
  const c = await client('v0-client');
  const join = await joinGroup(c, 0, { groupId: 'g0', protocols: [{ name: 'range', metadata: subscription(['t']) }] });
  assert.equal(join.error, E.NONE);
  assert.equal(join.generationId, 1);
  assert.equal(join.protocolName, 'range');
  assert.equal(join.leader, join.memberId);
  assert.match(join.memberId, /^v0-client-/);
  assert.deepEqual(join.members.map((m) => m.memberId), [join.memberId]);
  const a = assignment([{ topic: 't', partitions: [0, 1] }]);
  const sync = await syncGroup(c, 0, { groupId: 'g0', generationId: 1, memberId: join.memberId, assignments: [{ memberId: join.memberId, assignment: a }] });
  assert.equal(sync.error, E.NONE);
  assert.deepEqual(new Uint8Array(sync.assignment), a);
  assert.equal(await heartbeat(c, 0, { groupId: 'g0', generationId: 1, memberId: join.memberId }), E.NONE);
  assert.equal(await heartbeat(c, 0, { groupId: 'g0', generationId: 7, memberId: join.memberId }), E.ILLEGAL_GENERATION);
  assert.equal(await heartbeat(c, 0, { groupId: 'g0', generationId: 1, memberId: 'nobody' }), E.UNKNOWN_MEMBER_ID);
  const commit = await offsetCommit(c, 2, {
    groupId: 'g0',
    generationId: 1,
    memberId: join.memberId,
    topics: [
      { name: 't', partitions: [{ partition: 0, offset: 5, metadata: 'm0' }, { partition: 1, offset: 9 }, { partition: 7, offset: 1 }] },
      { name: 'nope', partitions: [{ partition: 0, offset: 1 }] },
    ],
  });
  assert.deepEqual(commit, [
    { name: 't', partitions: [{ partition: 0, error: 0 }, { partition: 1, error: 0 }, { partition: 7, error: E.UNKNOWN_TOPIC_OR_PARTITION }] },
    { name: 'nope', partitions: [{ partition: 0, error: E.UNKNOWN_TOPIC_OR_PARTITION }] },
  ]);
  const stale = await offsetCommit(c, 2, { groupId: 'g0', generationId: 0, memberId: join.memberId, topics: [{ name: 't', partitions: [{ partition: 0, offset: 1 }] }] });
  assert.equal(stale[0]!.partitions[0]!.error, E.ILLEGAL_GENERATION);
  const standalone = await offsetCommit(c, 2, { groupId: 'g0', topics: [{ name: 't', partitions: [{ partition: 0, offset: 1 }] }] });
  assert.equal(standalone[0]!.partitions[0]!.error, E.UNKNOWN_MEMBER_ID, 'a standalone commit needs an Empty group');
  const fetched = await offsetFetch(c, 1, { groupId: 'g0', topics: [{ name: 't', partitions: [0, 1, 5] }] });
  assert.deepEqual(fetched.topics, [
    {
      name: 't',
      partitions: [
        { partition: 0, offset: 5, leaderEpoch: -1, metadata: 'm0', error: 0 },
        { partition: 1, offset: 9, leaderEpoch: -1, metadata: '', error: 0 },
        { partition: 5, offset: -1, leaderEpoch: -1, metadata: '', error: 0 },
      ],
    },
  ]);
  const leave = await leaveGroup(c, 0, { groupId: 'g0', members: [{ memberId: join.memberId }] });
  assert.equal(leave.error, E.NONE);
  assert.equal((await leaveGroup(c, 0, { groupId: 'g0', members: [{ memberId: join.memberId }] })).error, E.UNKNOWN_MEMBER_ID);
});

test('librdkafka 2.0.2 versions: JoinGroup v5 with MEMBER_ID_REQUIRED, SyncGroup v3, Heartbeat v3, OffsetCommit v7, OffsetFetch v7 (flexible), LeaveGroup v1', async (t) => {
  const { client } = await withBroker(t);
  const c = await client('rdkafka');
  const protocols = [
    { name: 'range', metadata: subscription(['t']) },
    { name: 'roundrobin', metadata: subscription(['t']) },
  ];
  const first = await joinGroup(c, 5, { groupId: 'rk', protocols, sessionTimeoutMs: 45_000, rebalanceTimeoutMs: 300_000 });
  assert.equal(first.error, E.MEMBER_ID_REQUIRED);
  assert.equal(first.generationId, -1);
  assert.match(first.memberId, /^rdkafka-/);
  const join = await joinGroup(c, 5, { groupId: 'rk', memberId: first.memberId, protocols, sessionTimeoutMs: 45_000, rebalanceTimeoutMs: 300_000 });
  assert.equal(join.error, E.NONE);
  assert.equal(join.memberId, first.memberId);
  assert.equal(join.protocolName, 'range');
  assert.deepEqual(join.members, [{ memberId: first.memberId, groupInstanceId: null, metadata: protocols[0]!.metadata }]);
  const a = assignment([{ topic: 't', partitions: [0, 1] }]);
  const sync = await syncGroup(c, 3, { groupId: 'rk', generationId: join.generationId, memberId: join.memberId, assignments: [{ memberId: join.memberId, assignment: a }] });
  assert.equal(sync.error, E.NONE);
  assert.deepEqual(new Uint8Array(sync.assignment), a);
  assert.equal(await heartbeat(c, 3, { groupId: 'rk', generationId: join.generationId, memberId: join.memberId }), E.NONE);
  const commit = await offsetCommit(c, 7, {
    groupId: 'rk',
    generationId: join.generationId,
    memberId: join.memberId,
    groupInstanceId: null,
    topics: [{ name: 't', partitions: [{ partition: 0, offset: 42, metadata: '' }, { partition: 1, offset: 3 }] }],
  });
  assert.deepEqual(commit, [{ name: 't', partitions: [{ partition: 0, error: 0 }, { partition: 1, error: 0 }] }]);
  const fetched = await offsetFetch(c, 7, { groupId: 'rk', topics: [{ name: 't', partitions: [0, 1] }], requireStable: true });
  assert.equal(fetched.error, 0);
  assert.deepEqual(fetched.topics[0]!.partitions.map((p) => [p.partition, p.offset, p.leaderEpoch, p.error]), [
    [0, 42, -1, 0],
    [1, 3, -1, 0],
  ]);
  const v5 = await offsetFetch(c, 5, { groupId: 'rk', topics: null });
  assert.deepEqual(v5.topics.map((x) => [x.name, x.partitions.map((p) => p.offset)]), [['t', [42, 3]]]);
  const leave = await leaveGroup(c, 1, { groupId: 'rk', members: [{ memberId: join.memberId }] });
  assert.equal(leave.error, E.NONE);
});

test('librdkafka 2.0.2 byte quirks: OffsetFetch v7 null topics as int32 0, ListGroups v4 with a doubled tag buffer', async (t) => {
  const { client } = await withBroker(t);
  const c = await client();
  await offsetCommit(c, 7, { groupId: 'q', topics: [{ name: 't', partitions: [{ partition: 1, offset: 8 }] }] });
  // rd_kafka_OffsetFetchRequest(parts = NULL), flexible: group "q", then 00 00 00 00, require_stable 1, tags.
  const r = await c.request(9, 7, (w) => {
    w.string('q');
    w.int32(0).int8(1);
    w.tags();
  });
  r.int32();
  const topics = r.array(() => {
    const name = r.string();
    const parts = r.array(() => {
      const v = [r.int32(), r.int64(), r.int32(), r.nullableString(), r.int16()];
      r.tags();
      return v;
    });
    r.tags();
    return { name, parts };
  });
  assert.equal(r.int16(), 0);
  r.tags();
  r.end();
  assert.ok(r.ok, r.error?.message);
  assert.deepEqual(topics, [{ name: 't', parts: [[1, 8, -1, '', 0]] }]);
  // rd_kafka_ListGroupsRequest v4: states array, its own tags, then the finalizer's tags.
  const l = await c.request(16, 4, (w) => {
    w.array(['Empty'], (s) => w.string(s));
    w.tags();
    w.tags();
  });
  l.int32();
  assert.equal(l.int16(), 0);
  const groups = l.array(() => {
    const g = [l.string(), l.string(), l.string()];
    l.tags();
    return g;
  });
  l.tags();
  l.end();
  assert.ok(l.ok);
  assert.deepEqual(groups, [['q', '', 'Empty']]);
});

test('flexible maxima: JoinGroup v7, SyncGroup v5, Heartbeat v4, OffsetCommit v8, OffsetFetch v8, LeaveGroup v5, Describe v5, List v4, Delete v2', async (t) => {
  const { client } = await withBroker(t);
  const c = await client('flex');
  const first = await joinGroup(c, 7, { groupId: 'fx', groupInstanceId: null });
  assert.equal(first.error, E.MEMBER_ID_REQUIRED);
  assert.equal(first.protocolType, null);
  assert.equal(first.protocolName, null);
  const join = await joinGroup(c, 7, { groupId: 'fx', memberId: first.memberId });
  assert.equal(join.error, E.NONE);
  assert.equal(join.protocolType, 'consumer');
  assert.equal(join.protocolName, 'range');
  const wrong = await syncGroup(c, 5, { groupId: 'fx', generationId: join.generationId, memberId: join.memberId, protocolType: 'connect', protocolName: 'range' });
  assert.equal(wrong.error, E.INCONSISTENT_GROUP_PROTOCOL);
  const a = assignment([{ topic: 't', partitions: [1] }]);
  const sync = await syncGroup(c, 5, {
    groupId: 'fx',
    generationId: join.generationId,
    memberId: join.memberId,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{ memberId: join.memberId, assignment: a }],
  });
  assert.deepEqual(sync, { error: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from(a) });
  assert.equal(await heartbeat(c, 4, { groupId: 'fx', generationId: join.generationId, memberId: join.memberId }), E.NONE);
  const commit = await offsetCommit(c, 8, { groupId: 'fx', generationId: join.generationId, memberId: join.memberId, topics: [{ name: 't', partitions: [{ partition: 1, offset: 11, metadata: null }] }] });
  assert.deepEqual(commit, [{ name: 't', partitions: [{ partition: 1, error: 0 }] }]);
  await offsetCommit(c, 8, { groupId: 'other', topics: [{ name: 't', partitions: [{ partition: 0, offset: 2, metadata: 'x' }] }] });
  const groups = await offsetFetchGroups(c, [
    { groupId: 'fx', topics: [{ name: 't', partitions: [1] }] },
    { groupId: 'other', topics: null },
    { groupId: 'none', topics: null },
  ]);
  assert.deepEqual(groups, [
    { groupId: 'fx', error: 0, topics: [{ name: 't', partitions: [{ partition: 1, offset: 11, leaderEpoch: -1, metadata: '', error: 0 }] }] },
    { groupId: 'other', error: 0, topics: [{ name: 't', partitions: [{ partition: 0, offset: 2, leaderEpoch: -1, metadata: 'x', error: 0 }] }] },
    { groupId: 'none', error: 0, topics: [] },
  ]);

  const d = await c.request(15, 5, (w) => {
    w.array(['fx', 'missing'], (g) => w.string(g));
    w.bool(true);
    w.tags();
  });
  d.int32();
  const described = d.array(() => {
    const g = { error: d.int16(), groupId: d.string(), state: d.string(), protocolType: d.string(), protocol: d.string(), members: [] as unknown[] };
    g.members = d.array(() => {
      const m = { memberId: d.string(), instance: d.nullableString(), clientId: d.string(), clientHost: d.string(), metadata: d.bytes().length, assignment: Buffer.from(d.bytes()) };
      d.tags();
      return m;
    });
    assert.equal(d.int32(), -2147483648);
    d.tags();
    return g;
  });
  d.tags();
  d.end();
  assert.ok(d.ok, d.error?.message);
  assert.deepEqual(described, [
    {
      error: 0,
      groupId: 'fx',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'range',
      members: [{ memberId: join.memberId, instance: null, clientId: 'flex', clientHost: '/127.0.0.1', metadata: 10, assignment: Buffer.from(a) }],
    },
    { error: 0, groupId: 'missing', state: 'Dead', protocolType: '', protocol: '', members: [] },
  ]);

  const listStable = async (states: string[]) => {
    const l = await c.request(16, 4, (w) => {
      w.array(states, (s) => w.string(s));
      w.tags();
    });
    l.int32();
    assert.equal(l.int16(), 0);
    const out = l.array(() => {
      const g = [l.string(), l.string(), l.string()];
      l.tags();
      return g;
    });
    l.tags();
    l.end();
    assert.ok(l.ok);
    return out;
  };
  assert.deepEqual(await listStable(['stable']), [['fx', 'consumer', 'Stable']]);
  assert.deepEqual(await listStable([]), [
    ['fx', 'consumer', 'Stable'],
    ['other', '', 'Empty'],
  ]);

  const deleteGroups = async (names: string[]) => {
    const r = await c.request(42, 2, (w) => {
      w.array(names, (g) => w.string(g));
      w.tags();
    });
    r.int32();
    const out = r.array(() => {
      const v = [r.string(), r.int16()];
      r.tags();
      return v;
    });
    r.tags();
    r.end();
    assert.ok(r.ok);
    return out;
  };
  assert.deepEqual(await deleteGroups(['fx', 'other', 'ghost']), [
    ['fx', E.NON_EMPTY_GROUP],
    ['other', 0],
    ['ghost', E.GROUP_ID_NOT_FOUND],
  ]);
  const leave = await leaveGroup(c, 5, { groupId: 'fx', members: [{ memberId: join.memberId }, { memberId: 'ghost' }] });
  assert.deepEqual(leave, {
    error: 0,
    members: [
      { memberId: join.memberId, groupInstanceId: null, error: 0 },
      { memberId: 'ghost', groupInstanceId: null, error: E.UNKNOWN_MEMBER_ID },
    ],
  });
  assert.deepEqual(await deleteGroups(['fx']), [['fx', 0]]);
});

test('two members: the second join rebalances, the leader sees both, followers wait for the assignment', async (t) => {
  const { client } = await withBroker(t);
  const c1 = await client('m1');
  const c2 = await client('m2');
  const protocols = [{ name: 'range', metadata: subscription(['t']) }];
  const j1 = await joinGroup(c1, 3, { groupId: 'two', protocols });
  assert.equal(j1.generationId, 1);
  await syncGroup(c1, 3, { groupId: 'two', generationId: 1, memberId: j1.memberId, assignments: [{ memberId: j1.memberId, assignment: assignment([{ topic: 't', partitions: [0, 1] }]) }] });
  const j2Pending = joinGroup(c2, 3, { groupId: 'two', protocols });
  // The held join makes the group rebalance: member 1 learns it from its heartbeat.
  let hb = E.NONE as number;
  for (let i = 0; i < 50 && hb === E.NONE; i++) {
    hb = await heartbeat(c1, 3, { groupId: 'two', generationId: 1, memberId: j1.memberId });
    if (hb === E.NONE) await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(hb, E.REBALANCE_IN_PROGRESS);
  const [r1, j2] = await Promise.all([joinGroup(c1, 3, { groupId: 'two', memberId: j1.memberId, protocols }), j2Pending]);
  assert.equal(r1.generationId, 2);
  assert.equal(j2.generationId, 2);
  assert.equal(r1.leader, j1.memberId);
  assert.deepEqual(r1.members.map((m) => m.memberId).sort(), [j1.memberId, j2.memberId].sort());
  assert.deepEqual(j2.members, [], 'only the leader gets the members');
  const followerSync = syncGroup(c2, 3, { groupId: 'two', generationId: 2, memberId: j2.memberId });
  const a1 = assignment([{ topic: 't', partitions: [0] }]);
  const a2 = assignment([{ topic: 't', partitions: [1] }]);
  const leaderSync = await syncGroup(c1, 3, {
    groupId: 'two',
    generationId: 2,
    memberId: j1.memberId,
    assignments: [
      { memberId: j1.memberId, assignment: a1 },
      { memberId: j2.memberId, assignment: a2 },
    ],
  });
  assert.deepEqual(new Uint8Array(leaderSync.assignment), a1);
  assert.deepEqual(new Uint8Array((await followerSync).assignment), a2);
  assert.equal((await leaveGroup(c1, 3, { groupId: 'two', members: [{ memberId: j1.memberId }] })).error, 0);
  assert.equal(await heartbeat(c2, 3, { groupId: 'two', generationId: 2, memberId: j2.memberId }), E.REBALANCE_IN_PROGRESS);
});

test('a malformed group request closes only that connection', async (t) => {
  const { client } = await withBroker(t);
  const bad = await client();
  const good = await client();
  // JoinGroup v5 cut after the session timeout.
  await assert.rejects(bad.request(11, 5, (w) => w.string('g').int32(10_000)), /connection closed/);
  // A protocols count far beyond what the frame holds.
  const bad2 = await client();
  await assert.rejects(
    bad2.request(11, 1, (w) => w.string('g').int32(10_000).int32(10_000).string('').string('consumer').int32(1_000_000)),
    /connection closed/,
  );
  assert.equal(await heartbeat(good, 3, { groupId: 'g', generationId: 1, memberId: 'x' }), E.UNKNOWN_MEMBER_ID);
});
