// The duplicate window: ids answer their first position within the window, expire after it (fake
// time), and the number remembered is bounded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupeWindow } from './dedupe-window.ts';

test('ids are remembered for the window, then forgotten; memory is bounded', () => {
  const w = new DedupeWindow(1000, 3);
  w.remember('a', { partition: 0, offset: 1 }, 0);
  assert.deepEqual(w.lookup('a', 999), { partition: 0, offset: 1 });
  assert.equal(w.lookup('a', 1000), undefined, 'expired at the end of the window');
  w.remember('b', { partition: 0, offset: 2 }, 10);
  w.remember('c', { partition: 0, offset: 3 }, 20);
  w.remember('d', { partition: 0, offset: 4 }, 30);
  w.remember('e', { partition: 0, offset: 5 }, 40);
  assert.equal(w.size, 3, 'the oldest id is dropped past the cap');
  assert.equal(w.lookup('b', 50), undefined);
  w.sweep(1025);
  assert.equal(w.size, 2, 'sweep drops what expired');
  assert.deepEqual(w.lookup('e', 1000), { partition: 0, offset: 5 });
});
