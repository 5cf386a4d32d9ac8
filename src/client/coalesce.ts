// Coalesces calls that arrive while one is in flight into the next single call (acks: one HTTP
// request and one broker fsync for many handled events instead of one each). Every caller whose
// items went into a call gets that call's one promise (not a promise of its own: a subscriber acks
// tens of thousands of events a second); order of items is kept.

interface Batch<T> {
  items: T[];
  done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export function coalesce<T>(send: (items: T[]) => Promise<void>): (items: readonly T[]) => Promise<void> {
  let pending: Batch<T> | null = null;
  let inFlight = false;
  const pump = async (): Promise<void> => {
    inFlight = true;
    while (pending) {
      const batch = pending;
      pending = null;
      try {
        await send(batch.items);
        batch.resolve();
      } catch (e) {
        batch.reject(e);
      }
    }
    inFlight = false;
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
    if (!inFlight) void pump();
    return batch.done;
  };
}
