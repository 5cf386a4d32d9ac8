// CPU per published event of the SDK's two binary publish frames, 500 events per frame, each a
// CloudEvent as the SDK makes it (UUIDv7 id, time, version, correlation id, traceparent, partition
// key; 10 record headers) with ~1 KiB of JSON data:
// - publisher: building a `cloudevents` frame (attributes as JSON, data after them) against a
//   `records` frame (each event as its record's fields: cloudEventFromJson, then RecordsFrameWriter);
// - broker: what it does with each before the append: decode the frame (JSON.parse and
//   cloudEventFromJson per event, or the byte checks of cloudEventFromRecordFields) and encode the
//   partition's record batch (header strings written, or the fields copied).
// The data's JSON.stringify, the same for both, is left out. Rounds alternate the two; the median of
// each is printed. Run: node --import tsx bench/publish-frames.ts [rounds=5]

import { performance } from 'node:perf_hooks';
import { childTraceparent, toStructured } from '../src/client/envelope.ts';
import { createUuidV7 } from '../src/client/uuidv7.ts';
import { cloudEventFromJson } from '../src/http/events.ts';
import { decodeBinaryClientMessage, encodePublishFrame, RecordsFrameWriter } from '../src/http/ws-protocol.ts';
import { encodeBatch } from '../src/log/codec/record-batch.ts';

const rounds = Number(process.argv[2] ?? 5);
const perFrame = 500;
const framesPerRound = 200;
const newId = createUuidV7();
const pad = 'x'.repeat(960);
const events = Array.from({ length: perFrame }, (_, n) => {
  const id = newId();
  const attributes = toStructured(
    { specversion: '1.0', id, source: 'order-service', type: 'OrderPlaced', time: new Date().toISOString(), datacontenttype: 'application/json', version: 2, correlationid: id, traceparent: childTraceparent(undefined), partitionkey: `k${n % 1024}`, data: undefined },
    false,
  );
  return { attributes, data: JSON.stringify({ n, key: `k${n % 1024}`, t: Date.now(), pad }) };
});
const head = '{"type":"publish","topic":"orders","ref":"1"';

function cloudeventsFrame(): Buffer {
  const attributes = events.map((e) => JSON.stringify(e.attributes));
  const data = events.map((e) => e.data);
  const dataBytes = data.map((d) => Buffer.byteLength(d));
  return encodePublishFrame(`${head},"cloudevents":[${attributes.join(',')}],"dataBytes":[${dataBytes.join(',')}]}`, data, dataBytes);
}

function recordsFrame(): Buffer {
  const w = new RecordsFrameWriter(1 << 20);
  events.forEach((e, i) => {
    const r = cloudEventFromJson(e.attributes, i, e.data);
    w.add(r, w.size(r));
  });
  return w.take(head);
}

function broker(frame: Buffer, timestampMs = Date.now()): Uint8Array {
  const d = decodeBinaryClientMessage(frame);
  if (!d.ok || d.value.type !== 'publish') throw new Error(`the frame does not decode: ${JSON.stringify(d)}`);
  return encodeBatch('records' in d.value ? d.value.records : d.value.events, { timestampMs });
}

const ceFrame = cloudeventsFrame();
const recFrame = recordsFrame();
if (Buffer.compare(Buffer.from(broker(ceFrame, 1)), Buffer.from(broker(recFrame, 1))) !== 0) throw new Error('the two frames do not store the same batch');

const cases: [string, () => unknown][] = [
  ['publisher: cloudevents frame', cloudeventsFrame],
  ['publisher: records frame', recordsFrame],
  ['broker: cloudevents frame -> batch', () => broker(ceFrame)],
  ['broker: records frame -> batch', () => broker(recFrame)],
];
const results = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of cases) {
    for (let i = 0; i < 20; i++) f(); // warm
    const t = performance.now();
    for (let i = 0; i < framesPerRound; i++) f();
    results.get(name)!.push(((performance.now() - t) * 1000) / (framesPerRound * perFrame));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of results) console.log(`${name.padEnd(36)} ${median(xs).toFixed(2)} µs/event (rounds: ${xs.map((x) => x.toFixed(2)).join(' ')})`);
console.log(JSON.stringify({ bench: 'publish-frames', eventsPerFrame: perFrame, ...Object.fromEntries([...results].map(([k, xs]) => [k, Number(median(xs).toFixed(2))])) }));
