// The delay forwarder's due time (kafka transport): read from `eddy.delay.due`, at once when the
// header is absent or garbage, and clamped to the SDK's longest delay after the record's timestamp.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delayDueHeader, dueOf } from './kafka-delay.ts';
import { publishDelayMsMax } from './transport.ts';

const written = 1_800_000_000_000;
const rec = (due: string | Buffer | undefined, timestamp = String(written)) => ({ timestamp, headers: due === undefined ? {} : { [delayDueHeader]: due } });

test('the due time comes from the header (string or bytes); absent or not a number means now', () => {
  assert.equal(dueOf(rec(String(written + 5_000))), written + 5_000);
  assert.equal(dueOf(rec(Buffer.from(String(written + 7_000)))), written + 7_000);
  assert.equal(dueOf(rec(undefined)), 0);
  assert.equal(dueOf(rec('soon')), 0);
  assert.equal(dueOf({ timestamp: String(written), headers: { [delayDueHeader]: [String(written + 1), String(written + 9)] } }), written + 9, 'the last value of a repeated header');
});

test('a due time beyond the longest delay after the record was written is clamped to it', () => {
  assert.equal(dueOf(rec(String(written + publishDelayMsMax))), written + publishDelayMsMax);
  assert.equal(dueOf(rec('1e15')), written + publishDelayMsMax);
  assert.equal(dueOf(rec(String(Number.MAX_SAFE_INTEGER))), written + publishDelayMsMax);
  assert.equal(dueOf(rec('1e15', 'not-a-time')), 1e15, 'no usable timestamp: the header as is');
});
