// CRC-32C: published vectors (RFC 3720 B.4 iSCSI, the "123456789" check value), agreement with a
// bit-at-a-time reference on random data at every alignment and length, and incremental updates
// over random splits. Replay a failure with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32c, crc32cJs, crc32cUpdate, nativeCrc32c } from './crc32c.ts';

const seed = process.env['EDDY_SEED'] === undefined ? (Math.random() * 2 ** 31) | 0 : Number(process.env['EDDY_SEED']);
const fcOpts = (numRuns: number) => ({ seed, numRuns });
console.log(`# crc32c.test.ts EDDY_SEED=${seed}`);

function reference(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('check value and RFC 3720 B.4 vectors', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  const scsiRead = hex(`01c00000 00000000 00000000 00000000 14000000 00000400 00000014 00000018
                        28000000 00000000 02000000 00000000`);
  assert.equal(crc32c(scsiRead), 0xd9963a56);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('large buffers take the word path and agree with the reference', () => {
  const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24);
  assert.equal(crc32c(big), reference(big));
  assert.equal(crc32c(big, 7, 99_001), reference(big.subarray(7, 99_001)));
});

test('random data at any offset and length matches the bit-at-a-time reference', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1200 }), fc.nat(), fc.nat(), (data, a, b) => {
      const start = data.length === 0 ? 0 : a % (data.length + 1);
      const end = start + (b % (data.length - start + 1));
      assert.equal(crc32c(data, start, end), reference(data.subarray(start, end)));
      // Also through a view whose byteOffset is odd (DataView path with unaligned words).
      const shifted = new Uint8Array(data.length + 3);
      shifted.set(data, 3);
      const view = shifted.subarray(3);
      assert.equal(crc32c(view), reference(data));
    }),
    fcOpts(300),
  );
});

test('crc32cUpdate over random splits equals crc32c of the whole', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 6 }), (data, cuts) => {
      const points = [0, ...cuts.map((c) => c % (data.length + 1)).sort((x, y) => x - y), data.length];
      let crc = 0;
      for (let i = 0; i + 1 < points.length; i++) crc = crc32cUpdate(crc, data, points[i], points[i + 1]);
      assert.equal(crc, crc32c(data));
    }),
    fcOpts(300),
  );
});

test('a range outside the buffer is a programmer error', () => {
  const b = new Uint8Array(4);
  assert.throws(() => crc32c(b, 0, 5), RangeError);
  assert.throws(() => crc32c(b, 3, 2), RangeError);
  assert.throws(() => crc32c(b, -1), RangeError);
});

test('the native and the JS implementation agree, and either may continue the other', (t) => {
  if (process.platform === 'linux' && process.arch === 'x64' && process.env['EDDY_CRC32C'] !== 'js') {
    assert.ok(nativeCrc32c !== null, '@node-rs/crc32 should load here (its linux-x64-gnu binary is an optional dependency)');
  }
  if (nativeCrc32c === null) return t.skip('no native CRC-32C on this platform');
  const native = nativeCrc32c;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(), fc.nat(), (data, seedCrc, cut) => {
      const prior = seedCrc >>> 0;
      assert.equal(native(Buffer.from(data), prior) >>> 0, crc32cJs(prior, data, 0, data.length));
      const at = data.length === 0 ? 0 : cut % (data.length + 1);
      const joined = crc32cJs(native(Buffer.from(data.subarray(0, at))) >>> 0, data, at, data.length);
      assert.equal(joined, reference(data));
    }),
    fcOpts(300),
  );
});
