// Coalesces calls that arrive while one is in flight into the next single call (acks: one HTTP
// request and one broker fsync for many handled events instead of one each). Each caller's promise
// settles with the call that carried its items; order of items is kept.

export function coalesce<T>(send: (items: T[]) => Promise<void>): (items: readonly T[]) => Promise<void> {
  let pending: { items: T[]; waiters: { resolve(): void; reject(e: unknown): void }[] } | null = null;
  let inFlight = false;
  const pump = async (): Promise<void> => {
    inFlight = true;
    while (pending) {
      const batch = pending;
      pending = null;
      try {
        await send(batch.items);
        for (const w of batch.waiters) w.resolve();
      } catch (e) {
        for (const w of batch.waiters) w.reject(e);
      }
    }
    inFlight = false;
  };
  return (items) =>
    new Promise<void>((resolve, reject) => {
      pending ??= { items: [], waiters: [] };
      pending.items.push(...items);
      pending.waiters.push({ resolve, reject });
      if (!inFlight) void pump();
    });
}
