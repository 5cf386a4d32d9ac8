// The group API decoders as codecs, without sockets: every request body the raw test client writes
// (each API at its low, librdkafka, kafkajs and flexible versions) decodes exactly; every strict
// prefix and a trailing byte are rejected; random bytes never throw. Replay with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnyKafkaApi } from '../src/kafka/api.ts';
import { groupApis } from '../src/kafka/apis/group-apis.ts';
import { KafkaReader } from '../src/kafka/protocol/reader.ts';
import { KafkaWriter } from '../src/kafka/protocol/writer.ts';
import { Random } from '../src/testing/random.ts';
import {
  assignment,
  flexibleFrom,
  heartbeat,
  joinGroup,
  leaveGroup,
  offsetCommit,
  offsetFetch,
  offsetFetchGroups,
  subscription,
  syncGroup,
  type Requester,
} from './support/kafka-raw-groups.ts';

const seed = process.env['EDDY_SEED'] === undefined ? (Math.random() * 2 ** 31) | 0 : Number(process.env['EDDY_SEED']);
console.log(`# kafka-groups-codec.test.ts EDDY_SEED=${seed}`);

interface Body {
  apiKey: number;
  version: number;
  flexible: boolean;
  bytes: Uint8Array;
}

async function bodies(): Promise<Body[]> {
  const out: Body[] = [];
  const stub: Requester = {
    request(apiKey, version, body, options = {}) {
      const flexible = options.flexible ?? version >= (flexibleFrom[apiKey] ?? Infinity);
      const w = new KafkaWriter(flexible);
      body(w);
      out.push({ apiKey, version, flexible, bytes: new Uint8Array(w.finish()) });
      return Promise.reject(new Error('captured'));
    },
  };
  const capture = async (p: Promise<unknown>) => assert.rejects(p, /captured/);
  const protocols = [
    { name: 'range', metadata: subscription(['t', 'u']) },
    { name: 'roundrobin', metadata: subscription(['t']) },
  ];
  const a = assignment([{ topic: 't', partitions: [0, 2] }]);
  for (const v of [0, 1, 4, 5, 6, 7]) await capture(joinGroup(stub, v, { groupId: 'g', memberId: 'm-1', groupInstanceId: 'i', protocols }));
  for (const v of [0, 3, 4, 5]) {
    await capture(syncGroup(stub, v, { groupId: 'g', generationId: 3, memberId: 'm', protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: 'm', assignment: a }] }));
  }
  for (const v of [0, 3, 4]) await capture(heartbeat(stub, v, { groupId: 'g', generationId: 3, memberId: 'm', groupInstanceId: 'i' }));
  for (const v of [0, 1, 3, 4, 5]) await capture(leaveGroup(stub, v, { groupId: 'g', members: [{ memberId: 'm' }, { memberId: '', groupInstanceId: 'i' }] }));
  const topics = [{ name: 't', partitions: [{ partition: 0, offset: 5, metadata: 'x' }, { partition: 1, offset: 6, metadata: null }] }];
  for (const v of [2, 5, 6, 7, 8]) await capture(offsetCommit(stub, v, { groupId: 'g', generationId: 2, memberId: 'm', topics }));
  for (const v of [1, 2, 5, 6, 7]) await capture(offsetFetch(stub, v, { groupId: 'g', topics: [{ name: 't', partitions: [0, 1] }], requireStable: true }));
  for (const v of [2, 6, 7]) await capture(offsetFetch(stub, v, { groupId: 'g', topics: null }));
  await capture(offsetFetchGroups(stub, [{ groupId: 'g', topics: null }, { groupId: 'h', topics: [{ name: 't', partitions: [3] }] }]));
  const plain = (apiKey: number, version: number, write: (w: KafkaWriter) => void) => {
    const flexible = version >= flexibleFrom[apiKey]!;
    const w = new KafkaWriter(flexible);
    write(w);
    w.tags();
    out.push({ apiKey, version, flexible, bytes: new Uint8Array(w.finish()) });
  };
  for (const v of [0, 1, 2, 3]) plain(10, v, (w) => (v === 0 ? w.string('g') : w.string('g').int8(0)));
  plain(10, 4, (w) => w.int8(0).array(['g', 'h'], (k) => w.string(k)));
  for (const v of [0, 3, 5]) plain(15, v, (w) => (w.array(['g', 'h'], (g) => w.string(g)), v >= 3 && w.bool(false)));
  plain(16, 4, (w) => w.array(['Stable'], (s) => w.string(s)));
  for (const v of [0, 2]) plain(42, v, (w) => w.array(['g'], (g) => w.string(g)));
  return out;
}

function decode(api: AnyKafkaApi, bytes: Uint8Array, version: number, flexible: boolean): KafkaReader {
  const r = new KafkaReader(bytes, { flexible });
  const codec = api.version(version);
  assert.ok(codec, `${api.name} v${version} is served`);
  codec.decodeRequest(r);
  r.end();
  return r;
}

test('group request bodies decode exactly; prefixes and trailing bytes are rejected; random bytes never throw', async () => {
  const apis = new Map(groupApis.map((a) => [a.key, a]));
  const all = await bodies();
  assert.ok(all.length > 40);
  const random = new Random(seed);
  for (const { apiKey, version, flexible, bytes } of all) {
    const api = apis.get(apiKey)!;
    const where = `${api.name} v${version}`;
    assert.ok(version >= api.minVersion && version <= api.maxVersion, `${where} is advertised`);
    const whole = decode(api, bytes, version, flexible);
    assert.ok(whole.ok, `${where}: ${whole.error?.message}`);
    for (let n = 0; n < bytes.length; n++) assert.equal(decode(api, bytes.subarray(0, n), version, flexible).ok, false, `${where} prefix of ${n}`);
    const longer = new Uint8Array([...bytes, 0x7f]);
    assert.equal(decode(api, longer, version, flexible).ok, false, `${where} with a trailing byte`);
    for (let i = 0; i < 200; i++) {
      const noise = Uint8Array.from({ length: random.int(0, 64) }, () => random.int(0, 256));
      decode(api, noise, version, flexible);
      const flipped = new Uint8Array(bytes);
      flipped[random.int(0, flipped.length)] = random.int(0, 256);
      decode(api, flipped, version, flexible);
    }
  }
});
