// Reusable buffers for bytes that live only until a socket has taken them: log reads for a Kafka
// Fetch response, and the binary `messages` frames of WebSocket subscription streams. Without it
// every fetch (every frame) allocates its buffer afresh: megabytes per response, memory outside
// V8's heap that the kernel must fault in and zero, and whose churn makes V8 run full collections
// for "external memory pressure" every few tens of milliseconds while consumers read.
//
// A buffer is lent with acquire() and comes back with release(), which accepts any view of it and
// ignores anything it did not lend (so a caller may release every piece it wrote). A buffer that is
// never released is simply collected. Sizes are powers of two from `minBytes`; reads smaller than
// that, or larger than `maxBufferBytes`, are ordinary allocations. At most `bytesMax` wait in the pool,
// and trimIfIdle() (called every few seconds by the owner) drops them all once nothing was lent since
// the previous call, so a broker whose consumers left does not keep their buffers.

export interface ReadAllocator {
  /** A buffer of exactly `n` bytes (a view on a larger pooled one, possibly). */
  acquire(n: number): Buffer;
  /** Gives back a buffer from acquire() (any view of it); anything else is ignored. */
  release(view: Uint8Array): void;
  /** True for a view of a buffer lent and not yet released. */
  isLent(view: Uint8Array): boolean;
}

export interface ReadBufferPoolOptions {
  /** Smallest pooled size (smaller reads are plain allocations). */
  minBytes?: number;
  /** Largest pooled size. */
  maxBufferBytes?: number;
  /** Bytes kept for reuse at most. */
  bytesMax?: number;
}

export class ReadBufferPool implements ReadAllocator {
  readonly minBytes: number;
  readonly maxBufferBytes: number;
  readonly bytesMax: number;
  /** Free buffers by size. */
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Buffers lent and not yet released. */
  readonly #lent = new WeakSet<ArrayBuffer>();
  #pooledBytes = 0;
  #lentSinceTrim = 0;

  constructor(options: ReadBufferPoolOptions = {}) {
    this.minBytes = options.minBytes ?? 64 * 1024;
    this.maxBufferBytes = options.maxBufferBytes ?? 16 * 1024 * 1024;
    this.bytesMax = options.bytesMax ?? 32 * 1024 * 1024;
  }

  /** Bytes waiting in the pool. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  acquire(n: number): Buffer {
    if (n < this.minBytes || n > this.maxBufferBytes) return Buffer.allocUnsafe(n);
    const size = 2 ** Math.ceil(Math.log2(n));
    let ab = this.#free.get(size)?.pop();
    if (ab !== undefined) this.#pooledBytes -= size;
    else ab = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer; // its own memory, not zeroed
    this.#lent.add(ab);
    this.#lentSinceTrim++;
    return Buffer.from(ab, 0, n);
  }

  isLent(view: Uint8Array): boolean {
    return view.buffer instanceof ArrayBuffer && this.#lent.has(view.buffer);
  }

  release(view: Uint8Array): void {
    const ab = view.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.#lent.has(ab)) return;
    this.#lent.delete(ab);
    if (this.#pooledBytes + ab.byteLength > this.bytesMax) return;
    let list = this.#free.get(ab.byteLength);
    if (list === undefined) this.#free.set(ab.byteLength, (list = []));
    list.push(ab);
    this.#pooledBytes += ab.byteLength;
  }

  /** Drops every pooled buffer if none was lent since the previous call. */
  trimIfIdle(): void {
    if (this.#lentSinceTrim === 0) {
      this.#free.clear();
      this.#pooledBytes = 0;
    }
    this.#lentSinceTrim = 0;
  }
}
