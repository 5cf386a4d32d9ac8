// Throughput of CRC-32C (src/log/codec/crc32c.ts: native from 512 B where @node-rs/crc32 loads, else
// the hand-written JS) on large and batch-sized buffers. EDDY_CRC32C=js measures the JS path alone.
// Run: node --import tsx bench/crc32c.ts   (single-threaded; prints MB/s per buffer size)

import { randomFillSync } from 'node:crypto';
import { crc32c } from '../src/log/codec/crc32c.ts';

function measure(size: number, totalBytes: number): number {
  const buf = randomFillSync(new Uint8Array(size));
  const rounds = Math.max(1, Math.floor(totalBytes / size));
  let sink = 0;
  for (let i = 0; i < Math.min(rounds, 50); i++) sink ^= crc32c(buf); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) sink ^= crc32c(buf);
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === 0.5) console.log(sink);
  return (rounds * size) / 1e6 / (ns / 1e9);
}

for (const size of [64, 100, 300, 1024, 16 * 1024, 1024 * 1024, 16 * 1024 * 1024]) {
  console.log(`crc32c ${String(size).padStart(9)} B buffers: ${measure(size, 512 * 1024 * 1024).toFixed(0)} MB/s`);
}
