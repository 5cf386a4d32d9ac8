// The SDK's waits, each cut short by an abort: a sleep (retry and backoff loops), a wait for a
// wake-up or a timeout (pull loops woken by arrivals and acks), and the reconnect backoff shared by
// the eddy transport's HTTP requests and its WebSocket.

import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal every concurrent wait of a long-lived object listens to (one
 * listener per operation in flight, removed when it ends): more than 10 at once is normal, not the
 * leak Node's MaxListenersExceededWarning suspects.
 */
export function sharedAbortController(): AbortController {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  return ac;
}

/** Resolves after `ms`, or at once when any of `signals` aborts. */
export function abortableSleep(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    const done = () => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of live) s.addEventListener('abort', done);
  });
}

/** Resolves when a member of `waiters` is called (this wait adds itself there), after `ms`, or on abort. */
export function wakeOrTimeout(waiters: Set<() => void>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
    signal?.addEventListener('abort', done);
  });
}

/** Jittered exponential backoff before retry `attempt` (0-based): half the cap plus a random half, never past `giveUpAt`. */
export function backoffWaitMs(attempt: number, o: { initialMs: number; maxMs: number }, random: () => number, giveUpAt: number): number {
  const capMs = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 20));
  return Math.min(capMs / 2 + (capMs / 2) * random(), Math.max(0, giveUpAt - Date.now()));
}
