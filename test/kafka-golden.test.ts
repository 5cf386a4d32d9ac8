// Golden bytes: a Produce v7 request body as kafkajs 2.2.4 encodes it, and the Fetch v11 response
// body Eddy sends for that batch, kept in test/fixtures/kafka/. Our Produce decoder reads kafkajs's
// bytes and re-encodes them byte for byte; our Fetch encoder reproduces the stored response byte for
// byte and kafkajs's own v11 decoder parses it. EDDY_UPDATE_FIXTURES=1 rewrites the fixtures.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as eddyProduceV7 from '../src/kafka/apis/produce/v7.ts';
import { KafkaReader } from '../src/kafka/protocol/reader.ts';
import { KafkaWriter } from '../src/kafka/protocol/writer.ts';
import { startBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { fetchRaw, produceRaw, writeProduce } from './support/kafka-data-requests.ts';
import { RawKafka } from './support/kafka-raw.ts';

const require = createRequire(import.meta.url);
type Encoded = { encode(): Promise<{ buffer: Buffer }> };
const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request') as (o: unknown) => Encoded;
const fetchV11 = require('kafkajs/src/protocol/requests/fetch/v11/response') as {
  decode(b: Buffer): Promise<{ responses: { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; messages: { offset: string; key: Buffer | null; value: Buffer; headers: Record<string, Buffer> }[] }[] }[] }>;
};

const dir = new URL('./fixtures/kafka/', import.meta.url);
const update = process.env.EDDY_UPDATE_FIXTURES === '1';

function golden(name: string, bytes: Buffer): Buffer {
  const path = new URL(name, dir);
  if (update || !existsSync(path)) writeFileSync(path, bytes);
  return readFileSync(path);
}

async function kafkajsProduceBody(): Promise<Buffer> {
  const req = produceV7({
    acks: -1,
    timeout: 30000,
    compression: 0,
    topicData: [
      {
        topic: 'golden',
        partitions: [
          {
            partition: 0,
            firstSequence: 0,
            messages: [
              { key: 'k-1', value: 'first', timestamp: 1700000000000, headers: { source: 'kafkajs' } },
              { key: null, value: 'second', timestamp: 1700000000001 },
            ],
          },
        ],
      },
    ],
  });
  return (await req.encode()).buffer;
}

test('a kafkajs Produce v7 request decodes and re-encodes byte for byte', async () => {
  const live = await kafkajsProduceBody();
  const fixture = golden('produce-v7-request.bin', live);
  assert.ok(live.equals(fixture), 'kafkajs still encodes the same bytes');
  const r = new KafkaReader(fixture);
  const req = eddyProduceV7.decodeRequest(r);
  r.end();
  assert.ok(r.ok, r.error?.message);
  assert.equal(req.acks, -1);
  assert.equal(req.timeoutMs, 30000);
  assert.equal(req.topics[0]!.name, 'golden');
  assert.equal(req.topics[0]!.partitions[0]!.records!.length > 61, true);
  const w = new KafkaWriter(false);
  writeProduce(w, { acks: req.acks, topic: 'golden', partitions: req.topics[0]!.partitions });
  // writeProduce always sends timeout 30000, as the fixture does.
  assert.ok(Buffer.from(w.finish()).equals(fixture));
});

test('the Fetch v11 response for that batch is stable bytes that kafkajs decodes', async (t) => {
  const { dir: data, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: data, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  const c = await RawKafka.connect(b.kafka!.port);
  t.after(async () => {
    c.close();
    await b.close();
    await cleanup();
  });
  const r = new KafkaReader(golden('produce-v7-request.bin', await kafkajsProduceBody()));
  const req = eddyProduceV7.decodeRequest(r);
  const [p] = await produceRaw(c, { topic: 'golden', partitions: [{ index: 0, records: Buffer.from(req.topics[0]!.partitions[0]!.records!) }] });
  assert.equal(p!.error, 0);
  await fetchRaw(c, { topics: [{ name: 'golden', partitions: [{ partition: 0, offset: 0 }] }] });
  const body = c.frames[c.frames.length - 1]!.subarray(4); // after the correlation id
  const fixture = golden('fetch-v11-response.bin', Buffer.from(body));
  assert.ok(body.equals(fixture), 'Eddy encodes the same Fetch v11 response');
  const parsed = await fetchV11.decode(fixture);
  const part = parsed.responses[0]!.partitions[0]!;
  assert.equal(parsed.responses[0]!.topicName, 'golden');
  assert.equal(part.errorCode, 0);
  assert.equal(part.highWatermark, '2');
  assert.deepEqual(
    part.messages.map((m) => [m.offset, m.key?.toString() ?? null, m.value.toString()]),
    [
      ['0', 'k-1', 'first'],
      ['1', null, 'second'],
    ],
  );
  assert.equal(part.messages[0]!.headers.source!.toString(), 'kafkajs');
});
