// The snappy, lz4 and zstd codecs: round trips through record batches, frames written by the lz4
// and zstd command-line tools (independent and linked lz4 blocks), raw and xerial-framed snappy,
// compression bombs refused before they inflate, and random or truncated input never throwing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { registerCodecs } from './codecs.ts';
import { Compression, decompress, compress } from './compression.ts';
import { decodeRecords, encodeBatch } from './record-batch.ts';
import { zstdStoredFrame } from './zstd-frame.ts';

registerCodecs();

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/codecs/${name}`, import.meta.url));
const plain = Buffer.from(Array.from({ length: 6000 }, (_, i) => `record ${i % 97} says hello to the log; `).join(''));
const MiB = 1024 * 1024;

test('every codec round-trips record batches', () => {
  for (const id of [Compression.snappy, Compression.lz4, Compression.zstd]) {
    for (const n of [1, 3, 500]) {
      const records = Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i} `.repeat(i % 50)), headers: [{ key: 'h', value: Buffer.from('v') }] }));
      const batch = encodeBatch(records, { timestampMs: 1000, compression: id });
      const back = decodeRecords(batch, 0, { decompressedBytesMax: 64 * MiB });
      assert.ok(back.ok, `codec ${id}, ${n} records: ${back.ok ? '' : back.error.message}`);
      assert.equal(back.value.length, n);
      assert.deepEqual(Buffer.from(back.value[n - 1]!.value!), records[n - 1]!.value);
    }
    const empty = decompress(id, compress(id, new Uint8Array(0)), { maxBytes: 10 });
    assert.ok(empty.ok && empty.value.length === 0, `codec ${id}: empty input`);
  }
});

test('frames written by the lz4 and zstd tools decode, linked lz4 blocks included', () => {
  for (const [id, name] of [
    [Compression.lz4, 'plain.lz4'],
    [Compression.lz4, 'plain-linked.lz4'],
    [Compression.zstd, 'plain.zst'],
  ] as const) {
    const r = decompress(id, fixture(name), { maxBytes: 64 * MiB });
    assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error.message}`);
    assert.ok(Buffer.from(r.value).equals(plain), name);
    const small = decompress(id, fixture(name), { maxBytes: plain.length - 1 });
    assert.equal(small.ok ? 'ok' : small.error.code, 'decompressed_too_large', `${name} past maxBytes`);
  }
  const stored = decompress(Compression.zstd, zstdStoredFrame(plain), { maxBytes: 64 * MiB });
  assert.ok(stored.ok && Buffer.from(stored.value).equals(plain));
});

test('snappy reads raw blocks (librdkafka) and xerial framing (Java clients)', () => {
  const framed = compress(Compression.snappy, plain);
  assert.deepEqual([...framed.subarray(0, 8)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
  const a = decompress(Compression.snappy, framed, { maxBytes: 64 * MiB });
  assert.ok(a.ok && Buffer.from(a.value).equals(plain));
  const raw = framed.subarray(20, 20 + new DataView(framed.buffer, framed.byteOffset).getInt32(16));
  const b = decompress(Compression.snappy, raw, { maxBytes: 64 * MiB });
  assert.ok(b.ok && Buffer.from(b.value).equals(plain.subarray(0, 32 * 1024)));
});

test('compression bombs are refused before they inflate', () => {
  // snappy: a block declaring 1 GiB.
  const snappyBomb = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]);
  assert.equal(code(Compression.snappy, snappyBomb, 64 * MiB), 'decompressed_too_large');
  // lz4: many blocks of long matches; each would give ~60 KiB, far past 1 MiB in all.
  const block = [0x1f, 0x61, 0x01, 0x00, ...Array<number>(240).fill(0xff), 0x00]; // 'a', then a 61218-byte match of it
  const frame = [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82];
  for (let i = 0; i < 200; i++) frame.push(block.length, 0, 0, 0, ...block);
  frame.push(0, 0, 0, 0);
  assert.equal(code(Compression.lz4, Uint8Array.from(frame), 1 * MiB), 'decompressed_too_large');
  // zstd: RLE blocks of 128 KiB each, 1000 of them (128 MiB from ~4 KB).
  const z = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
  for (let i = 0; i < 1000; i++) {
    const h = ((128 * 1024) << 3) | (1 << 1) | (i === 999 ? 1 : 0);
    z.push(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x41);
  }
  assert.equal(code(Compression.zstd, Uint8Array.from(z), 64 * MiB), 'decompressed_too_large');
  // zstd: a frame asking for a 2 GiB window.
  assert.equal(code(Compression.zstd, Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0x00, 0x00]), 64 * MiB), 'decompressed_too_large');
});

test('random bytes and every truncation give errors, never exceptions', () => {
  let seed = Number(process.env.EDDY_SEED ?? 12345);
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  for (const id of [Compression.snappy, Compression.lz4, Compression.zstd]) {
    const valid = compress(id, plain.subarray(0, 3000));
    for (let cut = 0; cut < valid.length; cut += Math.max(1, valid.length >> 6)) decompress(id, valid.subarray(0, cut), { maxBytes: MiB });
    for (let i = 0; i < 300; i++) {
      const junk = Uint8Array.from({ length: 1 + (rand() % 64) }, rand);
      if (i % 3 === 0) junk.set(valid.subarray(0, Math.min(6, junk.length)));
      decompress(id, junk, { maxBytes: MiB });
    }
  }
  assert.ok(true, `seed ${process.env.EDDY_SEED ?? 12345}`);
});

function code(id: number, data: Uint8Array, maxBytes: number): string {
  const r = decompress(id, data, { maxBytes });
  return r.ok ? `ok(${r.value.length})` : r.error.code;
}
