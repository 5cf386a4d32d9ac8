// recordViewJson against recordView: for any record (keys and values of random bytes, invalid UTF-8,
// JSON texts compact and pretty-printed, empty values, nulls, headers) the text it writes parses to
// what JSON.stringify(recordView(...)) gave before (compared in canonical form: -0 and 0, or 1.0
// and 1, are the same JSON number), and it is always one line (SSE puts it in a `data:` field).
// recordTextAt, decodeTextRecords and decodeTextRecordAt (header values decoded to text as a record is
// read; all-ASCII headers from one string) give the same views as recordAt and decodeRecords.
// Replay a failure with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeRecordRefs, decodeRecords, decodeTextRecordAt, decodeTextRecords, encodeBatch, recordAt, recordBytesOf, recordTextAt, type DecodedRecord } from '../log/codec/record-batch.ts';
import { limits } from '../limits.ts';
import { describeSeed, seedFromEnv } from '../testing/random.ts';
import { recordView, recordViewJson } from './events.ts';

const seed = seedFromEnv();
console.log(`# events.test.ts ${describeSeed(seed)}`);

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }), // often invalid UTF-8 or not JSON
  fc.json().map(utf8), // compact JSON text
  fc.jsonValue().map((v) => utf8(JSON.stringify(v, null, 2) ?? 'null')), // line breaks in its whitespace
  fc.jsonValue().map((v) => utf8(` \t${JSON.stringify(v)}\r\n`)), // surrounding whitespace
  fc.string().map(utf8), // text that is not JSON
  fc.string({ minLength: 60, maxLength: 70 }).map(utf8), // ASCII around 64 bytes, where a length takes two varint bytes
  fc.constantFrom(utf8('-0'), utf8('1.0'), utf8('12345678901234567890'), utf8('{"a":1,"a":2}'), utf8('"\\u2028 \\n"'), new Uint8Array(0)),
);
const record: fc.Arbitrary<DecodedRecord> = fc.record({
  offset: fc.nat(),
  timestampMs: fc.integer({ min: -1, max: 2 ** 45 }),
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.option(bytes, { nil: null }) }), { maxLength: 3 }),
});

test('recordViewJson means what JSON.stringify(recordView) meant, in one line', () => {
  fc.assert(
    fc.property(fc.nat({ max: 1023 }), record, (partition, r) => {
      const text = recordViewJson(partition, r);
      assert.ok(!text.includes('\n') && !text.includes('\r'), 'one line');
      assert.equal(JSON.stringify(JSON.parse(text)), JSON.stringify(recordView(partition, r)));
    }),
    { seed, numRuns: 2000 },
  );
});

test('a JSON value is written as stored; anything else as base64 with its encoding', () => {
  const r = (value: string | Uint8Array | null, key: Uint8Array | null = null): DecodedRecord => ({
    offset: 7,
    timestampMs: 1000,
    key,
    value: typeof value === 'string' ? utf8(value) : value,
    headers: [{ key: 'h', value: utf8('v') }],
  });
  assert.equal(recordViewJson(2, r('{"n": 1.50}')), '{"partition":2,"offset":7,"timestamp":1000,"key":null,"value":{"n": 1.50},"headers":{"h":"v"}}');
  assert.equal(recordViewJson(2, r('not json', new Uint8Array([0xff]))), '{"partition":2,"offset":7,"timestamp":1000,"key":"/w==","value":"bm90IGpzb24=","headers":{"h":"v"},"keyEncoding":"base64","valueEncoding":"base64"}');
  assert.equal(recordViewJson(2, r('{\n"n": 1\n}')), '{"partition":2,"offset":7,"timestamp":1000,"key":null,"value":{"n":1},"headers":{"h":"v"}}');
  assert.equal(recordViewJson(2, r(null)), '{"partition":2,"offset":7,"timestamp":1000,"key":null,"value":null,"headers":{"h":"v"}}');
});

test('records decoded with their header values as text have the same views as records decoded to bytes', () => {
  fc.assert(
    fc.property(fc.nat({ max: 1023 }), fc.array(record, { minLength: 1, maxLength: 4 }), (partition, records) => {
      const batch = encodeBatch(records, { timestampMs: 1_000 });
      const opts = { decompressedBytesMax: limits.decompressedBytesMax };
      const [refs, texts, decoded] = [decodeRecordRefs(batch, 0, opts), decodeTextRecords(batch, 0, opts), decodeRecords(batch, 0, opts)];
      assert.ok(refs.ok && texts.ok && decoded.ok);
      refs.value.forEach((ref, i) => {
        const bytes = decoded.value[i]!;
        assert.deepEqual(recordAt(ref), bytes);
        const alone = decodeTextRecordAt(recordBytesOf(ref), 0, ref.recordBytes, ref.offset, ref.timestampMs);
        assert.ok(alone.ok);
        for (const text of [recordTextAt(ref), texts.value[i]!, alone.value]) {
          assert.deepEqual(recordView(partition, text), recordView(partition, bytes));
          assert.equal(recordViewJson(partition, text), recordViewJson(partition, bytes));
        }
      });
    }),
    { seed, numRuns: 500 },
  );
});
