import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TailCache } from './tail-cache.ts';

interface Batch {
  position: number;
  baseOffset: number;
  lastOffset: number;
  bytes: Uint8Array;
}

/** Batches back to back from position 0 / offset 0, each filled with its index (to tell them apart). */
function layout(specs: { size: number; records: number }[]): Batch[] {
  const out: Batch[] = [];
  let position = 0;
  let offset = 0;
  for (const [i, s] of specs.entries()) {
    out.push({ position, baseOffset: offset, lastOffset: offset + s.records - 1, bytes: new Uint8Array(s.size).fill(i % 256) });
    position += s.size;
    offset += s.records;
  }
  return out;
}

const arb = fc.record({
  specs: fc.array(fc.record({ size: fc.integer({ min: 1, max: 3000 }), records: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 60 }),
  capacity: fc.integer({ min: 1, max: 20_000 }),
  queries: fc.array(fc.record({ offset: fc.nat(400), end: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 10_000 }) }), { maxLength: 20 }),
});

test('TailCache answers exactly what a read of the file would, for every batch it still holds', () => {
  fc.assert(
    fc.property(arb, ({ specs, capacity, queries }) => {
      const batches = layout(specs);
      const cache = new TailCache(capacity);
      for (const b of batches) cache.add(b.position, b.baseOffset, b.lastOffset, b.bytes);
      const fileEnd = batches.at(-1)!.position + batches.at(-1)!.bytes.length;
      // What the cache should still hold: the newest batches within capacity (none if the last is too big).
      let kept = 0;
      let keptBytes = 0;
      for (let i = batches.length - 1; i >= 0 && keptBytes + batches[i]!.bytes.length <= capacity; i--) {
        keptBytes += batches[i]!.bytes.length;
        kept++;
      }
      assert.equal(cache.bytes, keptBytes);
      const held = batches.slice(batches.length - kept);
      for (const q of queries) {
        const endPosition = Math.round(q.end * fileEnd);
        // locate: null before the cache; otherwise the holding batch's position, capped at endPosition.
        const holder = batches.find((b) => b.lastOffset >= q.offset);
        const located = cache.locate(q.offset, endPosition);
        if (held.length === 0 || q.offset < held[0]!.baseOffset) assert.equal(located, null);
        else assert.equal(located, holder ? Math.min(holder.position, endPosition) : endPosition);
        // read from the start of every held batch (and a position that starts none).
        for (const start of held) {
          const r = cache.read(start.position, q.maxBytes, endPosition);
          const expected: Batch[] = [];
          let total = 0;
          for (const b of held.slice(held.indexOf(start))) {
            if (b.position + b.bytes.length > endPosition) break;
            if (expected.length > 0 && total + b.bytes.length > q.maxBytes) break;
            expected.push(b);
            total += b.bytes.length;
          }
          assert.ok(r);
          assert.deepEqual([...r.bytes], expected.flatMap((b) => [...b.bytes]));
          assert.equal(r.nextOffset, expected.length ? expected.at(-1)!.lastOffset + 1 : null);
        }
        if (held.length > 0 && held[0]!.bytes.length > 1) assert.equal(cache.read(held[0]!.position + 1, q.maxBytes, endPosition), null);
      }
      if (held.length < batches.length) assert.equal(cache.read(batches[batches.length - held.length - 1]!.position, 1 << 20, fileEnd), null);
    }),
  );
});

test('TailCache copies a batch that is a small slice of a larger buffer, and keeps an exact one by reference', () => {
  const cache = new TailCache(1 << 20);
  const frame = new Uint8Array(10_000).fill(7);
  const slice = frame.subarray(100, 200);
  const own = new Uint8Array(50).fill(9);
  cache.add(0, 0, 0, slice);
  cache.add(100, 1, 1, own);
  const a = cache.read(0, 1, 150)!;
  assert.equal(a.bytes.buffer.byteLength, 100, 'the slice was copied out of its frame');
  const b = cache.read(100, 1 << 20, 150)!;
  assert.equal(b.bytes.buffer, own.buffer, 'a batch that owns its memory is not copied');
  cache.clear();
  assert.equal(cache.locate(0, 150), null);
  assert.equal(cache.bytes, 0);
});

test('TailCache keeps only batches up to batchBytesMax: a larger one empties it, later small ones refill it', () => {
  const cache = new TailCache(1000, 100);
  cache.add(0, 0, 0, new Uint8Array(50));
  cache.add(50, 1, 1, new Uint8Array(200));
  assert.equal(cache.bytes, 0);
  assert.equal(cache.locate(0, 250), null, 'readers of the large batch go to the file');
  cache.add(250, 2, 2, new Uint8Array(60));
  assert.equal(cache.locate(1, 310), null);
  assert.equal(cache.locate(2, 310), 250);
  assert.equal(cache.read(250, 1000, 310)!.nextOffset, 3);
});

