// Offset commit and fetch through the coordinator: membership and generation checks, standalone
// (-1) commits, durability before visibility, reload from the store, loading and deleting groups.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../testing/fake-clock.ts';
import { GroupCoordinator } from './coordinator.ts';
import { InMemoryOffsetStore, type OffsetCommitEntry, type OffsetRecord, type OffsetStore } from './offset-store.ts';
import { flush, harness, joinRequest, stableGroup, track } from './test-support.ts';

const offset = (topic: string, partition: number, value: number, metadata: string | null = null) => ({
  topic,
  partition,
  offset: value,
  metadata,
});

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('standalone (-1) commits need no membership; fetch answers -1 and "" for what is not committed', async () => {
  const { coordinator: c } = await harness(new FakeClock());
  const r = await c.commitOffsets({
    groupId: 'admin',
    generationId: -1,
    memberId: '',
    offsets: [offset('t', 1, 10, 'hello'), { ...offset('t', 0, 4), leaderEpoch: 3 }, offset('a', 0, 1)],
  });
  assert.deepEqual(r.partitions, [
    { topic: 't', partition: 1 },
    { topic: 't', partition: 0 },
    { topic: 'a', partition: 0 },
  ]);
  const some = await c.fetchOffsets({ groupId: 'admin', partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 9 }] });
  assert.deepEqual(some, {
    partitions: [
      { topic: 't', partition: 0, offset: 4, leaderEpoch: 3, metadata: '' },
      { topic: 't', partition: 9, offset: -1, leaderEpoch: -1, metadata: '' },
    ],
  });
  const all = await c.fetchOffsets({ groupId: 'admin', partitions: null });
  assert.deepEqual(
    all.partitions.map((p) => [p.topic, p.partition, p.offset, p.metadata]),
    [
      ['a', 0, 1, ''],
      ['t', 0, 4, ''],
      ['t', 1, 10, 'hello'],
    ],
  );
  assert.deepEqual(await c.fetchOffsets({ groupId: 'unknown', partitions: null }), { partitions: [] });
  assert.deepEqual((await c.list()).groups, [{ groupId: 'admin', protocolType: '', state: 'Empty' }]);
  c.close();
});

test('commits are checked against membership and generation', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a']);
  const a = members[0];
  assert.ok(a);
  const commit = (memberId: string, gen: number) =>
    c.commitOffsets({ groupId: 'g', generationId: gen, memberId, offsets: [offset('t', 0, 42)] }).then((r) => r.partitions[0]?.error);
  assert.equal(await commit(a.memberId, generationId), undefined);
  assert.equal(await commit(a.memberId, generationId + 1), 'group.illegal_generation');
  assert.equal(await commit('stranger', generationId), 'group.unknown_member');
  assert.equal(await commit('', -1), 'group.unknown_member', 'standalone commits only while the group is Empty');
  assert.equal(
    (await c.commitOffsets({ groupId: 'nope', generationId: 3, memberId: 'x', offsets: [offset('t', 0, 1)] })).partitions[0]?.error,
    'group.illegal_generation',
  );

  // Between the join response and the assignment, commits are refused with REBALANCE_IN_PROGRESS.
  const rejoin = await c.join(joinRequest({ memberId: a.memberId }));
  assert.equal(await commit(a.memberId, rejoin.generationId), 'group.rebalance_in_progress');
  assert.deepEqual((await c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] })).partitions[0]?.offset, 42);
  c.close();
});

test('per-partition errors leave the other partitions committed', async () => {
  const { coordinator: c } = await harness(new FakeClock());
  const r = await c.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    offsets: [offset('t', 0, 1, 'x'.repeat(4097)), offset('t', 1, 2, 'x'.repeat(4096)), offset('t', 2, 1.5)],
  });
  assert.deepEqual(
    r.partitions.map((p) => p.error),
    ['group.offset_metadata_too_large', undefined, 'request.invalid'],
  );
  const fetched = await c.fetchOffsets({ groupId: 'g', partitions: null });
  assert.deepEqual(fetched.partitions.map((p) => p.partition), [1]);
  c.close();
});

test('a commit is visible only once the store made it durable; a failed store answers COORDINATOR_NOT_AVAILABLE', async () => {
  const inner = new InMemoryOffsetStore();
  const pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const store: OffsetStore = {
    load: () => inner.load(),
    delete: (g) => inner.delete(g),
    deleteTopic: (t) => inner.deleteTopic(t),
    commit: (groupId, entries) => {
      const d = deferred<void>();
      pending.push({ resolve: () => void inner.commit(groupId, entries).then(() => d.resolve()), reject: d.reject });
      return d.promise;
    },
  };
  const { coordinator: c } = await harness(new FakeClock(), { offsets: store });
  const first = track(c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [offset('t', 0, 5)] }));
  await flush();
  assert.equal(first.settled(), false);
  assert.equal((await c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] })).partitions[0]?.offset, -1);
  pending[0]?.resolve();
  assert.deepEqual((await first.promise).partitions, [{ topic: 't', partition: 0 }]);
  assert.equal((await c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] })).partitions[0]?.offset, 5);

  const second = c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [offset('t', 0, 9)] });
  await flush();
  pending[1]?.reject(new Error('disk full'));
  assert.deepEqual((await second).partitions, [{ topic: 't', partition: 0, error: 'group.coordinator_not_available' }]);
  assert.equal((await c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] })).partitions[0]?.offset, 5);
  c.close();
});

test('offsets survive a new coordinator built on the same store', async () => {
  const store = new InMemoryOffsetStore();
  const h1 = await harness(new FakeClock(), { offsets: store });
  const { generationId, members } = await stableGroup(h1, ['a']);
  const a = members[0];
  assert.ok(a);
  await h1.coordinator.commitOffsets({ groupId: 'g', generationId, memberId: a.memberId, offsets: [offset('t', 3, 77, 'm')] });
  await h1.coordinator.commitOffsets({ groupId: 'g', generationId, memberId: a.memberId, offsets: [offset('t', 3, 78, 'n')] });
  h1.coordinator.close();

  const h2 = await harness(new FakeClock(), { offsets: store });
  const fetched = await h2.coordinator.fetchOffsets({ groupId: 'g', partitions: null });
  assert.deepEqual(fetched.partitions, [{ topic: 't', partition: 3, offset: 78, leaderEpoch: -1, metadata: 'n' }]);
  const described = await h2.coordinator.describe('g');
  assert.equal(described.state, 'Empty', 'membership is not persisted; offsets are');
  assert.deepEqual(await h2.coordinator.heartbeat({ groupId: 'g', generationId, memberId: a.memberId }), { error: 'group.unknown_member' });
  h2.coordinator.close();
});

test('while loading, APIs answer as Kafka does; after loading they serve the loaded offsets', async () => {
  const load = deferred<Iterable<OffsetRecord>>();
  const store: OffsetStore = {
    load: () => load.promise,
    commit: async (_g: string, _e: readonly OffsetCommitEntry[]) => undefined,
    delete: async () => undefined,
    deleteTopic: async () => undefined,
  };
  const c = new GroupCoordinator({ clock: new FakeClock(), offsets: store });
  assert.equal((await c.join(joinRequest())).error, 'group.coordinator_loading');
  assert.deepEqual(await c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm' }), {});
  assert.equal((await c.sync({ groupId: 'g', generationId: 1, memberId: 'm', protocolType: null, protocolName: null, assignments: [] })).error, 'group.rebalance_in_progress');
  assert.equal((await c.fetchOffsets({ groupId: 'g', partitions: null })).error, 'group.coordinator_loading');
  assert.equal((await c.commitOffsets({ groupId: 'g', generationId: -1, memberId: '', offsets: [offset('t', 0, 1)] })).partitions[0]?.error, 'group.coordinator_loading');
  load.resolve([{ groupId: 'g', topic: 't', partition: 0, offset: 12, leaderEpoch: 2, metadata: '', commitTimestampMs: 0 }]);
  await c.ready();
  assert.equal((await c.fetchOffsets({ groupId: 'g', partitions: null })).partitions[0]?.offset, 12);
  c.close();
});

test('a failed load leaves the coordinator unavailable', async () => {
  const store: OffsetStore = {
    load: async () => {
      throw new Error('cannot read the offsets topic');
    },
    commit: async () => undefined,
    delete: async () => undefined,
    deleteTopic: async () => undefined,
  };
  const c = new GroupCoordinator({ clock: new FakeClock(), offsets: store });
  await assert.rejects(c.ready(), /cannot read/);
  assert.equal((await c.join(joinRequest())).error, 'group.coordinator_not_available');
  c.close();
});

test('deleteGroup: only Empty groups; their offsets go too', async () => {
  const h = await harness(new FakeClock());
  const c = h.coordinator;
  const { generationId, members } = await stableGroup(h, ['a']);
  const a = members[0];
  assert.ok(a);
  await c.commitOffsets({ groupId: 'g', generationId, memberId: a.memberId, offsets: [offset('t', 0, 1)] });
  assert.deepEqual(await c.deleteGroup('g'), { error: 'group.non_empty' });
  assert.deepEqual(await c.deleteGroup('nope'), { error: 'group.not_found' });
  await c.leave({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
  assert.equal((await c.describe('g')).state, 'Empty', 'committed offsets keep an Empty group');
  assert.deepEqual(await c.deleteGroup('g'), {});
  assert.equal((await c.describe('g')).state, 'Dead');
  assert.deepEqual([...(await h.store.load())], []);
  assert.equal((await c.fetchOffsets({ groupId: 'g', partitions: [{ topic: 't', partition: 0 }] })).partitions[0]?.offset, -1);
  c.close();
});
