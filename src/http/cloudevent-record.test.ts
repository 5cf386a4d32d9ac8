// A CloudEvent sent as record fields (cloudEventFromRecordFields): what the SDK encodes from a
// structured CloudEvent is accepted and stores the very batch the broker builds from that
// CloudEvent; each rule is refused on purpose with `event.invalid`; damaged and random bytes never
// throw anything else. Replay a failure with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { encodeBatch, RecordFieldsEncoder, type RecordInput } from '../log/codec/record-batch.ts';
import { describeSeed, seedFromEnv } from '../testing/random.ts';
import { cloudEventFromRecordFields } from './cloudevent-record.ts';
import { cloudEventFromJson } from './events.ts';

const seed = seedFromEnv();
console.log(`# cloudevent-record.test.ts ${describeSeed(seed)}`);

const encoder = new RecordFieldsEncoder();
function fieldsOf(r: RecordInput): Buffer {
  const buf = Buffer.alloc(encoder.size(r));
  encoder.write(buf, 0, r);
  return buf;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Attribute values: ASCII (the one-string path), any text, and lengths on both sides of 63.
const text = fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }));
const structured = fc.record(
  {
    specversion: fc.constant('1.0'),
    id: fc.string({ minLength: 1, maxLength: limits.eventIdLengthMax }),
    source: text,
    type: text,
    time: fc.constant('2026-12-07T10:00:00.000Z'),
    subject: text,
    partitionkey: text,
    datacontenttype: fc.constantFrom('application/json', 'text/plain'),
    version: fc.integer({ min: 1, max: 9 }),
    ext1: fc.oneof(text, fc.boolean(), fc.integer()),
  },
  { requiredKeys: ['specversion', 'id', 'source', 'type'] },
);

test('a structured CloudEvent encoded as record fields is accepted, keeps its id and key, and stores the same batch', () => {
  fc.assert(
    fc.property(structured, fc.option(fc.string({ maxLength: 300 }), { nil: undefined }), (ce, data) => {
      const record = cloudEventFromJson(ce, 0, data);
      const event = cloudEventFromRecordFields(fieldsOf(record), 0);
      assert.equal(event.id, ce.id);
      assert.deepEqual(event.key === null ? null : hex(event.key), record.key === null ? null : hex(record.key));
      assert.equal(hex(encodeBatch([event], { timestampMs: 1 })), hex(encodeBatch([record], { timestampMs: 1 })));
    }),
    { seed, numRuns: 500 },
  );
});

const base = (): { key: string; value: string | Uint8Array | null }[] => [
  { key: 'ce_specversion', value: '1.0' },
  { key: 'ce_id', value: 'e1' },
  { key: 'ce_source', value: 's' },
  { key: 'ce_type', value: 't' },
  { key: 'content-type', value: 'application/json' },
];
const fields = (headers: { key: string; value: string | Uint8Array | null }[], key: Uint8Array | null = null) => fieldsOf({ key, value: '{}', headers });
function refused(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => cloudEventFromRecordFields(bytes, 3),
    (e: unknown) => e instanceof EddyError && e.code === 'event.invalid' && /^events\[3\]: /.test(e.message) && message.test(e.message),
    String(message),
  );
}

test('each rule is refused with event.invalid, naming the event', () => {
  assert.equal(cloudEventFromRecordFields(fields(base()), 0).id, 'e1', 'the base event is valid');
  const without = (name: string) => base().filter((h) => h.key !== name);
  const with_ = (name: string, value: string | Uint8Array | null) => base().map((h) => (h.key === name ? { key: name, value } : h));
  refused(fields(without('ce_id')), /"id" is required/);
  refused(fields(with_('ce_id', '')), /"id" is required/);
  refused(fields(with_('ce_id', 'x'.repeat(limits.eventIdLengthMax + 1))), /id is longer than/);
  refused(fields(without('ce_specversion')), /ce_specversion must be "1.0"/);
  refused(fields(with_('ce_specversion', '0.3')), /ce_specversion must be "1.0"/);
  refused(fields(without('ce_source')), /"source" is required/);
  refused(fields(with_('ce_type', '')), /"type" is required/);
  refused(fields([...base(), { key: 'x-trace', value: 'a' }]), /ce_<attribute> or content-type/);
  refused(fields([...base(), { key: 'ce_', value: 'a' }]), /ce_<attribute> or content-type/);
  refused(fields([...base(), { key: 'ce_Upper', value: 'a' }]), /lowercase letters and digits/);
  refused(fields([...base(), { key: `ce_${'a'.repeat(65)}`, value: 'a' }]), /ce_<attribute> or content-type/);
  refused(fields([...base(), { key: 'ce_extra', value: null }]), /has no value/);
  refused(fields([...base(), { key: 'ce_extra', value: Uint8Array.of(0xc3, 0x28) }]), /not UTF-8 text/);
  refused(fields([...base(), { key: 'ce_eddydelayms', value: '100' }]), /delayed event travels as a CloudEvent/);
  refused(fields([...base(), { key: 'ce_eddydeliverat', value: '100' }]), /delayed event travels as a CloudEvent/);
  refused(fields([...base(), { key: 'ce_extra', value: 'x'.repeat(limits.headerBytesMax + 1) }]), /longer than/);
  refused(fields(base(), new Uint8Array(limits.keyBytesMax + 1)), /key is longer than/);
  const ok = fields(base());
  refused(Buffer.concat([ok, Buffer.of(0)]), /bytes follow the last header/);
  refused(ok.subarray(0, ok.length - 1), /declares \d+ bytes|header/);
  refused(Buffer.of(), /key at byte 0/);
  refused(Buffer.of(1, 1, 0x7f), /header count/); // null key, null value, a count of -64
  // The last of two ids counts, as every reader of the record takes the last.
  assert.equal(cloudEventFromRecordFields(fields([...base(), { key: 'ce_id', value: 'e2' }]), 0).id, 'e2');
  // Non-ASCII attributes are fine when they are UTF-8.
  assert.equal(cloudEventFromRecordFields(fields(with_('ce_id', 'ça-va-😀')), 0).id, 'ça-va-😀');
});

test('random and damaged record fields never throw anything but event.invalid', () => {
  const valid = fc.tuple(structured, fc.option(fc.string({ maxLength: 100 }), { nil: undefined })).map(([ce, data]) => fieldsOf(cloudEventFromJson(ce, 0, data)));
  const damaged = fc.tuple(valid, fc.nat(), fc.nat(255), fc.integer({ min: -3, max: 3 })).map(([f, at, byte, cut]) => {
    const g = Buffer.from(f);
    g[at % g.length] = byte;
    return cut < 0 ? g.subarray(0, Math.max(0, g.length + cut)) : Buffer.concat([g, Buffer.alloc(cut)]);
  });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), damaged), (bytes) => {
      try {
        const e = cloudEventFromRecordFields(bytes, 0);
        assert.ok(typeof e.id === 'string' && e.id.length > 0);
      } catch (err) {
        assert.ok(err instanceof EddyError && err.code === 'event.invalid', String(err));
      }
    }),
    { seed, numRuns: 5_000 },
  );
});
