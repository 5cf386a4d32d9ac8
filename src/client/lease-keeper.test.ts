// LeaseKeeper on a fake clock: each held lease is extended every `everyMs` from when it was held,
// leases due together go in one extend call, released ones are not extended, and no timer is left
// armed once nothing is held.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { LeaseKeeper } from './lease-keeper.ts';

test('leases are extended every everyMs from when they were held, in batches, until released', () => {
  const clock = new FakeClock();
  const calls: { atMs: number; ids: string[] }[] = [];
  const k = new LeaseKeeper({ clock, everyMs: 100, extend: async (ids) => void calls.push({ atMs: clock.now(), ids }), onError: (e) => assert.fail(String(e)) });
  const t0 = clock.now();
  k.hold('a');
  k.hold('b');
  clock.advance(30);
  k.hold('c');
  clock.advance(69);
  assert.deepEqual(calls, [], 'nothing due before 100 ms');
  clock.advance(1);
  assert.deepEqual(calls, [{ atMs: t0 + 100, ids: ['a', 'b'] }], 'a and b, held together, in one call');
  clock.advance(30);
  assert.deepEqual(calls.at(-1), { atMs: t0 + 130, ids: ['c'] });
  k.release('a');
  clock.advance(70);
  assert.deepEqual(calls.at(-1), { atMs: t0 + 200, ids: ['b'] }, 'a, released, is not extended again');
  k.release('b');
  k.release('c');
  assert.equal(clock.pendingTimers, 0, 'no timer once nothing is held');
  clock.advance(1_000);
  assert.equal(calls.length, 3);
  k.hold('d');
  clock.advance(100);
  assert.deepEqual(calls.at(-1), { atMs: t0 + 1_300, ids: ['d'] }, 'holding again arms the timer again');
  k.release('d');
  assert.equal(clock.pendingTimers, 0);
});

test('a failed extension is reported and the lease is still kept', async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let calls = 0;
  const k = new LeaseKeeper({
    clock,
    everyMs: 10,
    extend: async () => {
      calls++;
      throw new Error('broker away');
    },
    onError: (e) => errors.push(e),
  });
  k.hold('a');
  clock.advance(10);
  await new Promise((r) => setImmediate(r));
  clock.advance(10);
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 2);
  assert.equal(errors.length, 2);
  k.release('a');
  assert.equal(clock.pendingTimers, 0);
});
