// Coalesces calls that arrive while one is in flight into the next single call (acks: one HTTP
// request and one broker fsync for many handled events instead of one each). Every caller whose
// items went into a call gets that call's one promise (not a promise of its own: a subscriber acks
// tens of thousands of events a second); order of items is kept.
//
// With `pipelineAfterMs`, items do not wait longer than that for the call in flight: once it has been
// in flight that long, they go in a call of their own beside it. For a peer that may hold a call's
// answer on purpose (a broker holding an ack's fdatasync for later acks to share it), where waiting
// for the answer would add the hold to every later item.

export interface CoalesceOptions {
  /** Items wait at most this long for the call in flight (default: until it is answered). */
  pipelineAfterMs?: number;
}

interface Batch<T> {
  items: T[];
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export function coalesce<T>(send: (items: T[]) => Promise<void>, options: CoalesceOptions = {}): (items: readonly T[]) => Promise<void> {
  const pipelineAfterMs = options.pipelineAfterMs;
  let pending: Batch<T> | null = null;
  let inFlight = 0;
  /** When the newest call in flight started (performance.now()). */
  let startedMs = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const start = (): void => {
    const batch = pending!;
    pending = null;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    inFlight++;
    if (pipelineAfterMs !== undefined) startedMs = performance.now();
    let sent: Promise<void>;
    try {
      sent = send(batch.items);
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent
      .then(batch.resolve, batch.reject)
      .finally(() => {
        inFlight--;
        if (pending && inFlight === 0) start();
      });
  };
  /** Sends what is pending beside the call in flight once that has been in flight pipelineAfterMs. */
  const arm = (): void => {
    if (pipelineAfterMs === undefined || timer !== null) return;
    timer = setTimeout(
      () => {
        timer = null;
        if (!pending) return;
        if (inFlight === 0 || performance.now() - startedMs >= pipelineAfterMs) start();
        else arm();
      },
      Math.max(0, startedMs + pipelineAfterMs - performance.now()),
    );
  };
  return (items) => {
    let batch = pending;
    if (batch === null) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = pending = { items: [], done, resolve, reject };
    }
    for (const item of items) batch.items.push(item);
    if (inFlight === 0) start();
    else arm();
    return batch.done;
  };
}
