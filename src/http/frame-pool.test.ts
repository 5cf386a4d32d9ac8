// FramePool: buffers of the size asked, reused only after release, never two frames on one buffer,
// free bytes bounded, sizes outside the classes neither pooled nor kept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FramePool } from './frame-pool.ts';

const KiB = 1024;

test('a released frame buffer is handed out again for a frame of its class, and only once', () => {
  const pool = new FramePool(1024 * KiB, 8 * 1024 * KiB);
  const a = pool.acquire(100 * KiB);
  assert.equal(a.length, 100 * KiB);
  assert.equal(a.buffer.byteLength, 128 * KiB, 'a view on a buffer of its class');
  pool.release(a);
  assert.equal(pool.freeBytes, 128 * KiB);
  const b = pool.acquire(70 * KiB);
  assert.equal(b.buffer, a.buffer, 'the same memory, reused');
  assert.equal(b.length, 70 * KiB);
  assert.equal(pool.freeBytes, 0);
  const c = pool.acquire(70 * KiB);
  assert.notEqual(c.buffer, a.buffer, 'while it is out, another frame gets other memory');
});

test('small and oversized frames are plain allocations, never kept', () => {
  const pool = new FramePool(256 * KiB, 8 * 1024 * KiB);
  assert.equal(pool.classMaxBytes, 256 * KiB);
  for (const size of [1, 100, 4 * KiB, 31 * KiB, 256 * KiB + 1, 3 * 1024 * KiB]) {
    const f = pool.acquire(size);
    assert.equal(f.length, size);
    pool.release(f);
    assert.equal(pool.freeBytes, 0, `size ${size}`);
  }
  // A view into the middle of a pooled buffer is not the frame acquire gave: ignored.
  const f = pool.acquire(64 * KiB);
  pool.release(f.subarray(1));
  assert.equal(pool.freeBytes, 0);
});

test('free buffers never hold more than freeBytesMax', () => {
  const pool = new FramePool(1024 * KiB, 1024 * KiB);
  const frames = Array.from({ length: 5 }, () => pool.acquire(300 * KiB)); // 512 KiB class
  for (const f of frames) pool.release(f);
  assert.equal(pool.freeBytes, 1024 * KiB, 'two kept, three left to the GC');
});

test('property: frames out at the same time never share memory; sizes are what was asked', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ size: fc.integer({ min: 1, max: 2200 * KiB }), release: fc.boolean() }), { maxLength: 60 }), (steps) => {
      const pool = new FramePool(2048 * KiB, 4 * 1024 * KiB);
      const out: Buffer[] = [];
      for (const s of steps) {
        const f = pool.acquire(s.size);
        assert.equal(f.length, s.size);
        for (const o of out) assert.ok(o.buffer !== f.buffer || f.length < 4 * KiB, 'two frames out on one buffer');
        out.push(f);
        if (s.release && out.length > 0) pool.release(out.shift()!);
        assert.ok(pool.freeBytes <= pool.freeBytesMax);
      }
    }),
  );
});
