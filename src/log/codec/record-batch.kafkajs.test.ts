// Cross-check against kafkajs 2.2.4's own RecordBatch v0 encoder and decoder: for random records
// our uncompressed encodeBatch is byte-identical to kafkajs's; we validate and decode its gzip
// batches; kafkajs decodes ours (none and gzip) to the same records. Headers use unique keys with
// a letter first because kafkajs passes headers as an object (integer-like keys would reorder).

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { Compression } from './compression.ts';
import { decodeRecords, encodeBatch, validateBatch, type RecordInput } from './record-batch.ts';

const seed = process.env['EDDY_SEED'] === undefined ? (Math.random() * 2 ** 31) | 0 : Number(process.env['EDDY_SEED']);
const fcOpts = (numRuns: number) => ({ seed, numRuns });
console.log(`# record-batch.kafkajs.test.ts EDDY_SEED=${seed}`);

// ---- kafkajs internals, typed as much as this test uses ----

type KHeaders = Record<string, Buffer | Buffer[]>;
interface KRecordArgs {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: KHeaders;
}
interface KEncoder {
  buffer: Buffer;
}
interface KLong {
  fromValue(v: number): unknown;
}
interface KDecodedBatch {
  firstOffset: string;
  records: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: KHeaders }[];
}

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KEncoder>;
};
const KRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: KRecordArgs) => KEncoder;
const KDecoder = require('kafkajs/src/protocol/decoder.js') as new (buf: Buffer) => unknown;
const decodeKBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<KDecodedBatch>;
const Long = require('kafkajs/src/utils/long.js') as KLong;

// ---- the same batch in both shapes ----

interface Msg {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; values: Uint8Array[] }[];
  timestampMs: number;
}

const msgArb: fc.Arbitrary<Msg> = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 24 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 150 }), { nil: null }),
  headers: fc.uniqueArray(
    fc.record({
      key: fc.string({ unit: 'binary', maxLength: 8 }).map((s) => `h${s}`),
      values: fc.array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 2 }),
    }),
    { selector: (h) => h.key, maxLength: 3 },
  ),
  timestampMs: fc.integer({ min: 0, max: 2 ** 42 }),
});
const batchOptsArb = fc.record({
  baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
  producerId: fc.integer({ min: -1, max: 2 ** 50 }),
  producerEpoch: fc.integer({ min: -1, max: 0x7fff }),
  baseSequence: fc.integer({ min: -1, max: 0x7fff_ffff }),
});
type BatchOpts = { baseOffset: number; producerId: number; producerEpoch: number; baseSequence: number };

const buf = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b));

function ours(msgs: Msg[], o: BatchOpts, compression: number): Uint8Array {
  const records: RecordInput[] = msgs.map((m) => ({
    key: m.key,
    value: m.value,
    timestampMs: m.timestampMs,
    headers: m.headers.flatMap((h) => h.values.map((value) => ({ key: h.key, value }))),
  }));
  return encodeBatch(records, { ...o, timestampMs: 0, compression });
}

async function theirs(msgs: Msg[], o: BatchOpts, compression: number): Promise<Buffer> {
  const first = msgs[0]!.timestampMs;
  const records = msgs.map((m, i) =>
    KRecord({
      offsetDelta: i,
      timestampDelta: m.timestampMs - first,
      key: buf(m.key),
      value: buf(m.value),
      headers: Object.fromEntries(m.headers.map((h) => [h.key, h.values.length === 1 ? Buffer.from(h.values[0]!) : h.values.map((v) => Buffer.from(v))])),
    }),
  );
  const batch = await RecordBatch({
    compression,
    records,
    firstOffset: Long.fromValue(o.baseOffset),
    firstTimestamp: first,
    maxTimestamp: Math.max(...msgs.map((m) => m.timestampMs)),
    lastOffsetDelta: msgs.length - 1,
    producerId: Long.fromValue(o.producerId),
    producerEpoch: o.producerEpoch,
    firstSequence: o.baseSequence,
  });
  return batch.buffer;
}

/** Our expectation in kafkajs's decoded shape. */
function kShape(msgs: Msg[], o: BatchOpts) {
  return msgs.map((m, i) => ({
    offset: String(o.baseOffset + i),
    timestamp: String(m.timestampMs),
    key: buf(m.key),
    value: buf(m.value),
    headers: Object.fromEntries(m.headers.map((h) => [h.key, h.values.length === 1 ? Buffer.from(h.values[0]!) : h.values.map((v) => Buffer.from(v))])),
  }));
}

const batchesArb = fc.tuple(fc.array(msgArb, { minLength: 1, maxLength: 8 }), batchOptsArb);

test('uncompressed: encodeBatch is byte-identical to kafkajs RecordBatch', async () => {
  await fc.assert(
    fc.asyncProperty(batchesArb, async ([msgs, o]) => {
      const a = Buffer.from(ours(msgs, o, Compression.none));
      const b = await theirs(msgs, o, Compression.none);
      assert.equal(a.toString('hex'), b.toString('hex'));
    }),
    fcOpts(300),
  );
});

test('kafkajs gzip batches validate and decode', async () => {
  await fc.assert(
    fc.asyncProperty(batchesArb, async ([msgs, o]) => {
      const b = await theirs(msgs, o, Compression.gzip);
      const v = validateBatch(b, 0, { bytesMax: b.length });
      assert.ok(v.ok, JSON.stringify(!v.ok && v.error));
      assert.equal(v.value.compression, Compression.gzip);
      const d = decodeRecords(b, 0, { decompressedBytesMax: 1 << 20 });
      assert.ok(d.ok, JSON.stringify(!d.ok && d.error));
      const got = d.value.map((r) => ({
        offset: r.offset,
        timestampMs: r.timestampMs,
        key: buf(r.key),
        value: buf(r.value),
        headers: r.headers.map((h) => ({ key: h.key, value: buf(h.value) })),
      }));
      const want = msgs.map((m, i) => ({
        offset: o.baseOffset + i,
        timestampMs: m.timestampMs,
        key: buf(m.key),
        value: buf(m.value),
        headers: m.headers.flatMap((h) => h.values.map((v) => ({ key: h.key, value: Buffer.from(v) }))),
      }));
      assert.deepEqual(got, want);
    }),
    fcOpts(200),
  );
});

test('kafkajs decodes our batches (none and gzip) to the same records', async () => {
  await fc.assert(
    fc.asyncProperty(batchesArb, fc.constantFrom(Compression.none, Compression.gzip), async ([msgs, o], compression) => {
      const decoded = await decodeKBatch(new KDecoder(Buffer.from(ours(msgs, o, compression))));
      assert.equal(decoded.firstOffset, String(o.baseOffset));
      const got = decoded.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers }));
      assert.deepEqual(got, kShape(msgs, o));
    }),
    fcOpts(200),
  );
});
