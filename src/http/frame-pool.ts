// Reusable buffers for the large binary frames the broker sends over WebSockets (subscription
// `messages` frames, up to ~1 MiB each, built every few milliseconds on a busy stream). Allocated
// afresh, each became dead external memory once written: ~50 MB/s in a fan-out of 4 SDK groups,
// which V8 frees only in mark-compact collections, started when ~64 MB of it has piled up.
// Invariants: a buffer is out to one frame at a time (acquire removes it from the free lists; only
// the sender gives it back, once the socket is done with it); free buffers never hold more than
// freeBytesMax together; sizes outside the classes are plain allocations, never kept.

/** Smallest pooled capacity: below it, frames come from Node's own allocator (its 8 KiB pool for tiny ones). */
const classMinBytes = 64 * 1024;

export class FramePool {
  readonly freeBytesMax: number;
  readonly classMaxBytes: number;
  /** Free buffers by class: index i holds buffers of classMinBytes << i bytes. */
  readonly #free: Buffer[][] = [];
  #freeBytes = 0;

  /**
   * @param classMaxBytes largest pooled capacity (a power of two times 64 KiB; larger frames are not pooled)
   * @param freeBytesMax bytes of free buffers kept for reuse; what would go past it is left to the GC
   */
  constructor(classMaxBytes: number, freeBytesMax: number) {
    let max = classMinBytes;
    while (max < classMaxBytes) max *= 2;
    this.classMaxBytes = max;
    this.freeBytesMax = freeBytesMax;
    for (let c = classMinBytes; c <= max; c *= 2) this.#free.push([]);
  }

  /** Bytes held by free buffers now. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A buffer of exactly `size` bytes (a view on a pooled one of its class when size is in the classes). */
  readonly acquire = (size: number): Buffer => {
    const c = classOf(size, this.classMaxBytes);
    if (c < 0) return Buffer.allocUnsafe(size);
    const b = this.#free[c]!.pop();
    if (b === undefined) return Buffer.allocUnsafe(classMinBytes << c).subarray(0, size);
    this.#freeBytes -= b.byteLength;
    return b.subarray(0, size);
  };

  /**
   * Takes back a frame from acquire() once nothing reads it any more (its socket write completed).
   * Frames that did not come from a pooled class are ignored.
   */
  release(frame: Buffer): void {
    const whole = frame.buffer;
    if (frame.byteOffset !== 0) return;
    const c = classOf(whole.byteLength, this.classMaxBytes);
    if (c < 0 || classMinBytes << c !== whole.byteLength || this.#freeBytes + whole.byteLength > this.freeBytesMax) return;
    this.#free[c]!.push(Buffer.from(whole));
    this.#freeBytes += whole.byteLength;
  }
}

/** The class index for `size` bytes, or -1 when it is not pooled. */
function classOf(size: number, classMaxBytes: number): number {
  if (size < classMinBytes / 2 || size > classMaxBytes) return -1;
  let c = 0;
  while (classMinBytes << c < size) c++;
  return c;
}
