import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { repeatTimer } from './clock.ts';

test('repeatTimer calls back every interval of clock time until cancelled, and leaves no timer', () => {
  const clock = new FakeClock();
  let calls = 0;
  const timer = repeatTimer(clock, 100, () => calls++);
  clock.advance(99);
  assert.equal(calls, 0);
  clock.advance(1);
  assert.equal(calls, 1);
  clock.advance(100);
  clock.advance(100);
  assert.equal(calls, 3);
  timer.cancel();
  clock.advance(1000);
  assert.equal(calls, 3);
  assert.equal(clock.pendingTimers, 0);
});

test('repeatTimer: cancelled from inside its own callback, it stops', () => {
  const clock = new FakeClock();
  let calls = 0;
  const timer: { cancel(): void } = repeatTimer(clock, 10, () => {
    if (++calls === 2) timer.cancel();
  });
  clock.advance(100);
  assert.equal(calls, 2);
  assert.equal(clock.pendingTimers, 0);
});
