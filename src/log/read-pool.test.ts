import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadBufferPool } from './read-pool.ts';

test('ReadBufferPool: lends exact-length views, reuses what comes back, ignores what it did not lend', () => {
  const pool = new ReadBufferPool({ minBytes: 1024, maxBufferBytes: 8192, bytesMax: 16384 });
  const a = pool.acquire(3000);
  assert.equal(a.length, 3000);
  assert.equal(a.buffer.byteLength, 4096, 'sized up to a power of two');
  pool.release(a.subarray(10, 20)); // any view of it
  assert.equal(pool.pooledBytes, 4096);
  assert.equal(pool.isLent(a), false, 'released');
  const b = pool.acquire(2049);
  assert.equal(b.buffer, a.buffer, 'the same memory again');
  assert.equal(pool.isLent(b.subarray(5)), true);
  assert.equal(pool.pooledBytes, 0);
  pool.release(b);
  pool.release(b); // twice: counted once
  assert.equal(pool.pooledBytes, 4096);

  const small = pool.acquire(100);
  const huge = pool.acquire(10_000);
  pool.release(small);
  pool.release(huge);
  pool.release(Buffer.alloc(4096));
  pool.release(new Uint8Array(new ArrayBuffer(4096)));
  assert.equal(pool.pooledBytes, 4096, 'plain allocations and foreign buffers are not kept');
});

test('ReadBufferPool: keeps at most bytesMax; the rest is left to the garbage collector', () => {
  const pool = new ReadBufferPool({ minBytes: 1024, maxBufferBytes: 8192, bytesMax: 16384 });
  const lent = Array.from({ length: 5 }, () => pool.acquire(8192));
  assert.equal(new Set(lent.map((b) => b.buffer)).size, 5, 'lent buffers are distinct');
  for (const b of lent) pool.release(b);
  assert.equal(pool.pooledBytes, 16384);
  const again = Array.from({ length: 3 }, () => pool.acquire(5000));
  assert.equal(again.filter((b) => lent.some((l) => l.buffer === b.buffer)).length, 2);
  assert.equal(pool.pooledBytes, 0);
});

test('ReadBufferPool: trimIfIdle drops the pool only after an interval in which nothing was lent', () => {
  const pool = new ReadBufferPool({ minBytes: 1024, maxBufferBytes: 8192, bytesMax: 16384 });
  pool.release(pool.acquire(4096));
  pool.trimIfIdle(); // something was lent in this interval
  assert.equal(pool.pooledBytes, 4096);
  pool.trimIfIdle(); // nothing since
  assert.equal(pool.pooledBytes, 0);
  const again = pool.acquire(4096);
  pool.release(again);
  assert.equal(pool.pooledBytes, 4096, 'the pool fills again after a trim');
});
