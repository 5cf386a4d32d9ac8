// Group timeouts on a FakeClock: session expiry, the rebalance (join) timeout, the pending-sync
// timeout and the new-member join timeout each remove the member and move the group on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../testing/fake-clock.ts';
import { bytes, flush, harness, joinRequest, stableGroup, syncReq, track } from './test-support.ts';

test('a member whose session expires is removed and the group rebalances', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a', 'b'], { sessionTimeoutMs: 10_000 });
  const [a, b] = members;
  assert.ok(a && b);
  for (let i = 0; i < 3; i++) {
    h.clock.advance(3000);
    assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: a.memberId }), {});
  }
  h.clock.advance(1000); // b has been silent for 10 s
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: a.memberId }), { error: 'group.rebalance_in_progress' });
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: b.memberId }), { error: 'group.unknown_member' });
  const rejoin = await c.join(joinRequest({ memberId: a.memberId }));
  assert.equal(rejoin.generationId, generationId + 1);
  assert.deepEqual((await c.describe('g')).members.map((m) => m.memberId), [a.memberId]);
  c.close();
});

test('the rebalance timeout drops a member that never rejoins', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a', 'b'], { rebalanceTimeoutMs: 20_000 });
  const [a, b] = members;
  assert.ok(a && b);
  const cJoin = track(c.join(joinRequest({ clientId: 'c', rebalanceTimeoutMs: 20_000 })));
  const aJoin = track(c.join(joinRequest({ memberId: a.memberId, rebalanceTimeoutMs: 20_000 })));
  for (let t = 0; t < 6; t++) {
    h.clock.advance(3000);
    // b keeps heartbeating but never rejoins: heartbeats keep its session, not its place.
    await c.heartbeat({ groupId: 'g', generationId, memberId: b.memberId });
  }
  await flush();
  assert.equal(aJoin.settled(), false);
  h.clock.advance(2000);
  const [ra, rc] = await Promise.all([aJoin.promise, cJoin.promise]);
  assert.equal(ra.generationId, generationId + 1);
  assert.equal(rc.generationId, generationId + 1);
  assert.deepEqual(ra.members.map((m) => m.memberId), [a.memberId, rc.memberId]);
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId, memberId: b.memberId }), { error: 'group.unknown_member' });
  c.close();
});

test('members that never send SyncGroup are removed after the rebalance timeout', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const a = await c.join(joinRequest({ clientId: 'a', rebalanceTimeoutMs: 20_000 }));
  await c.sync(syncReq(a.memberId, 1, []));
  const bJoin = c.join(joinRequest({ clientId: 'b', rebalanceTimeoutMs: 20_000 }));
  const a2 = await c.join(joinRequest({ memberId: a.memberId, rebalanceTimeoutMs: 20_000 }));
  const b = await bJoin;
  await c.sync(syncReq(a.memberId, a2.generationId, [{ memberId: a.memberId, assignment: bytes(1) }]));
  assert.equal((await c.describe('g')).state, 'Stable');
  // b heartbeats (keeping its session) but never syncs.
  for (let t = 0; t < 6; t++) {
    h.clock.advance(3000);
    await c.heartbeat({ groupId: 'g', generationId: a2.generationId, memberId: b.memberId });
    await c.heartbeat({ groupId: 'g', generationId: a2.generationId, memberId: a.memberId });
  }
  h.clock.advance(2000);
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: a2.generationId, memberId: b.memberId }), { error: 'group.unknown_member' });
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: a2.generationId, memberId: a.memberId }), { error: 'group.rebalance_in_progress' });
  c.close();
});

test('a new member that never completes its join is dropped after the new-member timeout', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { members } = await stableGroup(h, ['a'], { sessionTimeoutMs: 600_000, rebalanceTimeoutMs: 900_000 });
  const a = members[0];
  assert.ok(a);
  const newcomer = track(c.join(joinRequest({ clientId: 'n', sessionTimeoutMs: 600_000, rebalanceTimeoutMs: 900_000 })));
  h.clock.advance(300_000);
  const dropped = await newcomer.promise;
  assert.equal(dropped.error, 'group.unknown_member');
  const rejoin = await c.join(joinRequest({ memberId: a.memberId, sessionTimeoutMs: 600_000, rebalanceTimeoutMs: 900_000 }));
  assert.deepEqual(rejoin.members.map((m) => m.memberId), [a.memberId]);
  c.close();
});
