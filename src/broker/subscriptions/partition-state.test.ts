// PartitionState against a naive model: admitting records (with gaps), delivering and completing
// them in random order keeps floor, the done offsets, the offset-order walk, lookups by offset and
// the persisted form equal to what a full scan computes — across the ring's growth and wrap-around,
// its emptying, and floor jumps over gaps. Seeded: a failure prints its EDDY_SEED.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordRef } from '../../log/codec/batch-decode.ts';
import { describeSeed, Random, seedFromEnv } from '../../testing/random.ts';
import { subscriptionLimits } from './limits.ts';
import { PartitionState, WindowBudget, type PendingMessage } from './partition-state.ts';

const rec = (offset: number): RecordRef => ({ offset, timestampMs: 0, keyLatin1: null, recordBytes: 9, bytes: new Uint8Array(0), at: 0 });

function walk(st: PartitionState): number[] {
  const out: number[] = [];
  for (let n = st.first(); n < st.end(); n++) {
    const m = st.messageAt(n);
    if (m !== null) out.push(m.offset);
  }
  return out;
}

test('floor, acked, order walk and persisted state match a full scan under random admits and completes', () => {
  const seed = seedFromEnv();
  const r = new Random(seed);
  const st = new PartitionState(0, PartitionState.fresh(100), new WindowBudget());
  const model = new Map<number, PendingMessage>(); // pending, by offset
  const done = new Set<number>(); // completed offsets ever
  for (let step = 0; step < 8_000; step++) {
    const why = `${describeSeed(seed)} step ${step}`;
    if (model.size < 2000 && r.bool(0.55)) {
      // Admit a run of records, sometimes after a gap the log skipped (compaction, control batches).
      if (r.bool(0.05)) st.skipTo(st.readOffset + r.int(1, 5000));
      for (let n = r.int(1, 40); n > 0; n--) {
        const m = st.admit(rec(st.readOffset));
        assert.ok(m, why);
        model.set(m.offset, m);
      }
    } else if (model.size > 0) {
      // Complete a random pending message, biased towards the oldest (as acks mostly are).
      const offsets = [...model.keys()].sort((a, b) => a - b);
      const i = r.bool(0.7) ? r.int(0, Math.min(offsets.length, 8)) : r.int(0, offsets.length);
      const m = model.get(offsets[i]!)!;
      if (r.bool(0.5)) st.delivering(m);
      st.complete(m);
      model.delete(m.offset);
      done.add(m.offset);
    }
    if (r.bool(0.3) && model.size > 0) st.delivering([...model.values()][r.int(0, model.size)]!);
    const pendingSorted = [...model.keys()].sort((a, b) => a - b);
    const floor = pendingSorted.length > 0 ? pendingSorted[0]! : st.readOffset;
    assert.equal(st.floor, floor, why);
    assert.deepEqual(walk(st), pendingSorted, why);
    assert.deepEqual(st.pendingMessages().map((m) => m.offset), pendingSorted, why);
    assert.equal(st.pendingCount, model.size, why);
    // Lookups: every pending offset finds its message; done and unread offsets find nothing.
    for (const o of [pendingSorted[0], pendingSorted.at(-1), pendingSorted[r.int(0, Math.max(1, pendingSorted.length))]]) {
      if (o !== undefined) assert.equal(st.get(o), model.get(o), why);
    }
    const someDone = [...done][r.int(0, Math.max(1, done.size))];
    if (someDone !== undefined) assert.equal(st.get(someDone), undefined, why);
    assert.equal(st.get(st.readOffset), undefined, why);
    if (step % 97 === 0) {
      const ackedAbove = [...done].filter((o) => o >= floor).sort((a, b) => a - b);
      assert.deepEqual(st.doneOffsets(), ackedAbove, `${why}: exactly the done offsets at or above the floor`);
      const p = st.persisted();
      assert.equal(p.floor, floor, why);
      assert.deepEqual(p.acked, ackedAbove, why);
      const attempts = [...model.values()].filter((m) => m.attempt > 0).map((m): [number, number] => [m.offset, m.attempt]).sort((a, b) => a[0] - b[0]);
      assert.deepEqual(p.attempts, attempts, why);
    }
  }
});

test('a restored partition skips done offsets and keeps restored attempts until re-read', () => {
  const st = new PartitionState(0, { floor: 10, acked: [11, 13], attempts: [[10, 2], [14, 1]], delivered: 5, deadLettered: 0 }, new WindowBudget());
  const admitted = [10, 11, 12, 13].map((o) => st.admit(rec(o)));
  assert.deepEqual(admitted.map((m) => m?.offset ?? null), [10, null, 12, null]);
  assert.equal(admitted[0]!.attempt, 2);
  assert.deepEqual(st.persisted().attempts, [[10, 2], [14, 1]], 'attempts of pending messages, then those not re-read yet');
  assert.deepEqual(st.persisted().acked, [11, 13], 'offsets done before the restart stay done once re-read');
  st.complete(admitted[0]!);
  assert.equal(st.floor, 12, 'the floor passes 11, acked before the restart');
  assert.deepEqual(st.persisted(), { floor: 12, acked: [13], attempts: [[14, 1]], delivered: 5, deadLettered: 0 });
});

test('a restored done offset re-read while nothing is pending is below the floor, and one the log no longer has is forgotten', () => {
  const st = new PartitionState(0, { floor: 10, acked: [10, 12, 20], attempts: [], delivered: 0, deadLettered: 0 }, new WindowBudget());
  assert.equal(st.admit(rec(10)), null);
  assert.equal(st.floor, 11, 'nothing pending: the floor is the read position');
  const m = st.admit(rec(11))!;
  assert.equal(st.admit(rec(12)), null);
  st.skipTo(25); // 13..24 compacted away, 20 with them
  assert.deepEqual(st.persisted().acked, [12]);
  st.complete(m);
  assert.equal(st.floor, 25);
  assert.deepEqual(st.persisted().acked, []);
});

test('the window is bounded in bytes of whole records, and refills only once a quarter of it is free again', () => {
  const budget = new WindowBudget();
  const st = new PartitionState(0, PartitionState.fresh(0), budget);
  assert.equal(budget.shareBytes, subscriptionLimits.bufferedBytesMax, 'one window alone gets the whole per-window bound');
  const big = (offset: number): RecordRef => ({ ...rec(offset), recordBytes: 256 * 1024 });
  const admitted: PendingMessage[] = [];
  while (!st.windowFull) admitted.push(st.admit(big(st.readOffset))!);
  const per = 256 * 1024 + 64;
  assert.equal(admitted.length, Math.ceil(subscriptionLimits.bufferedBytesMax / per), 'full at bufferedBytesMax, far below the offset bound');
  assert.ok(st.readOffset - st.floor < subscriptionLimits.outstandingOffsetsMax);
  assert.equal(st.wantsFill, false);
  assert.equal(budget.heldBytes, st.bufferedBytes);
  // Completing records frees bytes: no refill until a quarter of the window is free.
  let freed = 0;
  while (st.bufferedBytes > budget.shareBytes - budget.fillBytes) {
    assert.equal(st.wantsFill, false, `after ${freed} completed`);
    st.complete(admitted[freed++]!);
  }
  assert.equal(st.windowFull, false);
  assert.equal(st.wantsFill, true, `after ${freed} completed`);
  assert.equal(st.bufferedBytes, (admitted.length - freed) * per);
  assert.equal(budget.heldBytes, st.bufferedBytes);
});

test('windows share one byte budget: each holds total / windows, an empty one still reads, leaving releases its share', () => {
  const total = 64 * 1024;
  const budget = new WindowBudget(total);
  const a = new PartitionState(0, PartitionState.fresh(0), budget);
  assert.equal(budget.shareBytes, total, 'one window: the whole budget (under bufferedBytesMax)');
  const others = Array.from({ length: 7 }, (_, p) => new PartitionState(p + 1, PartitionState.fresh(0), budget));
  assert.equal(budget.windows, 8);
  assert.equal(budget.shareBytes, total / 8);
  assert.equal(budget.fillBytes, total / 32);
  const small = (offset: number): RecordRef => ({ ...rec(offset), recordBytes: 1000 });
  for (const st of [a, ...others]) {
    assert.equal(st.wantsFill, true, 'an empty window always reads');
    while (!st.windowFull) st.admit(small(st.readOffset));
    assert.ok(st.bufferedBytes < total / 8 + 1064, 'each window stops at its share');
  }
  assert.ok(budget.heldBytes <= total + 8 * 1064, `all windows together stay within the budget: ${budget.heldBytes}`);
  // More windows shrink every share: a window over its new share reads nothing until it drains.
  const late = Array.from({ length: 8 }, (_, p) => new PartitionState(p + 8, PartitionState.fresh(0), budget));
  assert.equal(budget.shareBytes, total / 16);
  assert.equal(a.windowFull, true);
  assert.equal(a.wantsFill, false);
  assert.equal(late[0]!.wantsFill, true);
  // Leaving gives the share back and takes the window's bytes out of the count.
  const held = budget.heldBytes;
  const aBytes = a.bufferedBytes;
  for (const st of late) st.release();
  a.release();
  a.release();
  assert.equal(budget.windows, 7, 'released once, however often release() is called');
  assert.equal(budget.heldBytes, held - aBytes);
  assert.equal(budget.shareBytes, Math.floor(total / 7));
});
