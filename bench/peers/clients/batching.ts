// Shared by the client modules: publishing in chunks with a bounded window, and sends made in the
// same turn of the event loop carried by one request.

/**
 * Sends `count` events as chunks of at most `size` (`sendChunk(n, index)` sends `n` of them and
 * resolves when they are acknowledged), with as many chunks in flight as fit in `window` events
 * (at least one; a chunk never exceeds the window).
 */
export async function publishInChunks(count: number, size: number, window: number, sendChunk: (n: number, index: number) => Promise<void>): Promise<void> {
  const chunk = Math.max(1, Math.min(size, window));
  let issued = 0;
  let index = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.floor(window / chunk)) }, async () => {
      while (issued < count) {
        const n = Math.min(chunk, count - issued);
        issued += n;
        await sendChunk(n, index++);
      }
    }),
  );
}

/**
 * Returns a `send(stream, item)` whose calls made in the same turn of the event loop go out as one
 * `flush(stream, items)` (at the end of that turn); each send resolves or rejects with its flush.
 */
export function sendsPerTurn<T>(flush: (stream: string, items: T[]) => Promise<unknown>): (stream: string, item: T) => Promise<void> {
  interface Waiting {
    item: T;
    resolve: () => void;
    reject: (e: unknown) => void;
  }
  const queues = new Map<string, Waiting[]>();
  return (stream, item) =>
    new Promise<void>((resolve, reject) => {
      let batch = queues.get(stream);
      if (!batch) {
        const mine: Waiting[] = [];
        queues.set(stream, (batch = mine));
        queueMicrotask(() => {
          queues.delete(stream);
          flush(
            stream,
            mine.map((x) => x.item),
          ).then(
            () => mine.forEach((x) => x.resolve()),
            (e: unknown) => mine.forEach((x) => x.reject(e)),
          );
        });
      }
      batch.push({ item, resolve, reject });
    });
}
