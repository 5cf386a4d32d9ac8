// murmur2 partitioning matches kafkajs's DefaultPartitioner (the Java client's algorithm) for random
// keys and partition counts, and known Java-client values.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import { seedFromEnv, describeSeed } from '../testing/random.ts';
import { murmur2, partitionForKey, StickyPartitioner } from './partitioner.ts';

const require = createRequire(import.meta.url);
const { Partitioners } = require('kafkajs') as {
  Partitioners: { DefaultPartitioner: () => (args: { topic: string; partitionMetadata: { partitionId: number; leader: number }[]; message: { key: Buffer } }) => number };
};

test('murmur2 equals the Java client for known keys', () => {
  // Values from Kafka's UtilsTest.testMurmur2 (org.apache.kafka.common.utils).
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, expected] of cases) assert.equal(murmur2(Buffer.from(key)), expected, key);
});

test('partitionForKey agrees with kafkajs DefaultPartitioner', () => {
  const seed = seedFromEnv();
  const partitioner = Partitioners.DefaultPartitioner();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.integer({ min: 1, max: 200 }), (bytes, n) => {
      const key = Buffer.from(bytes);
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }));
      assert.equal(partitionForKey(key, n), partitioner({ topic: 't', partitionMetadata, message: { key } }), describeSeed(seed));
    }),
    { seed, numRuns: 1000 },
  );
});

test('keyless events move round robin, one partition per call', () => {
  const s = new StickyPartitioner();
  assert.deepEqual([0, 1, 2, 3].map(() => s.nextPartition(3)), [0, 1, 2, 0]);
});
