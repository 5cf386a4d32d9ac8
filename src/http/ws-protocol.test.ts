// The binary publish frame decoder (decodeBinaryClientMessage) against arbitrary input: random bytes,
// frames whose header length or dataBytes lie, and well-formed frames. It never throws; a frame it
// accepts gives each event exactly its own slice of the data, and every error has a stable code.
// Replay a failure with EDDY_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCodes } from '../errors.ts';
import { describeSeed, seedFromEnv } from '../testing/random.ts';
import { decodeBinaryClientMessage, encodePublishFrame, type Decoded } from './ws-protocol.ts';

const seed = seedFromEnv();
console.log(`# ws-protocol.test.ts ${describeSeed(seed)}`);

/** A frame, its header length replaced by `headerLength` when given (a frame that lies). */
function frame(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const f = encodePublishFrame(JSON.stringify(header), [data]);
  if (headerLength !== undefined) f.writeUInt32BE(headerLength, 0);
  return f;
}

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
      assert.ok(d.ok && d.value.type === 'publish', JSON.stringify(d));
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
