// Time is injected into log/ and broker/ so tests can advance a fake clock (src/testing/fake-clock.ts)
// and run session timeouts, ack deadlines, backoff and retention in microseconds.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `delayMs`; the timer never keeps the process alive. */
  setTimer(delayMs: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
