// Compression registry: gzip round trip, a gzip bomb stopped at maxBytes with a typed error,
// corrupt data typed, snappy/lz4/zstd 'unsupported_compression' until registered, a registered
// codec used by encodeBatch/decodeRecords without touching them, misbehaving plug-ins contained.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Compression, compress, decompress, hasCodec, registerCodec, unregisterCodec, type CompressionCodec } from './compression.ts';
import { decodeRecords, encodeBatch, validateBatch } from './record-batch.ts';
import { ok } from './result.ts';

test('gzip round trip', () => {
  const data = new TextEncoder().encode('hello hello hello hello '.repeat(100));
  const packed = compress(Compression.gzip, data);
  assert.ok(packed.length < data.length);
  const r = decompress(Compression.gzip, packed, { maxBytes: data.length });
  assert.ok(r.ok);
  assert.deepEqual(Buffer.from(r.value), Buffer.from(data));
  assert.equal(compress(Compression.none, data), data);
});

test('a gzip bomb fails with decompressed_too_large instead of inflating', () => {
  const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024), { level: 9 });
  assert.ok(bomb.length < 8 * 1024, `bomb is ${bomb.length} bytes`);
  const t0 = performance.now();
  const r = decompress(Compression.gzip, bomb, { maxBytes: 64 * 1024 });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'decompressed_too_large');
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(decompress(Compression.gzip, bomb, { maxBytes: 4 * 1024 * 1024 }).ok);
  const zero = decompress(Compression.gzip, gzipSync(Buffer.alloc(1)), { maxBytes: 0 });
  assert.equal(zero.ok ? 'ok' : zero.error.code, 'decompressed_too_large');
});

test('corrupt gzip is bad_compressed_data, never a throw', () => {
  const packed = Buffer.from(gzipSync(Buffer.from('some records here')));
  packed[packed.length - 6]! ^= 0xff; // the trailer's CRC-32
  for (const bad of [packed, packed.subarray(0, 10), new Uint8Array(0), Uint8Array.from([1, 2, 3])]) {
    const r = decompress(Compression.gzip, bad, { maxBytes: 1000 });
    assert.equal(r.ok ? 'ok' : r.error.code, 'bad_compressed_data');
  }
});

test('snappy, lz4 and zstd answer unsupported_compression until registered; 5..7 unknown', () => {
  for (const id of [Compression.snappy, Compression.lz4, Compression.zstd]) {
    assert.equal(hasCodec(id), false);
    const r = decompress(id, new Uint8Array(4), { maxBytes: 100 });
    assert.equal(r.ok ? 'ok' : r.error.code, 'unsupported_compression');
    assert.throws(() => compress(id, new Uint8Array(4)), RangeError);
  }
  for (const id of [5, 6, 7, -1]) {
    const r = decompress(id, new Uint8Array(4), { maxBytes: 100 });
    assert.equal(r.ok ? 'ok' : r.error.code, 'unknown_compression');
  }
  assert.equal(hasCodec(Compression.none), true);
  assert.equal(hasCodec(Compression.gzip), true);
});

test('a registered codec is used by encodeBatch and decodeRecords; plug-in faults are contained', () => {
  // A toy "snappy": bytes reversed. Enough to prove callers need no change.
  const reversed: CompressionCodec = {
    compress: (d) => Uint8Array.from(d).reverse(),
    decompress: (d, { maxBytes }) => (d.length > maxBytes ? { ok: false, error: { code: 'decompressed_too_large', message: 'big', position: 0 } } : ok(Uint8Array.from(d).reverse())),
  };
  registerCodec(Compression.snappy, reversed);
  try {
    const batch = encodeBatch([{ key: null, value: new TextEncoder().encode('v') }], { timestampMs: 1, compression: Compression.snappy });
    const v = validateBatch(batch, 0, { bytesMax: 1000 });
    assert.ok(v.ok);
    assert.equal(v.value.compression, Compression.snappy);
    const d = decodeRecords(batch, 0, { decompressedBytesMax: 1000 });
    assert.ok(d.ok);
    assert.equal(new TextDecoder().decode(d.value[0]!.value!), 'v');
    const tight = decodeRecords(batch, 0, { decompressedBytesMax: 2 });
    assert.equal(tight.ok ? 'ok' : tight.error.code, 'decompressed_too_large');

    registerCodec(Compression.snappy, { compress: (x) => x, decompress: () => ok(new Uint8Array(50)) }); // ignores maxBytes
    const r = decompress(Compression.snappy, new Uint8Array(1), { maxBytes: 10 });
    assert.equal(r.ok ? 'ok' : r.error.code, 'decompressed_too_large');
    registerCodec(Compression.snappy, {
      compress: (x) => x,
      decompress: () => {
        throw new Error('plug-in bug');
      },
    });
    const thrown = decompress(Compression.snappy, new Uint8Array(1), { maxBytes: 10 });
    assert.equal(thrown.ok ? 'ok' : thrown.error.code, 'bad_compressed_data');
  } finally {
    unregisterCodec(Compression.snappy);
  }
  assert.equal(hasCodec(Compression.snappy), false);
  assert.throws(() => registerCodec(Compression.none, reversed), RangeError);
});
