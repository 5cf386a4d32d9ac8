// Record batch v2 codec: encode -> validate -> decode round trips (none and gzip), a golden batch
// captured from kafkajs 2.2.4, every strict prefix rejected, every bit flip under the CRC rejected,
// corrupted and random input never throwing, each error code reached on purpose, and the in-place
// rewrites keeping the CRC valid. Randomized parts replay with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { limits } from '../../limits.ts';
import { Compression } from './compression.ts';
import { crc32c } from './crc32c.ts';
import {
  BATCH_HEADER_BYTES,
  batchTotalBytes,
  decodeRecordRefs,
  decodeRecords,
  decodeTextRecords,
  encodeBatch,
  recordAt,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  RecordFieldsEncoder,
  validateBatch,
  type DecodedRecord,
  type EncodeBatchOptions,
  type RecordInput,
  type Result,
} from './record-batch.ts';
import { codecErrorCodes } from './result.ts';

const seed = process.env['EDDY_SEED'] === undefined ? (Math.random() * 2 ** 31) | 0 : Number(process.env['EDDY_SEED']);
const fcOpts = (numRuns: number) => ({ seed, numRuns });
console.log(`# record-batch.test.ts EDDY_SEED=${seed}`);

const enc = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex'));
const decodeOpts = { decompressedBytesMax: limits.decompressedBytesMax };

// ---- arbitraries ----

const bytesOrNull = (maxLength: number) => fc.option(fc.uint8Array({ maxLength }), { nil: null });
const timestampArb = fc.integer({ min: -(2 ** 41), max: 2 ** 42 });
// Header values as bytes, or as strings stored as their UTF-8 (short ASCII loop and native paths, lone surrogates included).
// ASCII keys and values around 63 characters: a record whose headers are all such is written as one
// string (one-byte lengths up to 63), else header by header.
const headerArb = fc.oneof(
  fc.record({ key: fc.string({ unit: 'binary', maxLength: 12 }), value: fc.oneof(bytesOrNull(24), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 80 })) }),
  fc.record({ key: fc.string({ unit: 'binary-ascii', maxLength: 66 }), value: fc.string({ unit: 'binary-ascii', minLength: 58, maxLength: 66 }) }),
  fc.record({ key: fc.string({ unit: 'binary-ascii', maxLength: 8 }), value: fc.string({ unit: 'binary-ascii', maxLength: 8 }) }),
);
const recordArb = (valueBytesMax: number): fc.Arbitrary<RecordInput> =>
  fc.record(
    {
      key: bytesOrNull(24),
      // Values as bytes, or as strings stored as their UTF-8 (short and long ASCII, non-ASCII, lone surrogates).
      value: fc.oneof(bytesOrNull(valueBytesMax), fc.string({ unit: 'binary', maxLength: valueBytesMax }), fc.string({ minLength: 65, maxLength: Math.max(65, valueBytesMax) })),
      headers: fc.array(headerArb, { maxLength: 3 }),
      timestampMs: timestampArb,
    },
    { requiredKeys: ['key', 'value'] },
  );
const optsArb: fc.Arbitrary<EncodeBatchOptions> = fc.record(
  {
    baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
    timestampMs: timestampArb,
    compression: fc.constantFrom(Compression.none, Compression.gzip),
    producerId: fc.integer({ min: -1, max: 2 ** 50 }),
    producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
    baseSequence: fc.integer({ min: -1, max: 0x7fff_ffff }),
  },
  { requiredKeys: ['timestampMs'] },
);
const batchArb = (recordsMax: number, valueBytesMax: number) =>
  fc.tuple(fc.array(recordArb(valueBytesMax), { minLength: 1, maxLength: recordsMax }), optsArb);

// ---- helpers ----

function expected(records: readonly RecordInput[], opts: EncodeBatchOptions) {
  const base = opts.baseOffset ?? 0;
  return records.map((r, i) => ({
    offset: base + i,
    timestampMs: r.timestampMs ?? opts.timestampMs,
    key: hex(r.key),
    value: hex(typeof r.value === 'string' ? Buffer.from(r.value) : r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: hex(typeof h.value === 'string' ? Buffer.from(h.value) : h.value) })),
  }));
}

function normalize(records: DecodedRecord[]) {
  return records.map((r) => ({ ...r, key: hex(r.key), value: hex(r.value), headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })) }));
}

function errCode<T>(r: Result<T>): string {
  return r.ok ? 'ok' : r.error.code;
}

function assertTyped<T>(r: Result<T>): void {
  if (!r.ok) {
    assert.ok(r.error.code in codecErrorCodes, `untyped code ${r.error.code}`);
    assert.equal(typeof r.error.message, 'string');
    assert.ok(Number.isInteger(r.error.position));
  }
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function fixCrc(b: Uint8Array, pos = 0): Uint8Array {
  const total = view(b).getInt32(pos + 8) + 12;
  view(b).setUint32(pos + 17, crc32c(b, pos + 21, pos + total));
  return b;
}

function oneRecordBatch(): Uint8Array {
  // Records section: len 9 | attr 0 | tsDelta 0 | offsetDelta 0 | key null | value 'abc' | 0 headers
  return Uint8Array.from(encodeBatch([{ key: null, value: enc('abc') }], { timestampMs: 1000 }));
}

// ---- round trips ----

test('records given as encoded fields (RecordFieldsEncoder) make the byte-identical batch', () => {
  const encoder = new RecordFieldsEncoder(); // one for every record: its bookkeeping is reused
  fc.assert(
    fc.property(batchArb(8, 120), fc.nat(3), ([records, opts], lead) => {
      // Every other record as fields, the rest as they are: both kinds mix in one batch.
      const mixed = records.map((r, i) => {
        if (i % 2 === 1) return r;
        const bytes = encoder.size(r);
        const buf = Buffer.alloc(lead + bytes + 2, 0xee);
        assert.equal(encoder.write(buf, lead, r), lead + bytes);
        assert.deepEqual([...buf.subarray(lead + bytes)], [0xee, 0xee]); // nothing written past its size
        return { key: r.key, fields: buf.subarray(lead, lead + bytes), ...(r.timestampMs !== undefined ? { timestampMs: r.timestampMs } : {}) };
      });
      assert.deepEqual(hex(encodeBatch(mixed, opts)), hex(encodeBatch(records, opts)));
    }),
    fcOpts(200),
  );
  const r = { key: null, value: 'v' };
  encoder.size(r);
  assert.throws(() => encoder.write(Buffer.alloc(16), 0, { key: null, value: 'w' }), /the record size\(\) was last called with/);
});

test('encode -> validate -> decode round trip (none and gzip, nulls, unicode header keys)', () => {
  fc.assert(
    fc.property(batchArb(8, 120), ([records, opts]) => {
      const batch = encodeBatch(records, opts);
      const v = validateBatch(batch, 0, { bytesMax: batch.length });
      assert.ok(v.ok, JSON.stringify(!v.ok && v.error));
      const h = v.value;
      const timestamps = records.map((r) => r.timestampMs ?? opts.timestampMs);
      assert.deepEqual(
        [h.baseOffset, h.batchLength, h.magic, h.compression, h.recordCount, h.lastOffsetDelta, h.baseTimestamp, h.maxTimestamp],
        [opts.baseOffset ?? 0, batch.length - 12, 2, opts.compression ?? 0, records.length, records.length - 1, timestamps[0], Math.max(...timestamps)],
      );
      assert.deepEqual([h.producerId, h.producerEpoch, h.baseSequence], [opts.producerId ?? -1, opts.producerEpoch ?? -1, opts.baseSequence ?? -1]);
      assert.equal(batchTotalBytes(h), batch.length);
      const d = decodeRecords(batch, 0, decodeOpts);
      assert.ok(d.ok, JSON.stringify(!d.ok && d.error));
      assert.deepEqual(normalize(d.value), expected(records, opts));
    }),
    fcOpts(300),
  );
});

test('golden batch captured from kafkajs 2.2.4 (uncompressed, negative timestamp delta, unicode header)', () => {
  const golden =
    '0000000000000000000000630000000002f172ef1a0000000000020000018bcfe568000000018bcfe56805ffffffffffffffff0000000000000000' +
    '00033a0000000c757365722d310e7b226e223a317d020c7472c3a263650461620c000a02010000180005040c757365722d320100';
  const t0 = 1_700_000_000_000;
  const records: RecordInput[] = [
    { key: enc('user-1'), value: enc('{"n":1}'), headers: [{ key: 'trâce', value: enc('ab') }], timestampMs: t0 },
    { key: null, value: new Uint8Array(0), timestampMs: t0 + 5 },
    { key: enc('user-2'), value: null, timestampMs: t0 - 3 },
  ];
  const ours = encodeBatch(records, { timestampMs: 0, producerEpoch: 0, baseSequence: 0 });
  assert.equal(hex(ours), golden);
  const d = decodeRecords(Buffer.from(golden, 'hex'), 0, decodeOpts);
  assert.ok(d.ok);
  assert.deepEqual(normalize(d.value), expected(records, { timestampMs: 0 }));
});

test('batches back to back in one buffer, at any position, with trailing bytes', () => {
  const a = encodeBatch([{ key: null, value: enc('a') }], { timestampMs: 1, baseOffset: 10 });
  const b = encodeBatch([{ key: null, value: enc('b') }, { key: null, value: enc('c') }], { timestampMs: 2, baseOffset: 11, compression: Compression.gzip });
  const log = Buffer.concat([Buffer.from([7, 7, 7]), a, b, Buffer.from([1, 2])]);
  const h1 = validateBatch(log, 3, { bytesMax: 1 << 20 });
  assert.ok(h1.ok);
  const p2 = 3 + batchTotalBytes(h1.value);
  const h2 = validateBatch(log, p2, { bytesMax: 1 << 20 });
  assert.ok(h2.ok);
  assert.equal(h2.value.baseOffset, 11);
  const d2 = decodeRecords(log, p2, decodeOpts);
  assert.ok(d2.ok);
  assert.deepEqual(d2.value.map((r) => [r.offset, new TextDecoder().decode(r.value!)]), [[11, 'b'], [12, 'c']]);
  assert.equal(errCode(validateBatch(log, p2 + batchTotalBytes(h2.value), { bytesMax: 1 << 20 })), 'truncated');
});

// ---- rejection properties ----

test('every strict prefix of a valid batch is rejected with a typed error', () => {
  fc.assert(
    fc.property(batchArb(4, 60), fc.nat(5), ([records, opts], lead) => {
      const batch = encodeBatch(records, opts);
      const buf = new Uint8Array(lead + batch.length);
      buf.set(batch, lead);
      for (let len = lead; len < buf.length; len++) {
        const cut = buf.subarray(0, len);
        assert.equal(errCode(validateBatch(cut, lead, { bytesMax: 1 << 20 })), 'truncated');
        const d = decodeRecords(cut, lead, decodeOpts);
        assert.equal(errCode(d), 'truncated');
        assertTyped(d);
      }
    }),
    fcOpts(60),
  );
});

test('every single bit flip in bytes 21..end is rejected; decoding the damage never throws', () => {
  fc.assert(
    fc.property(batchArb(3, 40), ([records, opts]) => {
      const batch = encodeBatch(records, opts);
      for (let i = 21; i < batch.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          batch[i]! ^= 1 << bit;
          const v = validateBatch(batch, 0, { bytesMax: 1 << 20 });
          assert.equal(errCode(v), 'bad_crc', `byte ${i} bit ${bit}`);
          assertTyped(decodeRecords(batch, 0, decodeOpts));
          batch[i]! ^= 1 << bit;
        }
      }
      assert.ok(validateBatch(batch, 0, { bytesMax: 1 << 20 }).ok);
    }),
    fcOpts(25),
  );
});

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, p) => {
      const pos = Math.min(p, data.length);
      assertTyped(readBatchHeader(data, pos));
      assertTyped(validateBatch(data, pos, { bytesMax: 1 << 20 }));
      assertTyped(decodeRecords(data, pos, decodeOpts));
      assertTyped(decodeTextRecords(data, pos, decodeOpts));
    }),
    fcOpts(500),
  );
});

test('random record payloads behind a sane header (plain and gzip) decode or fail typed', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 12 }), fc.boolean(), (payload, count, gzip) => {
      const body = gzip ? gzipSync(payload) : payload;
      const batch = new Uint8Array(BATCH_HEADER_BYTES + body.length);
      batch.set(encodeBatch([{ key: null, value: null }], { timestampMs: 5 }).subarray(0, BATCH_HEADER_BYTES));
      batch.set(body, BATCH_HEADER_BYTES);
      const dv = view(batch);
      dv.setInt32(8, batch.length - 12);
      dv.setInt16(21, gzip ? Compression.gzip : Compression.none);
      dv.setInt32(57, count);
      fixCrc(batch);
      assert.ok(validateBatch(batch, 0, { bytesMax: 1 << 20 }).ok);
      const d = decodeRecords(batch, 0, decodeOpts);
      assertTyped(d);
      if (d.ok) assert.equal(d.value.length, count);
      const text = decodeTextRecords(batch, 0, decodeOpts);
      assertTyped(text);
      assert.equal(text.ok, d.ok);
    }),
    fcOpts(500),
  );
});

test('random byte overwrites inside valid records never throw', () => {
  fc.assert(
    fc.property(batchArb(4, 60), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ([records, opts], edits) => {
      const batch = encodeBatch(records, { ...opts, compression: Compression.none });
      for (const [at, byte] of edits) batch[BATCH_HEADER_BYTES + (at % (batch.length - BATCH_HEADER_BYTES))] = byte;
      const d = decodeRecords(fixCrc(batch), 0, decodeOpts);
      assertTyped(d);
      const text = decodeTextRecords(batch, 0, decodeOpts);
      assertTyped(text);
      assert.equal(text.ok, d.ok); // the text decoding checks what the byte decoding checks
    }),
    fcOpts(400),
  );
});

// ---- each error code on purpose ----

test('header errors: truncated, bad_magic, bad_length, batch_too_large, record counts, int64 range', () => {
  const good = oneRecordBatch();
  const edit = (f: (dv: DataView, b: Uint8Array) => void) => {
    const b = Uint8Array.from(good);
    f(view(b), b);
    return fixCrc(b);
  };
  assert.equal(errCode(readBatchHeader(good.subarray(0, 60), 0)), 'truncated');
  assert.equal(errCode(readBatchHeader(good, -1)), 'truncated');
  const badMagic = Uint8Array.from(good);
  badMagic[16] = 1;
  assert.deepEqual(readBatchHeader(badMagic, 0), { ok: false, error: { code: 'bad_magic', message: 'batch magic is 1, expected 2', position: 16 } });
  const short = Uint8Array.from(good);
  view(short).setInt32(8, 48);
  assert.equal(errCode(readBatchHeader(short, 0)), 'bad_length');
  view(short).setInt32(8, -5);
  assert.equal(errCode(readBatchHeader(short, 0)), 'bad_length');
  const huge = Uint8Array.from(good);
  view(huge).setInt32(8, limits.batchBytesMax + 1);
  assert.equal(errCode(readBatchHeader(huge, 0)), 'batch_too_large');
  assert.equal(errCode(validateBatch(good, 0, { bytesMax: good.length - 1 })), 'batch_too_large');
  assert.ok(validateBatch(good, 0, { bytesMax: good.length }).ok);
  assert.equal(errCode(readBatchHeader(edit((dv) => dv.setInt32(57, -1)), 0)), 'bad_record_count');
  assert.equal(errCode(readBatchHeader(edit((dv) => dv.setInt32(57, limits.batchRecordsMax + 1)), 0)), 'too_many_records');
  assert.equal(errCode(readBatchHeader(edit((dv) => dv.setBigInt64(0, 2n ** 62n)), 0)), 'int64_out_of_range');
  assert.equal(errCode(readBatchHeader(edit((dv) => dv.setBigInt64(35, -(2n ** 60n))), 0)), 'int64_out_of_range');
  const badCrc = Uint8Array.from(good);
  badCrc[17]! ^= 1;
  const vc = validateBatch(badCrc, 0, { bytesMax: 1000 });
  assert.deepEqual(vc.ok ? null : [vc.error.code, vc.error.position], ['bad_crc', 17]);
  assert.equal(errCode(validateBatch(edit((dv) => dv.setInt32(23, -1)), 0, { bytesMax: 1000 })), 'bad_last_offset_delta');
});

test('codec errors: unknown id rejected by validate, unregistered codec valid but not decodable', () => {
  const good = oneRecordBatch();
  const withCodec = (id: number) => {
    const b = Uint8Array.from(good);
    view(b).setInt16(21, id);
    return fixCrc(b);
  };
  assert.equal(errCode(validateBatch(withCodec(5), 0, { bytesMax: 1000 })), 'unknown_compression');
  assert.equal(errCode(decodeRecords(withCodec(7), 0, decodeOpts)), 'unknown_compression');
  const zstd = withCodec(Compression.zstd);
  assert.ok(validateBatch(zstd, 0, { bytesMax: 1000 }).ok); // stored verbatim
  const d = decodeRecords(zstd, 0, decodeOpts);
  assert.deepEqual(d.ok ? null : [d.error.code, d.error.position], ['unsupported_compression', 61]);
});

test('gzip bomb batch: decompressed_too_large, fast', () => {
  const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024), { level: 9 });
  const batch = new Uint8Array(BATCH_HEADER_BYTES + bomb.length);
  batch.set(oneRecordBatch().subarray(0, BATCH_HEADER_BYTES));
  batch.set(bomb, BATCH_HEADER_BYTES);
  view(batch).setInt32(8, batch.length - 12);
  view(batch).setInt16(21, Compression.gzip);
  fixCrc(batch);
  assert.ok(batch.length < 8 * 1024);
  assert.ok(validateBatch(batch, 0, { bytesMax: 1 << 20 }).ok);
  const t0 = performance.now();
  const d = decodeRecords(batch, 0, { decompressedBytesMax: 1 << 20 });
  assert.equal(errCode(d), 'decompressed_too_large');
  assert.ok(performance.now() - t0 < 1000);
});

test('record errors: count mismatch both ways, overrun, bad lengths, headers', () => {
  const good = oneRecordBatch(); // record at 61: 12 00 00 00 01 06 'abc' 00
  assert.equal(hex(good.subarray(61)), '12000000010661626300');
  const edit = (at: number, bytes: number[], count?: number) => {
    const b = Uint8Array.from(good);
    b.set(bytes, at);
    if (count !== undefined) view(b).setInt32(57, count);
    return decodeRecords(fixCrc(b), 0, decodeOpts);
  };
  assert.equal(errCode(edit(61, [0x12], 2)), 'record_count_mismatch'); // fewer records than recordCount
  assert.equal(errCode(edit(61, [0x12], 0)), 'record_count_mismatch'); // bytes left over
  assert.equal(errCode(edit(61, [0x7e])), 'record_overrun'); // length 63, 9 bytes remain
  assert.equal(errCode(edit(61, [0x04])), 'bad_length'); // length 2
  assert.equal(errCode(edit(61, [0x01])), 'bad_length'); // length -1
  assert.equal(errCode(edit(65, [0x03])), 'bad_length'); // key length -2
  assert.equal(errCode(edit(66, [0x0a])), 'record_overrun'); // value length 5 > 4 left in the record
  assert.equal(errCode(edit(61, [0xff, 0xff, 0xff, 0xff, 0xff])), 'varint_too_long');
  assert.equal(errCode(edit(70, [0x7e])), 'too_many_headers'); // 63 headers in 0 bytes
  // Record length one more than its fields, the slack taken from a second record.
  const two = Uint8Array.from(encodeBatch([{ key: null, value: enc('a') }, { key: null, value: enc('b') }], { timestampMs: 0 }));
  two[61] = two[61]! + 2;
  assert.equal(errCode(decodeRecords(fixCrc(two), 0, decodeOpts)), 'record_length_mismatch');
  // A null header key.
  const withHeader = Uint8Array.from(encodeBatch([{ key: null, value: null, headers: [{ key: 'k', value: null }] }], { timestampMs: 0 }));
  // record: len | 00 | 00 | 00 | 01 | 01 | 02 (1 header) | 02 'k' | 01
  assert.equal(hex(withHeader.subarray(62)), '000000010102026b01');
  withHeader[68] = 0x01;
  assert.equal(errCode(decodeRecords(fixCrc(withHeader), 0, decodeOpts)), 'bad_header_key');
  // The same errors inside gzip records point at the records section.
  const gz = Uint8Array.from(encodeBatch([{ key: null, value: enc('abc') }], { timestampMs: 0, compression: Compression.gzip }));
  view(gz).setInt32(57, 2);
  const d = decodeRecords(fixCrc(gz), 0, decodeOpts);
  assert.deepEqual(d.ok ? null : [d.error.code, d.error.position], ['record_count_mismatch', 61]);
});

// ---- in-place rewrites and flags ----

test('setBaseOffset and setPartitionLeaderEpoch keep the CRC valid', () => {
  const b = Uint8Array.from(encodeBatch([{ key: null, value: enc('x') }, { key: null, value: enc('y') }], { timestampMs: 9 }));
  setBaseOffset(b, 0, 2 ** 40 + 3);
  setPartitionLeaderEpoch(b, 0, 17);
  const v = validateBatch(b, 0, { bytesMax: 1000 });
  assert.ok(v.ok);
  assert.deepEqual([v.value.baseOffset, v.value.partitionLeaderEpoch], [2 ** 40 + 3, 17]);
  const d = decodeRecords(b, 0, decodeOpts);
  assert.deepEqual(d.ok && d.value.map((r) => r.offset), [2 ** 40 + 3, 2 ** 40 + 4]);
  assert.throws(() => setBaseOffset(b, 0, -1), RangeError);
  assert.throws(() => setBaseOffset(b, 0, 2 ** 53), RangeError);
  assert.throws(() => setBaseOffset(b, b.length - 60, 1), RangeError);
  assert.throws(() => setPartitionLeaderEpoch(b, 0, 2 ** 31), RangeError);
});

test('LogAppendTime batches give every record maxTimestamp; control and transactional flags', () => {
  const b = Uint8Array.from(encodeBatch([{ key: null, value: enc('x'), timestampMs: 5 }, { key: null, value: enc('y'), timestampMs: 7 }], { timestampMs: 0 }));
  view(b).setInt16(21, 0x08);
  view(b).setBigInt64(35, 1234n);
  fixCrc(b);
  const h = validateBatch(b, 0, { bytesMax: 1000 });
  assert.ok(h.ok);
  assert.equal(h.value.timestampType, 1);
  const d = decodeRecords(b, 0, decodeOpts);
  assert.deepEqual(d.ok && d.value.map((r) => r.timestampMs), [1234, 1234]);

  const marker = encodeBatch([{ key: Uint8Array.from([0, 0, 0, 1]), value: Uint8Array.from([0, 0, 0, 0, 0, 0]) }], {
    timestampMs: 1,
    isControl: true,
    isTransactional: true,
    producerId: 42,
    producerEpoch: 3,
  });
  const m = validateBatch(marker, 0, { bytesMax: 1000 });
  assert.ok(m.ok);
  assert.deepEqual([m.value.isControl, m.value.isTransactional, m.value.attributes, m.value.producerId], [true, true, 0x30, 42]);
  assert.ok(decodeRecords(marker, 0, decodeOpts).ok);
});

test('encodeBatch rejects programmer errors', () => {
  const r = [{ key: null, value: null }];
  assert.throws(() => encodeBatch([], { timestampMs: 0 }), RangeError);
  assert.throws(() => encodeBatch(r, { timestampMs: 0, compression: 9 }), RangeError);
  assert.throws(() => encodeBatch(r, { timestampMs: 0, compression: Compression.lz4 }), RangeError);
  assert.throws(() => encodeBatch(r, { timestampMs: 0, producerEpoch: 40_000 }), RangeError);
  assert.throws(() => encodeBatch(r, { timestampMs: Number.NaN }), RangeError);
  assert.throws(() => encodeBatch(r, { timestampMs: 0, baseOffset: 2 ** 53 }), RangeError);
  assert.throws(() => encodeBatch([{ key: null, value: null, timestampMs: 2 ** 52 }, { key: null, value: null, timestampMs: -(2 ** 52) }], { timestampMs: 0 }), RangeError);
});

// ---- record refs (decoded at delivery) ----

/** decodeRecordRefs must accept exactly what decodeRecords accepts, with the same error, and recordAt give the same records. */
function assertRefsAgree(batch: Uint8Array, pos = 0): void {
  const eager = decodeRecords(batch, pos, decodeOpts);
  const refs = decodeRecordRefs(batch, pos, decodeOpts);
  assert.equal(refs.ok, eager.ok);
  if (!eager.ok || !refs.ok) {
    assert.deepEqual(!refs.ok && refs.error, !eager.ok && eager.error);
    return;
  }
  assert.deepEqual(normalize(refs.value.map(recordAt)), normalize(eager.value));
  assert.deepEqual(
    refs.value.map((r) => [r.offset, r.timestampMs, r.keyLatin1]),
    eager.value.map((r) => [r.offset, r.timestampMs, r.key === null ? null : Buffer.from(r.key).toString('latin1')]),
  );
  // The records tile the records section: each starts where the one before ends.
  for (let i = 1; i < refs.value.length; i++) assert.equal(refs.value[i]!.at, refs.value[i - 1]!.at + refs.value[i - 1]!.recordBytes);
}

test('record refs: same records as decodeRecords once decoded (none and gzip), and the same verdict on damaged records', () => {
  fc.assert(
    fc.property(batchArb(8, 120), ([records, opts]) => assertRefsAgree(encodeBatch(records, opts))),
    fcOpts(200),
  );
  fc.assert(
    fc.property(batchArb(4, 60), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ([records, opts], edits) => {
      const batch = encodeBatch(records, { ...opts, compression: Compression.none });
      for (const [at, byte] of edits) batch[BATCH_HEADER_BYTES + (at % (batch.length - BATCH_HEADER_BYTES))] = byte;
      assertRefsAgree(fixCrc(batch));
    }),
    fcOpts(400),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 12 }), (payload, count) => {
      const batch = new Uint8Array(BATCH_HEADER_BYTES + payload.length);
      batch.set(encodeBatch([{ key: null, value: null }], { timestampMs: 5 }).subarray(0, BATCH_HEADER_BYTES));
      batch.set(payload, BATCH_HEADER_BYTES);
      view(batch).setInt32(8, batch.length - 12);
      view(batch).setInt32(57, count);
      assertRefsAgree(fixCrc(batch));
    }),
    fcOpts(400),
  );
});
