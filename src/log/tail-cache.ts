// The newest batches of a segment, kept in memory so a consumer at the tail (the common case: a long
// poll woken by an append) is served without a file read. Holds whole batches, contiguous up to the
// end of the segment, each with its file position and offsets; bounded by bytes (the oldest leave
// first). Only small batches are kept (the latency case): a large one empties the cache, and readers
// of large batches go to the file, where one read is cheap per byte. A batch whose backing memory is
// much larger than itself (a slice of a request frame) is copied, so the cache never keeps a whole
// request alive.

interface Entry {
  position: number;
  baseOffset: number;
  lastOffset: number;
  bytes: Uint8Array;
}

export class TailCache {
  readonly capacityBytes: number;
  readonly batchBytesMax: number;
  #entries: Entry[] = [];
  #head = 0;
  #bytes = 0;

  constructor(capacityBytes: number, batchBytesMax = capacityBytes) {
    this.capacityBytes = capacityBytes;
    this.batchBytesMax = Math.min(batchBytesMax, capacityBytes);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Records a batch just written at `position` (right after the previous one). */
  add(position: number, baseOffset: number, lastOffset: number, batch: Uint8Array): void {
    if (batch.byteLength > this.batchBytesMax) {
      this.clear();
      return;
    }
    const bytes = batch.buffer.byteLength > 2 * batch.byteLength ? Uint8Array.prototype.slice.call(batch) : batch;
    this.#entries.push({ position, baseOffset, lastOffset, bytes });
    this.#bytes += bytes.byteLength;
    while (this.#bytes > this.capacityBytes) this.#bytes -= this.#entries[this.#head++]!.bytes.byteLength;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /**
   * Position of the batch holding `offset`, or `endPosition` when that batch starts at or after it
   * (or the offset lies beyond the cached end); null when the offset precedes the cache.
   */
  locate(offset: number, endPosition: number): number | null {
    const e = this.#entries;
    if (this.#head >= e.length || offset < e[this.#head]!.baseOffset) return null;
    let lo = this.#head;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]!.lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo === e.length) return endPosition;
    return Math.min(e[lo]!.position, endPosition);
  }

  /**
   * Whole batches from the one starting at `position`, up to `maxBytes` (at least one) and never past
   * `endPosition`; null when `position` is not the start of a cached batch.
   */
  read(position: number, maxBytes: number, endPosition: number): { bytes: Buffer; nextOffset: number | null } | null {
    const e = this.#entries;
    if (this.#head >= e.length || position < e[this.#head]!.position) return null;
    let lo = this.#head;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    if (lo === e.length || e[lo]!.position !== position) return null;
    const parts: Uint8Array[] = [];
    let total = 0;
    let nextOffset: number | null = null;
    for (let i = lo; i < e.length; i++) {
      const x = e[i]!;
      if (x.position + x.bytes.byteLength > endPosition) break;
      if (parts.length > 0 && total + x.bytes.byteLength > maxBytes) break;
      parts.push(x.bytes);
      total += x.bytes.byteLength;
      nextOffset = x.lastOffset + 1;
    }
    if (parts.length === 0) return { bytes: Buffer.alloc(0), nextOffset: null };
    const first = parts[0]!;
    const bytes = parts.length === 1 ? Buffer.from(first.buffer, first.byteOffset, first.byteLength) : Buffer.concat(parts, total);
    return { bytes, nextOffset };
  }
}
