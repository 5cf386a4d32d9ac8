// ByteReader and the writer helpers: round trips and boundary values for every width, varint bytes
// identical to a BigInt reference, over-long and truncated varints rejected with their position,
// sticky errors, reads bounded by `end`, random bytes never throwing. EDDY_SEED=<seed> replays.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ByteReader } from './reader.ts';
import { codecErrorCodes } from './result.ts';
import { asciiText, readUtf8, recurringText, strictUtf8, utf8Length, writeUtf8 } from './utf8.ts';
import {
  unsignedVarintSize,
  varintSize,
  varlongSize,
  writeInt16,
  writeInt32,
  writeInt64,
  writeInt8,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from './writer.ts';

const seed = process.env['EDDY_SEED'] === undefined ? (Math.random() * 2 ** 31) | 0 : Number(process.env['EDDY_SEED']);
const fcOpts = (numRuns: number) => ({ seed, numRuns });
console.log(`# reader.test.ts EDDY_SEED=${seed}`);

const MAX = Number.MAX_SAFE_INTEGER;

/** Reference LEB128 of a zigzag int64 through BigInt. */
function refVarlong(v: number): number[] {
  const big = BigInt(v);
  let u = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
  const out: number[] = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

const reader = (bytes: number[] | Uint8Array) => new ByteReader(Uint8Array.from(bytes));

const int32Bounds = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8192, -8193, 2 ** 20 - 1, 2 ** 20, 2 ** 27, -(2 ** 27) - 1, 2 ** 31 - 1, -(2 ** 31)];
const longBounds = [...int32Bounds, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 34, -(2 ** 34), 2 ** 41, 2 ** 48, -(2 ** 48) - 1, 2 ** 52, MAX - 1, MAX, -MAX];

test('varint round trip: size, bytes and value, boundaries and random', () => {
  const check = (v: number) => {
    const buf = new Uint8Array(5);
    const end = writeVarint(buf, 0, v);
    assert.equal(end, varintSize(v));
    assert.deepEqual([...buf.subarray(0, end)], refVarlong(v));
    const r = new ByteReader(buf, 0, end);
    assert.equal(r.varint(), v);
    assert.equal(r.remaining, 0);
    assert.equal(r.error, null);
  };
  int32Bounds.forEach(check);
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), check), fcOpts(300));
});

test('varlong round trip over the safe-integer range', () => {
  const check = (v: number) => {
    const buf = new Uint8Array(10);
    const end = writeVarlong(buf, 0, v);
    assert.equal(end, varlongSize(v), `size of ${v}`);
    assert.deepEqual([...buf.subarray(0, end)], refVarlong(v), `bytes of ${v}`);
    const r = new ByteReader(buf, 0, end);
    assert.equal(r.varlong(), v);
    assert.equal(r.remaining, 0);
    assert.equal(r.error, null);
  };
  longBounds.forEach(check);
  for (let k = 0; k < 53; k++) [2 ** k - 1, 2 ** k, -(2 ** k), -(2 ** k) - 1].filter(Number.isSafeInteger).forEach(check);
  fc.assert(fc.property(fc.maxSafeInteger(), check), fcOpts(300));
});

test('unsigned varint round trip, 0..2^32-1', () => {
  const check = (v: number) => {
    const buf = new Uint8Array(5);
    const end = writeUnsignedVarint(buf, 0, v);
    assert.equal(end, unsignedVarintSize(v));
    const r = new ByteReader(buf, 0, end);
    assert.equal(r.unsignedVarint(), v);
    assert.equal(r.remaining, 0);
  };
  [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1].forEach(check);
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), check), fcOpts(300));
});

test('over-long and over-wide varints are rejected at their start', () => {
  const cases: [number[], 'varint' | 'varlong' | 'unsignedVarint', string][] = [
    [[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 'varint', 'varint_too_long'],
    [[0xff, 0xff, 0xff, 0xff, 0x10], 'unsignedVarint', 'varint_too_long'], // 33 bits
    [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80], 'unsignedVarint', 'varint_too_long'],
    [[...Array<number>(10).fill(0x80), 0x00], 'varlong', 'varint_too_long'],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 'unsignedVarint', 'ok'], // 2^32 - 1
    [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 'varlong', 'ok'], // 10 bytes, value 0
    [[0x80], 'varint', 'truncated'],
    [[], 'varint', 'truncated'],
    [[0xff, 0xff], 'varlong', 'truncated'],
    [[], 'varlong', 'truncated'],
  ];
  for (const [bytes, kind, code] of cases) {
    const r = new ByteReader(Uint8Array.from([9, ...bytes]), 1);
    r[kind]();
    if (code === 'ok') assert.equal(r.error, null);
    else assert.deepEqual({ code: r.error?.code, position: r.error?.position }, { code, position: 1 }, `${kind} ${bytes}`);
  }
});

test('varlong outside the safe-integer range: int64_out_of_range', () => {
  for (const big of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
    let u = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
    const bytes: number[] = [];
    while (u > 0x7fn) {
      bytes.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    bytes.push(Number(u));
    const r = reader(bytes);
    assert.equal(r.varlong(), 0);
    assert.equal(r.error?.code, 'int64_out_of_range', String(big));
  }
});

test('fixed widths read what Buffer writes', () => {
  fc.assert(
    fc.property(fc.integer({ min: -128, max: 127 }), fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.maxSafeInteger(), (a, b, c, d) => {
      const buf = new Uint8Array(8 + 4 + 2 + 1 + 8);
      let p = writeInt8(buf, 0, a);
      p = writeInt16(buf, p, b);
      p = writeInt32(buf, p, c);
      p = writeInt32(buf, p, c >>> 0);
      p = writeInt64(buf, p, d);
      assert.equal(p, 19);
      const nb = Buffer.from(buf.buffer);
      assert.equal(nb.readInt8(0), a);
      assert.equal(nb.readInt16BE(1), b);
      assert.equal(nb.readBigInt64BE(11), BigInt(d));
      const r = new ByteReader(buf, 0, p);
      assert.deepEqual([r.int8(), r.int16(), r.int32(), r.uint32(), r.int64()], [a, b, c, c >>> 0, d]);
      const r2 = new ByteReader(buf, 0, 3);
      assert.deepEqual([r2.uint8(), r2.uint16()], [a & 0xff, b & 0xffff]);
    }),
    fcOpts(300),
  );
});

test('int64 outside the safe-integer range is an error, its edges are not', () => {
  const read = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    const r = new ByteReader(b);
    return { value: r.int64(), code: r.error?.code };
  };
  assert.deepEqual(read(BigInt(MAX)), { value: MAX, code: undefined });
  assert.deepEqual(read(BigInt(-MAX)), { value: -MAX, code: undefined });
  assert.deepEqual(read(-1n), { value: -1, code: undefined });
  assert.deepEqual(read(BigInt(MAX) + 1n), { value: 0, code: 'int64_out_of_range' });
  assert.deepEqual(read(BigInt(-MAX) - 1n), { value: 0, code: 'int64_out_of_range' });
  assert.deepEqual(read(-(2n ** 63n)), { value: 0, code: 'int64_out_of_range' });
  assert.deepEqual(read(2n ** 63n - 1n), { value: 0, code: 'int64_out_of_range' });
});

test('bytes() is a bounded subarray without copy; the error is sticky', () => {
  const buf = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  const r = new ByteReader(buf, 1, 5);
  const b = r.bytes(2);
  assert.deepEqual([...b], [2, 3]);
  assert.equal(b.buffer, buf.buffer);
  assert.equal(r.pos, 3);
  assert.equal(r.remaining, 2);
  assert.equal(r.bytes(3).length, 0); // would pass `end`
  assert.deepEqual(r.error, { code: 'truncated', message: r.error?.message, position: 3 });
  assert.equal(r.int8(), 0);
  assert.equal(r.varint(), 0);
  assert.equal(r.pos, 3);
  assert.equal(r.error?.code, 'truncated');
  const neg = new ByteReader(buf);
  neg.bytes(-1);
  assert.equal(neg.error?.code, 'bad_length');
  const big = new ByteReader(buf);
  big.bytes(2 ** 31); // an untrusted length does not allocate
  assert.equal(big.error?.code, 'truncated');
  const caller = new ByteReader(buf);
  caller.fail('too_many_records', 'caller check');
  caller.fail('bad_crc', 'second one is ignored');
  assert.equal(caller.error?.code, 'too_many_records');
  assert.throws(() => new ByteReader(buf, 4, 7), RangeError);
});

test('random bytes and random read sequences never throw and leave typed errors', () => {
  const ops = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'varint', 'varlong', 'unsignedVarint'] as const;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.oneof(fc.constantFrom(...ops), fc.integer({ min: -2, max: 70 })), { maxLength: 30 }), (data, seq) => {
      const r = new ByteReader(data);
      for (const op of seq) {
        const before = r.pos;
        if (typeof op === 'number') r.bytes(op);
        else r[op]();
        assert.ok(r.pos >= before && r.pos <= data.length);
      }
      if (r.error !== null) assert.ok(r.error.code in codecErrorCodes);
    }),
    fcOpts(400),
  );
});

test('utf8 helpers agree with Buffer, lone surrogates included', () => {
  const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: anyUnit, maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 100 })), (s) => {
      const n = utf8Length(s);
      assert.equal(n, Buffer.byteLength(s, 'utf8'));
      const buf = new Uint8Array(n + 2);
      assert.equal(writeUtf8(buf, 1, s, n), n + 1);
      assert.deepEqual(Buffer.from(buf.subarray(1, n + 1)), Buffer.from(s, 'utf8'));
      assert.equal(readUtf8(buf, 1, n + 1), Buffer.from(s, 'utf8').toString('utf8'));
    }),
    fcOpts(400),
  );
});

test('strictUtf8 gives the text of valid UTF-8 and null for anything else, as a fatal TextDecoder', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const reference = (b: Uint8Array): string | null => {
    try {
      return fatal.decode(b);
    } catch {
      return null;
    }
  };
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }).map((b) => b.map((x) => x & 0x7f)), fc.string({ maxLength: 90 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))));
  fc.assert(
    fc.property(bytes, fc.nat(4), fc.nat(4), (b, before, after) => {
      // In the middle of a larger buffer, as a header value lies in its record.
      const buf = new Uint8Array(before + b.length + after).fill(0xff);
      buf.set(b, before);
      assert.equal(strictUtf8(buf, before, before + b.length), reference(b));
    }),
    fcOpts(400),
  );
});

test('asciiText reads ASCII ranges (short ones in JS, long ones natively) and refuses any other byte', () => {
  // Lengths on both sides of the native check's threshold (192) and of the 4 KiB limit, with at most
  // one byte >= 0x80 somewhere in the range.
  const ascii = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n, size: 'max' }).map((b) => b.map((x) => x & 0x7f)));
  fc.assert(
    fc.property(ascii, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff }))), fc.nat(4), (b, bad, before) => {
      const buf = new Uint8Array(before + b.length + 3).fill(0xff); // non-ASCII around the range
      buf.set(b, before);
      if (bad && b.length > 0) buf[before + (bad[0] % b.length)] = bad[1];
      const range = buf.subarray(before, before + b.length);
      const expected = b.length <= 4096 && range.every((x) => x < 0x80) ? Buffer.from(range).toString('latin1') : null;
      assert.equal(asciiText(buf, before, before + b.length), expected);
    }),
    fcOpts(300),
  );
});

test('recurringText reads as readUtf8 does, whatever its cache holds (repeats, collisions, non-ASCII, long text)', () => {
  // Which string object comes back is not observable in JS; what it reads is. Every key is read in
  // order and again in reverse, so cached, evicted and colliding slots all answer.
  const keys = fc.array(fc.oneof(fc.constantFrom('ce_id', 'ce_type', 'ce_time', 'content-type', 'ce_specversion'), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 })), { minLength: 1, maxLength: 60 });
  fc.assert(
    fc.property(keys, (ks) => {
      for (const k of [...ks, ...ks.reverse()]) {
        const bytes = Buffer.from(`#${k}#`, 'utf8');
        assert.equal(recurringText(bytes, 1, bytes.length - 1), readUtf8(bytes, 1, bytes.length - 1));
      }
    }),
    fcOpts(300),
  );
});

test('writers reject values outside their type', () => {
  const b = new Uint8Array(16);
  assert.throws(() => writeVarint(b, 0, 2 ** 31), RangeError);
  assert.throws(() => writeVarint(b, 0, 1.5), RangeError);
  assert.throws(() => writeUnsignedVarint(b, 0, -1), RangeError);
  assert.throws(() => writeVarlong(b, 0, 2 ** 53), RangeError);
  assert.throws(() => writeInt64(b, 0, Number.NaN), RangeError);
  assert.throws(() => varlongSize(Infinity), RangeError);
});
