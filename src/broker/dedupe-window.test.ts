// The duplicate window: ids answer their first position within the window, expire after it (fake
// time), and the number remembered is bounded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DedupeBudget, DedupeWindow } from './dedupe-window.ts';

test('ids are remembered for the window, then forgotten; memory is bounded', () => {
  const w = new DedupeWindow(1000, { maxIds: 3 });
  w.remember('a', { partition: 0, offset: 1 }, 0);
  assert.deepEqual(w.lookup('a', 999), { partition: 0, offset: 1 });
  assert.equal(w.lookup('a', 1000), undefined, 'expired at the end of the window');
  w.remember('b', { partition: 0, offset: 2 }, 10);
  w.remember('c', { partition: 0, offset: 3 }, 20);
  w.remember('d', { partition: 0, offset: 4 }, 30);
  w.remember('e', { partition: 0, offset: 5 }, 40);
  assert.equal(w.size, 3, 'the oldest id is dropped past the cap');
  assert.equal(w.lookup('b', 50), undefined);
  w.sweep(1025);
  assert.equal(w.size, 2, 'sweep drops what expired');
  assert.deepEqual(w.lookup('e', 1000), { partition: 0, offset: 5 });
});

/** The window as a plain model: a Map of objects in insertion order (what the slab version must equal). */
class ModelWindow {
  readonly #ids = new Map<string, { partition: number; offset: number; expiresMs: number }>();
  readonly windowMs: number;
  readonly maxIds: number;
  constructor(windowMs: number, maxIds: number) {
    this.windowMs = windowMs;
    this.maxIds = maxIds;
  }
  lookup(id: string, nowMs: number) {
    const e = this.#ids.get(id);
    if (!e) return undefined;
    if (e.expiresMs <= nowMs) {
      this.#ids.delete(id);
      return undefined;
    }
    return { partition: e.partition, offset: e.offset };
  }
  remember(id: string, at: { partition: number; offset: number }, t: number) {
    this.#ids.delete(id);
    this.#ids.set(id, { ...at, expiresMs: t + this.windowMs });
    if (this.#ids.size > this.maxIds) this.#ids.delete(this.#ids.keys().next().value!);
  }
  sweep(nowMs: number) {
    for (const [id, e] of this.#ids) {
      if (e.expiresMs > nowMs) break;
      this.#ids.delete(id);
    }
  }
  get size() {
    return this.#ids.size;
  }
}

/**
 * Ids of the pool: canonical UUIDs (kept as bits), ids that differ from one of them in one character
 * (uppercase, a non-hex letter: kept as text, and never equal to the UUID), plain strings, and UUIDs
 * that share their first words (the same millisecond) so the table's probe runs collide.
 */
const idPool = (seed: number): string[] => {
  const hex = (n: number, len: number) => (n >>> 0).toString(16).padStart(len, '0').slice(-len);
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = Math.imul(seed + i, 0x9e3779b1) >>> 0;
    out.push(`0190f3a2-7b1c-7${hex(i % 3, 3)}-8${hex(r, 3)}-${hex(r, 8)}${hex(i, 4)}`);
  }
  out.push(out[0]!.toUpperCase(), out[1]!.replace(/.$/, 'g'), out[2]!.slice(0, 35), 'id-a', 'id-b', '', 'x'.repeat(40));
  return out;
};

test('property: the compact window answers exactly like a map of entries, across chunk turnover, table resizes under way, eviction, expiry, holes and compaction', () => {
  const op = fc.oneof(
    // Mostly at clock time; sometimes a timestamp from the past (the broker remembers ids read back
    // from the log at their records' timestamps) and sometimes after a leap of 35 days (a chunk's
    // expiries then span more than 32 bits of ms and it keeps them as doubles).
    fc.record({
      kind: fc.constant('remember' as const),
      id: fc.nat(),
      partition: fc.integer({ min: 0, max: 1023 }),
      // Mostly close together (32-bit deltas from the chunk's first); sometimes about 2^31 past a small
      // first one, or any safe integer (the chunk keeps doubles then).
      offset: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 2 ** 20 }), weight: 10 }, { arbitrary: fc.integer({ min: 2 ** 31 - 2, max: 2 ** 31 + 2 ** 20 }), weight: 1 }, { arbitrary: fc.maxSafeNat(), weight: 1 }),
      dt: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 50 }), weight: 20 }, { arbitrary: fc.constant(3e9), weight: 1 }),
      back: fc.oneof({ arbitrary: fc.constant(0), weight: 10 }, { arbitrary: fc.integer({ min: 1, max: 5e9 }), weight: 1 }),
    }),
    fc.record({ kind: fc.constant('lookup' as const), id: fc.nat(), dt: fc.integer({ min: 0, max: 50 }) }),
    fc.record({ kind: fc.constant('sweep' as const), dt: fc.integer({ min: 0, max: 200 }) }),
  );
  // A window of up to 500 ms (ids expire within the run) or one where they never do (the ring's span
  // then grows with every re-remembered id until it is compacted).
  const windowSpan = fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constant(1e12));
  fc.assert(
    fc.property(windowSpan, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }), fc.integer(), fc.array(op, { maxLength: 400, size: 'max' }), (windowMs, maxIds, chunkSlots, seed, ops) => {
      // Small chunks, a small first table and small moves per sweep: chunk turnover, table resizes
      // under way across operations, and compaction within a few hundred operations.
      const w = new DedupeWindow(windowMs, { maxIds, chunkSlots, sweepMoveCells: 2 });
      const m = new ModelWindow(windowMs, maxIds);
      const ids = idPool(seed);
      let now = 0;
      for (const o of ops) {
        now += o.dt; // clock time never goes back
        if (o.kind === 'remember') {
          const id = ids[o.id % ids.length]!;
          w.remember(id, { partition: o.partition, offset: o.offset }, now - o.back);
          m.remember(id, { partition: o.partition, offset: o.offset }, now - o.back);
        } else if (o.kind === 'lookup') {
          const id = ids[o.id % ids.length]!;
          assert.deepEqual(w.lookup(id, now), m.lookup(id, now));
        }
        else {
          w.sweep(now);
          m.sweep(now);
        }
        assert.equal(w.size, m.size);
        assert.ok(w.size <= maxIds);
      }
    }),
    { numRuns: 1000 },
  );
});

for (const [kind, idOf] of [
  ['text', (i: number) => `e-${i}`],
  ['uuid', (i: number) => `0190f3a2-7b1c-7000-8000-${i.toString(16).padStart(12, '0')}`],
] as const) {
  test(`a large window of ${kind} ids grows, evicts the oldest past its cap and keeps every id exact`, () => {
    const w = new DedupeWindow(60_000, { maxIds: 5000 });
    for (let i = 0; i < 12_000; i++) w.remember(idOf(i), { partition: i % 7, offset: i * 3 }, i);
    assert.equal(w.size, 5000);
    assert.equal(w.lookup(idOf(6999), 12_000), undefined, 'evicted past the cap');
    for (let i = 7000; i < 12_000; i++) assert.deepEqual(w.lookup(idOf(i), 12_000), { partition: i % 7, offset: i * 3 });
    w.sweep(60_000 + 9_999);
    assert.equal(w.size, 2000, 'expired ids swept in order');
    assert.equal(w.lookup(idOf(9_999), 69_999), undefined);
    assert.deepEqual(w.lookup(idOf(10_000), 69_999), { partition: 10_000 % 7, offset: 30_000 });
  });
}

test('memory follows the ids held: expired ids give back their chunks, a sparse table shrinks, an empty window holds nothing; the ids left stay exact', () => {
  const id = (i: number) => `0190f3a2-7b1c-7000-8000-${i.toString(16).padStart(12, '0')}`;
  const w = new DedupeWindow(10_000, { maxIds: 100_000, chunkSlots: 64 });
  for (let i = 0; i < 20_000; i++) w.remember(id(i), { partition: 0, offset: i }, i);
  const full = w.bytes;
  w.sweep(10_000 + 9_999); // half expired: the table keeps its size, the ring gives back their chunks
  assert.equal(w.size, 10_000);
  assert.ok(w.bytes <= full - 9_000 * 30, `${w.bytes} of ${full} bytes after half the ids expired`);
  w.sweep(10_000 + 17_999); // ids 0..17,999 expired: 2,000 of 20,000 left
  assert.equal(w.size, 2000);
  assert.ok(w.bytes < full / 4, `shrunk: ${w.bytes} of ${full} bytes`);
  for (let i = 18_000; i < 20_000; i++) assert.deepEqual(w.lookup(id(i), 27_999), { partition: 0, offset: i });
  assert.equal(w.lookup(id(17_999), 27_999), undefined);
  w.sweep(10_000 + 19_999);
  assert.equal(w.size, 0);
  assert.equal(w.bytes, 0, 'an empty window holds no arrays');
  w.remember(id(1), { partition: 1, offset: 7 }, 40_000);
  assert.deepEqual(w.lookup(id(1), 40_000), { partition: 1, offset: 7 }, 'and grows again');
});

test('property: windows sharing one budget keep the active count exact and, once swept, hold at most the budget together', () => {
  const op = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('remember' as const), w: fc.nat(), id: fc.nat({ max: 300 }), dt: fc.integer({ min: 0, max: 20 }) }), weight: 20 },
    { arbitrary: fc.record({ kind: fc.constant('sweep' as const), w: fc.nat(), dt: fc.integer({ min: 0, max: 200 }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('sweepAll' as const), dt: fc.integer({ min: 0, max: 200 }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('clear' as const), w: fc.nat() }), weight: 1 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5 }), fc.constantFrom(500, 1_000_000), fc.array(op, { maxLength: 300, size: 'max' }), (total, n, windowMs, ops) => {
      const budget = new DedupeBudget(total);
      const windows = Array.from({ length: n }, () => new DedupeWindow(windowMs, { maxIds: 40, chunkSlots: 2, budget }));
      const cleared = new Set<number>();
      let now = 0;
      for (const o of ops) {
        if ('dt' in o) now += o.dt;
        if (o.kind === 'remember') {
          const i = o.w % n;
          windows[i]!.remember(`${i}-${o.id}`, { partition: 0, offset: o.id }, now);
          if (!cleared.has(i)) assert.ok(windows[i]!.size <= Math.max(1, Math.min(40, Math.floor(total / budget.active))), 'a remember keeps the window within its share');
        } else if (o.kind === 'sweep') windows[o.w % n]!.sweep(now);
        else if (o.kind === 'clear') {
          windows[o.w % n]!.clear();
          cleared.add(o.w % n);
        } else {
          for (const w of windows) w.sweep(now);
          const held = windows.reduce((sum, w) => sum + w.size, 0);
          assert.ok(held <= Math.max(total, budget.active), `swept windows hold ${held} ids, budget ${total}`);
        }
        assert.equal(budget.active, windows.filter((w) => w.size > 0).length, 'active counts the windows holding ids');
        for (const i of cleared) assert.equal(windows[i]!.size, 0, 'a cleared window remembers nothing more');
      }
    }),
    { numRuns: 500 },
  );
});
