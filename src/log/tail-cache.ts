// The newest record batches of each partition's active segment, kept in memory once they are written,
// so that readers at the tail (SSE and WebSocket streams, Kafka fetch long polls, subscriptions) are
// answered without a trip to the file: no read on the thread pool, no fresh buffer per reader.
// One byte budget per data directory; the oldest batches, whatever their partition, go first.
// Invariants: a partition's cached batches are a contiguous run of its log that ends where its
// readable log ends (each batch is added after its write succeeded, in offset order; a gap or a roll
// clears the run); a cached buffer is never written to, so readers may share it; the bytes of every
// live entry are counted in the budget exactly once.

interface Entry {
  owner: PartitionTail;
  bytes: Buffer;
  baseOffset: number;
  /** Offset after the batch's last record. */
  nextOffset: number;
  live: boolean;
}

const EMPTY = Buffer.alloc(0);

/** The budget shared by the partitions of one data directory. */
export class TailCache {
  readonly bytesMax: number;
  #bytes = 0;
  /** Entries in insertion order (all partitions); dead ones are skipped and dropped in bulk. */
  #queue: Entry[] = [];
  #head = 0;
  #dead = 0;

  constructor(bytesMax: number) {
    this.bytesMax = bytesMax;
  }

  /** Bytes of batches held now. */
  get bytes(): number {
    return this.#bytes;
  }

  partition(): PartitionTail {
    return new PartitionTail(this);
  }

  /** @internal */
  admit(e: Entry): void {
    this.#queue.push(e);
    this.#bytes += e.bytes.byteLength;
    while (this.#bytes > this.bytesMax && this.#head < this.#queue.length) {
      const old = this.#queue[this.#head++]!;
      if (old.live) old.owner.evictFirst(old);
      else this.#dead--;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** @internal An entry left the cache (evicted or its partition cleared). */
  release(e: Entry, queued: boolean): void {
    e.live = false;
    this.#bytes -= e.bytes.byteLength;
    e.bytes = EMPTY;
    if (!queued) return;
    // Dead entries wait in the queue until they reach its head; rebuild it before they outnumber the live.
    if (++this.#dead > 1024 && this.#dead * 2 > this.#queue.length - this.#head) {
      this.#queue = this.#queue.slice(this.#head).filter((x) => x.live);
      this.#head = 0;
      this.#dead = 0;
    }
  }
}

/** One partition's run of cached batches. */
export class PartitionTail {
  readonly #cache: TailCache;
  #entries: Entry[] = [];
  #first = 0;

  constructor(cache: TailCache) {
    this.#cache = cache;
  }

  /** Offset of the first cached batch, or null when nothing is cached. */
  get firstOffset(): number | null {
    return this.#first < this.#entries.length ? this.#entries[this.#first]!.baseOffset : null;
  }

  /**
   * Remembers a batch just written at the end of the log. A batch that does not follow the run, or is
   * larger than an eighth of the budget, clears the run instead. A view into a larger buffer (a Kafka
   * request frame) is copied so that the frame can be collected.
   */
  add(batch: Uint8Array, baseOffset: number, nextOffset: number): void {
    const last = this.#entries.length > this.#first ? this.#entries[this.#entries.length - 1]! : null;
    const tooLarge = batch.byteLength * 8 > this.#cache.bytesMax;
    if (tooLarge || (last && last.nextOffset !== baseOffset)) this.clear();
    if (tooLarge) return;
    const owned = batch.byteLength * 2 >= batch.buffer.byteLength;
    const bytes = owned ? Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength) : Buffer.from(batch);
    if (this.#first > 64 && this.#first * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#first);
      this.#first = 0;
    }
    const e: Entry = { owner: this, bytes, baseOffset, nextOffset, live: true };
    this.#entries.push(e);
    this.#cache.admit(e);
  }

  /**
   * Whole cached batches from the one holding `offset`, at most ~maxBytes (at least one batch), or
   * null when `offset` lies before the run (the caller reads the file). `offset` must be below the
   * end of the run.
   */
  read(offset: number, maxBytes: number): Buffer | null {
    const entries = this.#entries;
    let lo = this.#first;
    let hi = entries.length - 1;
    if (lo > hi || offset < entries[lo]!.baseOffset) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (entries[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const first = entries[lo]!;
    if (offset >= first.nextOffset) return null;
    let end = lo + 1;
    let bytes = first.bytes.byteLength;
    while (end < entries.length && bytes + entries[end]!.bytes.byteLength <= maxBytes) bytes += entries[end++]!.bytes.byteLength;
    if (end === lo + 1) return first.bytes;
    const out = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (let i = lo; i < end; i++) {
      out.set(entries[i]!.bytes, at);
      at += entries[i]!.bytes.byteLength;
    }
    return out;
  }

  /** Forgets every cached batch (a roll, a close). */
  clear(): void {
    for (let i = this.#first; i < this.#entries.length; i++) this.#cache.release(this.#entries[i]!, true);
    this.#entries = [];
    this.#first = 0;
  }

  /** @internal The cache evicts this partition's oldest batch. */
  evictFirst(e: Entry): void {
    if (this.#entries[this.#first] !== e) throw new Error('tail cache: evicted entry is not its partition\'s oldest');
    this.#first++;
    this.#cache.release(e, false);
  }
}
