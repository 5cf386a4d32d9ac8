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

/** Calls `fn` every `intervalMs` of `clock` time (the next wait starts when it returns) until the returned timer is cancelled. */
export function repeatTimer(clock: Clock, intervalMs: number, fn: () => void): Timer {
  let current: Timer | null = null;
  let cancelled = false;
  const arm = () => {
    current = clock.setTimer(intervalMs, () => {
      if (cancelled) return;
      fn();
      if (!cancelled) arm();
    });
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
  };
}
