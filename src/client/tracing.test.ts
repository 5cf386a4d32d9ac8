// traceparent parsing and formatting (W3C Trace Context level 1) used to link publish and handling spans.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTraceparent, parseTraceparent } from './tracing.ts';

const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('parseTraceparent / formatTraceparent round-trip', () => {
  const sc = parseTraceparent(tp)!;
  assert.deepEqual(sc, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
  assert.equal(formatTraceparent(sc), tp);
  assert.equal(formatTraceparent({ ...sc, traceFlags: 0 }), tp.replace(/-01$/, '-00'));
  assert.equal(parseTraceparent(tp.toUpperCase())?.traceId, sc.traceId, 'case-insensitive');
  assert.equal(parseTraceparent(`01${tp.slice(2)}-extra`)?.spanId, sc.spanId, 'a later version with more fields');
});

test('parseTraceparent rejects absent, malformed and all-zero ids', () => {
  for (const bad of [undefined, '', 'nope', tp.slice(0, -1), `ff${tp.slice(2)}`, '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01']) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
});
