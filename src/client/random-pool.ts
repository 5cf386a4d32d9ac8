// Random bytes for ids (UUIDv7, trace and span ids), drawn from the CSPRNG 4 KiB at a time: one
// randomFillSync per id was a hot spot of publishMany. Not for secrets (bytes sit in memory until used).

import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let at = pool.length;

/** Where the next `bytes` (at most the pool's size) random bytes are in the pool. */
function take(bytes: number): number {
  if (at + bytes > pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  at += bytes;
  return at - bytes;
}

/** Fills `target` (at most 4 KiB) with random bytes. */
export function fillRandom(target: Uint8Array): void {
  const from = take(target.length);
  target.set(pool.subarray(from, from + target.length));
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  const from = take(bytes);
  return pool.toString('hex', from, from + bytes);
}
