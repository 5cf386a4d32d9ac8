// CPU per delivered event of the view written to WebSocket and SSE clients, on a 1 KiB JSON value
// with 8 CloudEvents headers, as the SDK stores it:
// - recordViewJson (the stored JSON value spliced in) against JSON.stringify(recordView(...))
//   (parsed, then serialised again), on a decoded record;
// - reading the record out of its batch and viewing it: decodeRecords (every header value a byte
//   view, then decoded) against decodeTextRecords (header values read as text in place);
// - on the consumer's side of a subscription stream, per message of a 64-message delivery: JSON.parse
//   of 64 JSON `message` frames against decodeMessagesFrame of one binary `messages` frame (records
//   only, then with each record viewed as the SDK views it).
// Run: node --import tsx bench/record-view.ts   (3 rounds of 100,000 each; µs per call)

import { recordView, recordViewJson } from '../src/http/events.ts';
import { decodeMessagesFrame, encodeMessagesFrame } from '../src/http/ws-protocol.ts';
import { leasedMessageFieldsJson } from '../src/http/events.ts';
import { decodeRecordRefs, decodeRecords, decodeTextRecords, encodeBatch } from '../src/log/codec/record-batch.ts';
import type { PulledMessage } from '../src/broker/subscriptions/subscription.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const record = {
  offset: 0,
  timestampMs: Date.now(),
  key: enc('k-17'),
  value: enc(JSON.stringify({ n: 12345, key: 'k-17', t: Date.now(), pad: 'x'.repeat(950) })),
  headers: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'content-type', 'ce_version', 'ce_correlationid'].map((k) => ({ key: k, value: enc(`${k}-value-0189a3b4`) })),
};
const batch = encodeBatch([record], { timestampMs: record.timestampMs });
const opts = { decompressedBytesMax: 1 << 20 };
const first = <T>(r: { ok: true; value: T[] } | { ok: false }): T => {
  if (!r.ok) throw new Error('the batch does not decode');
  return r.value[0]!;
};
const variants: [string, () => string][] = [
  ['JSON.stringify(recordView)', () => JSON.stringify(recordView(1, record))],
  ['recordViewJson', () => recordViewJson(1, record)],
  ['decodeRecords + view', () => recordViewJson(1, first(decodeRecords(batch, 0, opts)))],
  ['decodeTextRecords + view', () => recordViewJson(1, first(decodeTextRecords(batch, 0, opts)))],
];
for (let round = 1; round <= 3; round++) {
  for (const [name, f] of variants) {
    let sink = 0;
    for (let i = 0; i < 20_000; i++) sink += f().length; // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) sink += f().length;
    const us = Number(process.hrtime.bigint() - t0) / 100_000 / 1000;
    console.log(`round ${round} ${name.padEnd(28)} ${us.toFixed(2)} µs per event${sink === 0 ? ' ' : ''}`);
  }
}

// A delivery of 64 such records, each with its own id and key.
const records = Array.from({ length: 64 }, (_, i) => ({ ...record, key: enc(`k-${i}`), headers: record.headers.map((h) => ({ key: h.key, value: enc(`${h.key}-value-0189a3b4-${i}`) })) }));
const refs = decodeRecordRefs(encodeBatch(records, { timestampMs: record.timestampMs }), 0, opts);
if (!refs.ok) throw new Error('the batch does not decode');
const pulled = refs.value.map((r): PulledMessage => ({ ackId: `bench.BenchEvent:1:${r.offset}:1`, deliveryAttempt: 1, partition: 1, offset: r.offset, record: r }));
const jsonFrames = pulled.map((m) => Buffer.from(`{"type":"message","id":"s",${leasedMessageFieldsJson(m)}}`));
const binaryFrame = encodeMessagesFrame('s', pulled);
const decoded = () => {
  const f = decodeMessagesFrame(binaryFrame);
  if (!f.ok) throw new Error(f.detail);
  return f.messages;
};
const perMessage: [string, () => number][] = [
  ['JSON.parse of message frames', () => jsonFrames.reduce((n, j) => n + ((JSON.parse(String(j)) as { event: object }).event ? 1 : 0), 0)],
  ['decodeMessagesFrame', () => decoded().length],
  ['decodeMessagesFrame + view', () => decoded().reduce((n, m) => n + (recordView(m.partition, m.record).headers ? 1 : 0), 0)],
];
for (let round = 1; round <= 3; round++) {
  for (const [name, f] of perMessage) {
    let sink = 0;
    for (let i = 0; i < 300; i++) sink += f(); // warm-up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1_500; i++) sink += f();
    const us = Number(process.hrtime.bigint() - t0) / (1_500 * 64) / 1000;
    console.log(`round ${round} ${name.padEnd(32)} ${us.toFixed(2)} µs per message${sink === 0 ? ' ' : ''}`);
  }
}
