// The classic group protocol on a FakeClock: join / sync / heartbeat / leave, held responses,
// generations, leaders, MEMBER_ID_REQUIRED, protocol selection, static members, close.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../testing/fake-clock.ts';
import { bytes, flush, harness, joinRequest, stableGroup, syncReq, track } from './test-support.ts';

test('a single member joins, syncs and heartbeats', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const join = await c.join(joinRequest({ clientId: 'solo' }));
  assert.equal(join.error, undefined);
  assert.equal(join.memberId, 'solo-1');
  assert.equal(join.generationId, 1);
  assert.equal(join.leader, 'solo-1');
  assert.equal(join.protocolType, 'consumer');
  assert.equal(join.protocolName, 'range');
  assert.deepEqual(join.members, [{ memberId: 'solo-1', groupInstanceId: null, metadata: bytes(1) }]);
  assert.equal((await c.describe('g')).state, 'CompletingRebalance');

  const sync = await c.sync(syncReq('solo-1', 1, [{ memberId: 'solo-1', assignment: bytes(7, 7) }]));
  assert.deepEqual(sync, { protocolType: 'consumer', protocolName: 'range', assignment: bytes(7, 7) });
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'solo-1' }), {});

  const described = await c.describe('g');
  assert.equal(described.state, 'Stable');
  assert.equal(described.protocol, 'range');
  assert.deepEqual(described.members, [
    { memberId: 'solo-1', groupInstanceId: null, clientId: 'solo', clientHost: '/127.0.0.1', metadata: bytes(1), assignment: bytes(7, 7) },
  ]);
  assert.deepEqual((await c.list()).groups, [{ groupId: 'g', protocolType: 'consumer', state: 'Stable' }]);
  c.close();
  assert.equal(c.timerCount, 0);
});

test('a second member is held until the first rejoins; the leader gets every member, followers wait for its sync', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const a = await c.join(joinRequest({ clientId: 'a', protocols: [{ name: 'range', metadata: bytes(0xa) }] }));
  await c.sync(syncReq(a.memberId, 1, [{ memberId: a.memberId, assignment: bytes(1) }]));

  const bJoin = track(c.join(joinRequest({ clientId: 'b', protocols: [{ name: 'range', metadata: bytes(0xb) }] })));
  await flush();
  assert.equal(bJoin.settled(), false, 'b is held until a rejoins');
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId }), { error: 'group.rebalance_in_progress' });
  assert.equal((await c.describe('g')).state, 'PreparingRebalance');

  const aRejoin = await c.join(joinRequest({ clientId: 'a', memberId: a.memberId, protocols: [{ name: 'range', metadata: bytes(0xa) }] }));
  const b = await bJoin.promise;
  assert.equal(aRejoin.generationId, 2);
  assert.equal(b.generationId, 2);
  assert.equal(aRejoin.leader, a.memberId, 'the first member keeps the leadership');
  assert.equal(b.leader, a.memberId);
  assert.deepEqual(aRejoin.members, [
    { memberId: a.memberId, groupInstanceId: null, metadata: bytes(0xa) },
    { memberId: b.memberId, groupInstanceId: null, metadata: bytes(0xb) },
  ]);
  assert.deepEqual(b.members, [], 'followers get no member list');

  const bSync = track(c.sync(syncReq(b.memberId, 2)));
  await flush();
  assert.equal(bSync.settled(), false, 'a follower waits for the leader');
  const aSync = await c.sync(
    syncReq(a.memberId, 2, [
      { memberId: a.memberId, assignment: bytes(1) },
      { memberId: b.memberId, assignment: bytes(2) },
    ]),
  );
  assert.deepEqual(aSync.assignment, bytes(1));
  assert.deepEqual((await bSync.promise).assignment, bytes(2));
  assert.equal((await c.describe('g')).state, 'Stable');
  c.close();
});

test('with an initial rebalance delay, members joining together are answered together', async () => {
  const h = await harness(new FakeClock(), { initialRebalanceDelayMs: 3000 });
  const c = h.coordinator;
  const a = track(c.join(joinRequest({ clientId: 'a' })));
  h.clock.advance(2000);
  const b = track(c.join(joinRequest({ clientId: 'b' })));
  h.clock.advance(1000);
  await flush();
  assert.equal(a.settled(), false, 'the delay restarts because b arrived during it');
  h.clock.advance(3000);
  const [ra, rb] = await Promise.all([a.promise, b.promise]);
  assert.equal(ra.generationId, 1);
  assert.equal(rb.generationId, 1);
  assert.equal(ra.leader, ra.memberId);
  assert.equal(ra.members.length, 2);
  c.close();
  assert.equal(h.clock.pendingTimers, 0);
});

test('a third member makes the others rejoin (REBALANCE_IN_PROGRESS) into a new generation', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a', 'b']);
  const [a, b] = members;
  assert.ok(a && b);
  const cJoin = track(c.join(joinRequest({ clientId: 'c' })));
  for (const m of [a, b]) {
    assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: m.memberId }), { error: 'group.rebalance_in_progress' });
  }
  // A commit is still accepted while the group prepares (Kafka relies on the heartbeat to signal).
  const committed = await c.commitOffsets({
    groupId: 'g',
    generationId,
    memberId: b.memberId,
    offsets: [{ topic: 't', partition: 0, offset: 5, metadata: null }],
  });
  assert.deepEqual(committed.partitions, [{ topic: 't', partition: 0 }]);
  const rejoins = await Promise.all([a, b].map((m) => c.join(joinRequest({ clientId: 'x', memberId: m.memberId }))));
  const third = await cJoin.promise;
  for (const r of [...rejoins, third]) assert.equal(r.generationId, generationId + 1);
  assert.equal(rejoins[0]?.members.length, 3);
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: a.memberId }), { error: 'group.illegal_generation' });
  c.close();
});

test('leave removes the member and rebalances the rest; the last leaving empties the group', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a', 'b']);
  const [a, b] = members;
  assert.ok(a && b);
  const left = await c.leave({ groupId: 'g', members: [{ memberId: b.memberId, groupInstanceId: null }, { memberId: 'nobody', groupInstanceId: null }] });
  assert.deepEqual(left.members, [
    { memberId: b.memberId, groupInstanceId: null },
    { memberId: 'nobody', groupInstanceId: null, error: 'group.unknown_member' },
  ]);
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: a.memberId }), { error: 'group.rebalance_in_progress' });
  const rejoin = await c.join(joinRequest({ memberId: a.memberId }));
  assert.equal(rejoin.generationId, generationId + 1);
  assert.deepEqual(rejoin.members.map((m) => m.memberId), [a.memberId]);

  await c.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
  // No members and no offsets: the group is gone (Kafka's offset expiry would remove it later).
  assert.equal((await c.describe('g')).state, 'Dead');
  assert.deepEqual((await c.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] })).members, [
    { memberId: a.memberId, groupInstanceId: null, error: 'group.unknown_member' },
  ]);
  assert.equal(c.timerCount, 0);
  c.close();
});

test('MEMBER_ID_REQUIRED: a new member gets an id, the join phase waits for it, and it expires if it never returns', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const first = await c.join(joinRequest({ clientId: 'k', requireKnownMemberId: true }));
  assert.equal(first.error, 'group.member_id_required');
  assert.equal(first.memberId, 'k-1');
  assert.equal(first.generationId, -1);
  const second = await c.join(joinRequest({ clientId: 'k', requireKnownMemberId: true }));
  assert.equal(second.memberId, 'k-2');
  assert.deepEqual((await c.describe('g')).members, [], 'pending members are not members');

  const joinA = track(c.join(joinRequest({ clientId: 'k', memberId: 'k-1', requireKnownMemberId: true })));
  await flush();
  assert.equal(joinA.settled(), false, 'the join phase waits for the pending member k-2');
  const joinB = await c.join(joinRequest({ clientId: 'k', memberId: 'k-2', requireKnownMemberId: true }));
  const a = await joinA.promise;
  assert.equal(a.generationId, 1);
  assert.equal(joinB.generationId, 1);
  assert.equal(a.leader, 'k-1');

  // A third pending member that never comes back stops being waited for after its session timeout.
  await c.sync(syncReq('k-1', 1, []));
  await c.sync(syncReq('k-2', 1, []));
  const ghost = await c.join(joinRequest({ clientId: 'k', requireKnownMemberId: true, sessionTimeoutMs: 10_000 }));
  assert.equal(ghost.error, 'group.member_id_required');
  const rejoinA = track(c.join(joinRequest({ memberId: 'k-1' })));
  const rejoinB = track(c.join(joinRequest({ memberId: 'k-2' })));
  await flush();
  assert.equal(rejoinA.settled(), false);
  h.clock.advance(10_000);
  assert.equal((await rejoinA.promise).generationId, 2);
  assert.equal((await rejoinB.promise).generationId, 2);
  c.close();
});

test('illegal generation and unknown member errors', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a']);
  const a = members[0];
  assert.ok(a);
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: generationId + 1, memberId: a.memberId }), { error: 'group.illegal_generation' });
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: 'stranger' }), { error: 'group.unknown_member' });
  assert.deepEqual(await c.heartbeat({ groupId: 'other', generationId, memberId: a.memberId }), { error: 'group.unknown_member' });
  assert.equal((await c.sync(syncReq(a.memberId, generationId - 1))).error, 'group.illegal_generation');
  assert.equal((await c.sync(syncReq('stranger', generationId))).error, 'group.unknown_member');
  assert.equal((await c.sync({ ...syncReq(a.memberId, generationId), protocolName: 'roundrobin' })).error, 'group.inconsistent_protocol');
  assert.equal((await c.join(joinRequest({ memberId: 'stranger' }))).error, 'group.unknown_member');
  assert.equal((await c.join(joinRequest({ groupId: 'nope', memberId: 'stranger' }))).error, 'group.unknown_member');
  assert.equal((await c.join(joinRequest({ groupId: '' }))).error, 'group.invalid_name');
  assert.equal((await c.join(joinRequest({ sessionTimeoutMs: 5999 }))).error, 'group.invalid_session_timeout');
  assert.equal((await c.join(joinRequest({ sessionTimeoutMs: 1_800_001 }))).error, 'group.invalid_session_timeout');
  c.close();
});

test('inconsistent protocols are rejected; the protocol is chosen by votes among the common ones', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const p = (...names: string[]) => names.map((name) => ({ name, metadata: bytes(names.length) }));
  const a = await c.join(joinRequest({ clientId: 'a', protocols: p('range', 'roundrobin') }));
  assert.equal(a.protocolName, 'range');
  const other = await c.join(joinRequest({ clientId: 'x', protocols: p('cooperative-sticky') }));
  assert.equal(other.error, 'group.inconsistent_protocol');
  assert.equal(other.memberId, '');
  const connect = await c.join(joinRequest({ clientId: 'x', protocolType: 'connect', protocols: p('range') }));
  assert.equal(connect.error, 'group.inconsistent_protocol');
  assert.equal((await c.join(joinRequest({ groupId: 'empty-type', protocolType: '' }))).error, 'group.inconsistent_protocol');
  assert.equal((await c.describe('empty-type')).state, 'Dead', 'a rejected first join leaves no group behind');

  // b and d prefer roundrobin: 2 votes to 1.
  const b = track(c.join(joinRequest({ clientId: 'b', protocols: p('roundrobin', 'range') })));
  const d = track(c.join(joinRequest({ clientId: 'd', protocols: p('roundrobin', 'range') })));
  const a2 = await c.join(joinRequest({ memberId: a.memberId, protocols: p('range', 'roundrobin') }));
  assert.equal(a2.protocolName, 'roundrobin');
  assert.equal((await b.promise).protocolName, 'roundrobin');
  assert.equal((await d.promise).protocolName, 'roundrobin');
  c.close();
});

test('a tie between protocols goes to the earliest member\'s choice', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const p = (...names: string[]) => names.map((name) => ({ name, metadata: bytes(0) }));
  const a = await c.join(joinRequest({ clientId: 'a', protocols: p('roundrobin', 'range') }));
  const b = track(c.join(joinRequest({ clientId: 'b', protocols: p('range', 'roundrobin') })));
  const a2 = await c.join(joinRequest({ memberId: a.memberId, protocols: p('roundrobin', 'range') }));
  assert.equal(a2.protocolName, 'roundrobin');
  assert.equal((await b.promise).protocolName, 'roundrobin');
  c.close();
});

test('a new member during CompletingRebalance sends the waiting followers back with REBALANCE_IN_PROGRESS', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { members } = await stableGroup(h, ['a', 'b']);
  const [a, b] = members;
  assert.ok(a && b);
  // Move to a new generation, then let b wait in SyncGroup before the leader assigns.
  const rejoinA = c.join(joinRequest({ memberId: a.memberId }));
  const rejoinB = c.join(joinRequest({ memberId: b.memberId }));
  const [ra] = await Promise.all([rejoinA, rejoinB]);
  assert.ok(ra);
  const bSync = track(c.sync(syncReq(b.memberId, ra.generationId)));
  await flush();
  assert.equal(bSync.settled(), false);
  // A heartbeat between join and assignment is fine (Kafka 2.5+).
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: ra.generationId, memberId: a.memberId }), {});
  const late = track(c.join(joinRequest({ clientId: 'late' })));
  assert.equal((await bSync.promise).error, 'group.rebalance_in_progress');
  assert.equal((await c.sync(syncReq(a.memberId, ra.generationId))).error, 'group.rebalance_in_progress');
  await Promise.all([c.join(joinRequest({ memberId: a.memberId })), c.join(joinRequest({ memberId: b.memberId }))]);
  assert.equal((await late.promise).generationId, ra.generationId + 1);
  c.close();
});

test('the group size limit rejects new members', async () => {
  const h = await harness(new FakeClock(), { groupMaxSize: 2 });
  const c = h.coordinator;
  await stableGroup(h, ['a', 'b']);
  const third = await c.join(joinRequest({ clientId: 'c' }));
  assert.equal(third.error, 'group.max_size_reached');
  assert.equal(third.memberId, '');
  c.close();
});

test('static members: no MEMBER_ID_REQUIRED, a restart takes over without a rebalance, the old id is fenced', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const s = await c.join(joinRequest({ clientId: 'c', groupInstanceId: 'pod-1', requireKnownMemberId: true }));
  assert.equal(s.error, undefined);
  assert.equal(s.memberId, 'pod-1-1');
  await c.sync(syncReq(s.memberId, 1, [{ memberId: s.memberId, assignment: bytes(9) }]));

  const restarted = await c.join(joinRequest({ clientId: 'c', groupInstanceId: 'pod-1' }));
  assert.equal(restarted.error, undefined);
  assert.equal(restarted.memberId, 'pod-1-2');
  assert.equal(restarted.generationId, 1, 'no rebalance');
  assert.equal(restarted.leader, 'pod-1-1', 'the old leader id, so the newcomer does not assign');
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'pod-1-1', groupInstanceId: 'pod-1' }), { error: 'group.fenced_instance_id' });
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'pod-1-1' }), { error: 'group.unknown_member' });
  const sync = await c.sync({ ...syncReq('pod-1-2', 1), groupInstanceId: 'pod-1' });
  assert.deepEqual(sync.assignment, bytes(9), 'the assignment carries over');
  assert.equal((await c.join(joinRequest({ memberId: 'pod-1-1', groupInstanceId: 'pod-1' }))).error, 'group.fenced_instance_id');

  const left = await c.leave({ groupId: 'g', members: [{ memberId: '', groupInstanceId: 'pod-1' }] });
  assert.deepEqual(left.members, [{ memberId: '', groupInstanceId: 'pod-1' }]);
  assert.equal((await c.describe('g')).state, 'Dead');
  c.close();
});

test('a superseded join is answered, not left hanging', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { members } = await stableGroup(h, ['a', 'b']);
  const [a, b] = members;
  assert.ok(a && b);
  const first = c.join(joinRequest({ memberId: a.memberId }));
  const second = track(c.join(joinRequest({ memberId: a.memberId })));
  assert.equal((await first).error, 'group.rebalance_in_progress');
  await c.join(joinRequest({ memberId: b.memberId }));
  assert.equal((await second.promise).error, undefined);
  c.close();
});

test('close answers held requests and cancels every timer; later calls are refused', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  await stableGroup(h, ['a']);
  const held = c.join(joinRequest({ clientId: 'b' }));
  c.close();
  assert.equal((await held).error, 'group.coordinator_not_available');
  assert.equal(c.timerCount, 0);
  assert.equal(h.clock.pendingTimers, 0);
  assert.equal((await c.join(joinRequest())).error, 'group.coordinator_not_available');
  assert.equal((await c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'x' })).error, 'group.coordinator_not_available');
});
