// The binary publish frame decoder (decodeBinaryClientMessage) against arbitrary input: random bytes,
// frames whose header length or dataBytes lie, and well-formed frames. It never throws; a frame it
// accepts gives each event exactly its own slice of the data, and every error has a stable code.
// A `records` publish frame (RecordsFrameWriter) gives each event exactly its record's fields, also
// when its header outgrows the room kept for it; its lengths may lie without the decoder throwing.
// The binary `messages` frame (encodeMessagesFrame / decodeMessagesFrame, broker -> SDK): a frame
// gives back each message's ack id, attempt, partition and record as the log holds it; the decoder
// never throws, and refuses any frame cut short or with bytes added.
// Replay a failure with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCodes } from '../errors.ts';
import { describeSeed, seedFromEnv } from '../testing/random.ts';
import { decodeBinaryClientMessage, decodeMessagesFrame, encodeMessagesFrame, encodePublishFrame, RecordsFrameWriter, type Decoded } from './ws-protocol.ts';
import { decodeRecordRefs, encodeBatch, recordTextAt, type RecordInput } from '../log/codec/record-batch.ts';
import { cloudEventFromJson } from './events.ts';
import type { PulledMessage } from '../broker/subscriptions/subscription.ts';

const seed = seedFromEnv();
console.log(`# ws-protocol.test.ts ${describeSeed(seed)}`);

/** A frame, its header length replaced by `headerLength` when given (a frame that lies). */
function frame(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const f = encodePublishFrame(JSON.stringify(header), [data]);
  if (headerLength !== undefined) f.writeUInt32BE(headerLength, 0);
  return f;
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ce = (i: number) => ({ specversion: '1.0', id: `e${i}`, source: 's', type: 't' });

function checkDecoded(d: Decoded): void {
  if (!d.ok) {
    assert.ok(d.error.code in ErrorCodes, `unknown code ${d.error.code}`);
    assert.equal(typeof d.error.detail, 'string');
  }
}

test('decodeBinaryClientMessage never throws on arbitrary bytes or on frames that lie', () => {
  const lying = fc
    .record({
      events: fc.integer({ min: 0, max: 5 }),
      dataBytes: fc.array(fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constant('1'), fc.constant(1.5), fc.constant(null)), { maxLength: 6 }),
      data: fc.uint8Array({ maxLength: 60 }),
      headerLength: fc.option(fc.nat(200), { nil: undefined }),
      extra: fc.option(fc.constantFrom('events', 'id', 'data'), { nil: undefined }),
    })
    .map(({ events, dataBytes, data, headerLength, extra }) =>
      frame({ type: 'publish', ref: 'r', topic: 't', cloudevents: Array.from({ length: events }, (_, i) => ce(i)), dataBytes, ...(extra ? { [extra]: [] } : {}) }, data, headerLength),
    );
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), lying), (bytes) => {
      checkDecoded(decodeBinaryClientMessage(bytes));
    }),
    { seed, numRuns: 5_000 },
  );
});

test('a well-formed binary publish gives each event exactly its slice of the data', () => {
  fc.assert(
    fc.property(fc.array(fc.option(fc.uint8Array({ maxLength: 30 }), { nil: null }), { minLength: 1, maxLength: 8 }), (datas) => {
      const data = Buffer.concat(datas.flatMap((d) => (d === null ? [] : [d])));
      const d = decodeBinaryClientMessage(frame({ type: 'publish', ref: 'r', topic: 't', cloudevents: datas.map((_, i) => ce(i)), dataBytes: datas.map((x) => (x === null ? -1 : x.length)) }, data));
      assert.ok(d.ok && d.value.type === 'publish' && 'events' in d.value, JSON.stringify(d));
      const events = d.value.events;
      assert.equal(events.length, datas.length);
      events.forEach((e, i) => {
        const want = datas[i]!;
        if (want === null) assert.equal(e.value, null);
        else assert.deepEqual(Buffer.from(e.value as Uint8Array), Buffer.from(want));
        assert.equal(e.id, `e${i}`);
      });
    }),
    { seed, numRuns: 1_000 },
  );
});

const recordOf = (i: number, data: string): RecordInput => cloudEventFromJson({ specversion: '1.0', id: `r${i}`, source: 's', type: 't', partitionkey: `k${i}` }, i, data);

test('a records publish frame gives each event its record fields, in order, whatever the header\'s size', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 1200, size: 'max' }), fc.nat(9), (datas, ref) => {
      const w = new RecordsFrameWriter(1 << 20);
      const records = datas.map((d, i) => recordOf(i, d));
      const fields: string[] = [];
      for (const r of records) {
        const bytes = w.size(r);
        w.add(r, bytes);
        fields.push(hexOf(encodeBatch([r], { timestampMs: 1 })));
      }
      assert.equal(w.count, records.length);
      const d = decodeBinaryClientMessage(w.take(`{"type":"publish","topic":"t","ref":"${ref}"`));
      assert.ok(d.ok && d.value.type === 'publish' && 'records' in d.value, JSON.stringify(d));
      assert.equal(w.count, 0, 'take() starts the next frame');
      assert.deepEqual(d.value.records.map((e) => e.id), records.map((_, i) => `r${i}`));
      assert.deepEqual(d.value.records.map((e) => hexOf(encodeBatch([e], { timestampMs: 1 }))), fields);
    }),
    { seed, numRuns: 40 },
  );
  // A header longer than the room kept for it (1,100 length entries): the frame is copied once.
  const many = new RecordsFrameWriter(1 << 20);
  for (let i = 0; i < 1100; i++) {
    const r = recordOf(i, '{}');
    many.add(r, many.size(r));
  }
  const big = many.take('{"type":"publish","topic":"t","ref":"big"');
  assert.ok(big.readUInt32BE(0) > RecordsFrameWriter.headerRoom);
  const d = decodeBinaryClientMessage(big);
  assert.ok(d.ok && 'records' in d.value && d.value.records.length === 1100 && d.value.records[1099]!.id === 'r1099');
  assert.throws(() => {
    const w = new RecordsFrameWriter(64);
    const r = recordOf(0, 'x'.repeat(100));
    w.add(r, w.size(r));
  }, /above the 64 a frame holds/);
  assert.throws(() => {
    const w = new RecordsFrameWriter(1 << 20);
    const r = recordOf(0, 'x');
    w.add(r, w.size(r) + 1);
  }, /told \d+ bytes, the record's fields are \d+/);
});

test('records frames whose lengths lie, or that mix records with cloudevents or dataBytes, are refused without throwing', () => {
  const w = new RecordsFrameWriter(1 << 20);
  const r = recordOf(0, '{}');
  const n = w.size(r);
  w.add(r, n);
  const good = w.take('{"type":"publish","topic":"t","ref":"g"');
  const body = good.subarray(4 + good.readUInt32BE(0));
  const withHeader = (header: Record<string, unknown>) => encodePublishFrame(JSON.stringify({ type: 'publish', ref: 'x', topic: 't', ...header }), [body]);
  for (const header of [{ records: [n + 1] }, { records: [n - 1] }, { records: [0] }, { records: [n, 0] }, { records: ['1'] }, { records: 'n' }, { records: [] }, { records: [n], cloudevents: [] }, { records: [n], dataBytes: [n] }]) {
    const d = decodeBinaryClientMessage(withHeader(header));
    assert.ok(!d.ok, JSON.stringify(header));
    assert.equal(d.error.ref, 'x');
  }
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: -2, max: n + 2 }), fc.constant(null)), { maxLength: 4 }), (records) => checkDecoded(decodeBinaryClientMessage(withHeader({ records })))),
    { seed, numRuns: 2_000 },
  );
});

const bytesOrNull = fc.option(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ maxLength: 70 }).map((x) => new TextEncoder().encode(x))), { nil: null });
const pulled = fc
  .tuple(
    fc.array(fc.record({ key: bytesOrNull, value: bytesOrNull, headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: bytesOrNull }), { maxLength: 3 }) }), { minLength: 1, maxLength: 5 }),
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.nat(1023),
    fc.integer({ min: 1, max: 100 }),
    // A broker's subscription name, or (the encoder's general path) one that JSON must escape.
    fc.oneof(fc.constant('sub'), fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 })),
    fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: -3, max: -1 })), // a Kafka client may send -1: no timestamp
  )
  .map(([records, baseOffset, partition, attempt, name, timestampMs]): PulledMessage[] => {
    const refs = decodeRecordRefs(encodeBatch(records, { timestampMs, baseOffset }), 0, { decompressedBytesMax: 1 << 20 });
    assert.ok(refs.ok);
    return refs.value.map((record) => ({ ackId: `${name}:${partition}:${record.offset}:${attempt}`, deliveryAttempt: attempt, partition, offset: record.offset, record }));
  });

test('a binary messages frame gives back each message and its record as stored', () => {
  fc.assert(
    fc.property(pulled, (messages) => {
      const frame = encodeMessagesFrame('s1', messages);
      const header = frame.subarray(4, 4 + frame.readUInt32BE(0)).toString('utf8');
      const fields = messages.map((m) => [m.ackId, m.deliveryAttempt, m.partition, m.offset, m.record.timestampMs, m.record.recordBytes]);
      assert.equal(header, JSON.stringify({ type: 'messages', id: 's1', messages: fields }), 'the header is the JSON the protocol describes, byte for byte');
      const d = decodeMessagesFrame(frame);
      assert.ok(d.ok, d.ok ? '' : d.detail);
      assert.equal(d.id, 's1');
      assert.deepEqual(
        d.messages,
        messages.map((m) => ({ ackId: m.ackId, deliveryAttempt: m.deliveryAttempt, partition: m.partition, record: recordTextAt(m.record) })),
      );
    }),
    { seed, numRuns: 1_000 },
  );
});

test('decodeMessagesFrame never throws, and refuses frames cut short, grown, or with bytes changed in their lengths', () => {
  const damaged = fc.tuple(pulled, fc.nat(), fc.integer({ min: -3, max: 3 }), fc.nat(255)).map(([messages, at, grow, byte]) => {
    const f = encodeMessagesFrame('s', messages);
    if (grow < 0) return { frame: f.subarray(0, Math.max(0, f.length + grow)), valid: false };
    if (grow > 0) return { frame: Buffer.concat([f, Buffer.alloc(grow)]), valid: false };
    const g = Buffer.from(f);
    g[at % g.length] = byte;
    return { frame: g, valid: null }; // a changed byte may still decode (inside a value, say)
  });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }).map((frame) => ({ frame, valid: null })), damaged), ({ frame, valid }) => {
      const d = decodeMessagesFrame(frame);
      if (valid === false) assert.equal(d.ok, false);
      if (!d.ok) assert.match(d.detail, /^binary messages frame: /);
    }),
    { seed, numRuns: 3_000 },
  );
});
