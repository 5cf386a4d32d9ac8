// Produce with acks=0 has no response to carry an error: as Kafka does, a failed acks=0 produce
// closes the connection (so the client notices), and a successful one keeps it open.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { encodeBatch } from '../src/log/codec/record-batch.ts';
import { startBroker } from '../src/server.ts';
import { tempDir } from '../src/testing/tmp.ts';
import { writeProduce } from './support/kafka-data-requests.ts';
import { RawKafka } from './support/kafka-raw.ts';

test('acks=0: a good produce keeps the connection; a refused one closes it', { timeout: 30_000 }, async (t) => {
  const { dir, cleanup } = await tempDir();
  const b = await startBroker({ dataDir: dir, http: { port: 0 }, kafka: { port: 0 }, freeBytesFloor: 0 });
  t.after(async () => {
    await b.close();
    await cleanup();
  });
  await b.broker.createTopic('z', { partitions: 1 });
  const c = await RawKafka.connect(b.kafka!.port);
  const good = encodeBatch([{ key: null, value: Buffer.from('fine') }], { timestampMs: Date.now() });
  c.sendRaw(RawKafka.frame(0, 7, 1, false, (w) => writeProduce(w, { acks: 0, topic: 'z', partitions: [{ index: 0, records: good }] })));
  // acks=0 gets no answer: wait until the record is in the log, then check the connection still answers.
  assert.equal(await b.broker.partitionLog('z', 0).waitFor(0, 30_000), true);
  const r = await c.request(18, 2, () => {});
  assert.equal(r.int16(), 0);
  assert.equal(c.closed, false);
  const bad = Buffer.from(encodeBatch([{ key: null, value: Buffer.from('broken') }], { timestampMs: Date.now() }));
  bad[bad.length - 1]! ^= 0xff; // CRC mismatch
  const closed = once(c.socket, 'close');
  c.sendRaw(RawKafka.frame(0, 7, 2, false, (w) => writeProduce(w, { acks: 0, topic: 'z', partitions: [{ index: 0, records: bad }] })));
  await closed;
  assert.equal(b.broker.partitionLog('z', 0).highWatermark, 1, 'nothing of the refused batch was stored');
  const other = await RawKafka.connect(b.kafka!.port);
  assert.equal((await other.request(18, 2, () => {})).int16(), 0, 'the broker keeps serving');
  other.close();
});
