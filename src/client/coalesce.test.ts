// coalesce: calls made while one is in flight share the next call; failures reach exactly the
// callers whose items were in the failed call; with pipelineAfterMs, items do not wait for an answer
// held longer than that.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalesce } from './coalesce.ts';

test('calls during an in-flight call are merged into one, in order', async () => {
  const calls: number[][] = [];
  let release: () => void = () => {};
  const send = coalesce<number>(async (items) => {
    calls.push(items);
    if (calls.length === 1) await new Promise<void>((r) => (release = r));
  });
  const first = send([1]);
  const rest = [send([2]), send([3, 4]), send([5])];
  release();
  await Promise.all([first, ...rest]);
  assert.deepEqual(calls, [[1], [2, 3, 4, 5]]);
});

test('a failed call rejects its own callers only', async () => {
  let n = 0;
  const send = coalesce<string>(async () => {
    n++;
    if (n === 1) throw new Error('down');
  });
  await assert.rejects(send(['a']), /down/);
  await send(['b']);
  assert.equal(n, 2);
});

test('every caller of a failed call sees its error; the callers of the next call do not', async () => {
  const calls: string[][] = [];
  let release: () => void = () => {};
  const send = coalesce<string>(async (items) => {
    calls.push(items);
    if (items[0] === 'a') await new Promise<void>((r) => (release = r));
    if (items[0] === 'b') throw new Error('down');
  });
  const a = send(['a']);
  const merged = [send(['b']), send(['c'])]; // one call, made once 'a' is done
  release();
  await a;
  for (const p of merged) await assert.rejects(p, /down/);
  await send(['d']);
  assert.deepEqual(calls, [['a'], ['b', 'c'], ['d']]);
});

test('with pipelineAfterMs, items behind an unanswered call go beside it once it has been in flight that long', { timeout: 10_000 }, async () => {
  const calls: number[][] = [];
  let releaseFirst: () => void = () => {};
  const send = coalesce<number>(
    async (items) => {
      calls.push(items);
      if (calls.length === 1) await new Promise<void>((r) => (releaseFirst = r));
    },
    { pipelineAfterMs: 1 },
  );
  const first = send([1]);
  const second = [send([2]), send([3])];
  await Promise.all(second); // the first is still unanswered: these went beside it, together
  assert.deepEqual(calls, [[1], [2, 3]]);
  releaseFirst();
  await first;
  await send([4]);
  assert.deepEqual(calls, [[1], [2, 3], [4]], 'nothing in flight: a call goes at once');
});
