// Test helpers for the group coordinator: a coordinator on a FakeClock with deterministic member
// ids, request builders with sensible defaults, and a way to observe whether a held response has
// been sent yet. Used only by *.test.ts beside it; nothing here sleeps or reads the wall clock.

import type { Clock } from '../../log/clock.ts';
import type { JoinGroupRequest, JoinGroupResult, SyncGroupResult } from './api.ts';
import { GroupCoordinator, type GroupCoordinatorOptions } from './coordinator.ts';
import { InMemoryOffsetStore, type OffsetStore } from './offset-store.ts';

/** What tests use of src/testing/fake-clock.ts, declared here: the build excludes src/testing. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  readonly pendingTimers: number;
}

export interface Harness {
  clock: TestClock;
  store: OffsetStore;
  coordinator: GroupCoordinator;
}

export async function harness(clock: TestClock, options: Partial<Omit<GroupCoordinatorOptions, 'clock'>> = {}): Promise<Harness> {
  const store = options.offsets ?? new InMemoryOffsetStore();
  let n = 0;
  const coordinator = new GroupCoordinator({
    newMemberId: (prefix) => `${prefix}-${++n}`,
    ...options,
    clock,
    offsets: store,
  });
  await coordinator.ready();
  return { clock, store, coordinator };
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

export function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'c',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: bytes(1) }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** Lets every already-resolved promise callback run (no timers, no wall clock). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Tracked<T> {
  readonly promise: Promise<T>;
  /** True once the promise resolved (after a flush()). */
  settled(): boolean;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  let done = false;
  void promise.then(() => (done = true));
  return { promise, settled: () => done };
}

/** Joins `clientIds.length` new members one after another and brings the group to Stable. */
export async function stableGroup(
  h: Harness,
  clientIds: readonly string[],
  overrides: Partial<JoinGroupRequest> = {},
): Promise<{ generationId: number; members: JoinGroupResult[]; syncs: SyncGroupResult[] }> {
  const c = h.coordinator;
  let joins: Promise<JoinGroupResult>[] = [];
  const ids: string[] = [];
  for (const clientId of clientIds) {
    const first = track(c.join(joinRequest({ clientId, ...overrides })));
    await flush();
    // The first member completes alone; later ones wait for the others to rejoin.
    const rejoins = ids.map((memberId) => c.join(joinRequest({ clientId: memberId, memberId, ...overrides })));
    joins = [first.promise, ...rejoins];
    const results = await Promise.all(joins);
    const mine = results[0];
    if (mine === undefined || mine.error !== undefined) throw new Error(`join failed: ${mine?.error}`);
    ids.push(mine.memberId);
  }
  const members = await Promise.all(joins);
  const ordered = ids.map((id) => members.find((m) => m.memberId === id));
  const results = ordered.filter((m): m is JoinGroupResult => m !== undefined);
  const leader = results.find((m) => m.memberId === m.leader);
  if (leader === undefined) throw new Error('no leader');
  const generationId = leader.generationId;
  const syncs = await Promise.all(
    results.map((m) =>
      c.sync({
        groupId: overrides.groupId ?? 'g',
        generationId,
        memberId: m.memberId,
        protocolType: null,
        protocolName: null,
        assignments: m.memberId === m.leader ? results.map((r, i) => ({ memberId: r.memberId, assignment: bytes(i) })) : [],
      }),
    ),
  );
  return { generationId, members: results, syncs };
}

/** A SyncGroup request for group 'g' (protocol type and name not sent, as before v5). */
export function syncReq(memberId: string, generationId: number, assignments: { memberId: string; assignment: Uint8Array }[] = []) {
  return { groupId: 'g', generationId, memberId, protocolType: null, protocolName: null, assignments };
}
