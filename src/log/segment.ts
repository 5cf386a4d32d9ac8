// One segment of a partition: `<20-digit base offset>.log` holding whole RecordBatch v2 batches back to
// back, with its sparse `.index` / `.timeindex`. Invariants: batches are contiguous from position 0,
// base offsets strictly increase, `size` is the end of the last complete batch written through us.
// Index files exist only for a segment that was closed (rolled or cleanly shut down); a segment that is
// open for appends has none on disk, so a crash always leads to a CRC scan of it on the next open.

import { join } from 'node:path';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { BATCH_HEADER_BYTES, readBatchHeader, validateBatch, type BatchHeader } from './codec/record-batch.ts';
import type { FileHandle, FileIO } from './file-io.ts';
import { SegmentIndex } from './index-file.ts';
import type { ReadAllocator } from './read-pool.ts';

const SCAN_CHUNK_BYTES = 1024 * 1024;
/** Locating a batch near an index entry or the last read reads headers in small steps. */
const LOCATE_CHUNK_BYTES = 16 * 1024;
const EMPTY = Buffer.alloc(0);

export function segmentFileName(baseOffset: number, ext: '.log' | '.index' | '.timeindex'): string {
  return String(baseOffset).padStart(20, '0') + ext;
}

/** Base offsets of the `.log` files in a partition directory, ascending. */
export function parseSegmentNames(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const n of names) {
    const m = /^(\d{20})\.log$/.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

export interface Damage {
  position: number;
  reason: string;
}

export interface OpenResult {
  segment: Segment;
  /** 'clean': indexes loaded; 'scanned': CRC scan, nothing removed; 'truncated': torn tail removed. */
  recovery: 'clean' | 'scanned' | 'truncated';
  truncatedBytes: number;
  damage: Damage | null;
}

/** Reads a file through a moving window so scans issue few large reads. */
class Window {
  buf: Buffer = EMPTY;
  start = 0;
  length = 0;
  readonly handle: FileHandle;
  readonly end: number;
  /** Bytes read at a time: large for recovery scans, small for locating one batch. */
  readonly chunkBytes: number;
  constructor(handle: FileHandle, end: number, chunkBytes: number) {
    this.handle = handle;
    this.end = end;
    this.chunkBytes = chunkBytes;
  }
  /** Makes [pos, pos+n) available (n clipped to the file end); returns the buffer-relative index. */
  async ensure(pos: number, n: number): Promise<number> {
    const want = Math.min(n, this.end - pos);
    if (pos >= this.start && pos + want <= this.start + this.length) return pos - this.start;
    const len = Math.min(Math.max(this.chunkBytes, want), this.end - pos);
    if (this.buf.length < len) this.buf = Buffer.allocUnsafe(Math.max(len, Math.min(this.chunkBytes, this.end - pos)));
    const got = await this.handle.read(this.buf, 0, len, pos);
    this.start = pos;
    this.length = got;
    return 0;
  }
}

export class Segment {
  readonly dir: string;
  readonly baseOffset: number;
  readonly io: FileIO;
  handle: FileHandle;
  /** Bytes of complete batches in the file. */
  size: number;
  /** Offset after the last batch in this segment. */
  nextOffset: number;
  index: SegmentIndex;
  /** Largest batch max timestamp in this segment (-1 when empty). */
  maxTimestamp: number;
  /** Clock time of the first append through this process (for roll by age); null when none. */
  firstAppendMs: number | null = null;
  /** In-flight reads; a deleted segment closes its file when the last one ends. */
  #readers = 0;
  #deleted = false;
  /** Remembers where the last read ended, so sequential consumers skip the index lookup. */
  #lastRead: { offset: number; position: number } | null = null;
  /** A second handle on the file opened with O_DSYNC, for appends that must be durable on return. */
  #dsync: FileHandle | null = null;

  private constructor(io: FileIO, dir: string, baseOffset: number, handle: FileHandle, size: number, nextOffset: number, index: SegmentIndex) {
    this.io = io;
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.handle = handle;
    this.size = size;
    this.nextOffset = nextOffset;
    this.index = index;
    this.maxTimestamp = index.maxTimestampSoFar;
  }

  path(ext: '.log' | '.index' | '.timeindex'): string {
    return join(this.dir, segmentFileName(this.baseOffset, ext));
  }

  /** Creates an empty segment and makes its directory entry durable. */
  static async create(io: FileIO, dir: string, baseOffset: number): Promise<Segment> {
    const handle = await io.open(join(dir, segmentFileName(baseOffset, '.log')), { create: true });
    await handle.truncate(0);
    await io.fsyncDir(dir);
    return new Segment(io, dir, baseOffset, handle, 0, baseOffset, new SegmentIndex(baseOffset));
  }

  /**
   * Opens an existing segment. With intact index files covering the whole file it trusts them (the
   * segment was closed cleanly); otherwise it scans every batch with its CRC. Damage that runs to the
   * end of the file is a torn tail and is truncated; damage followed by any valid batch is mid-log
   * corruption and throws `log.segment_corrupt` without changing the file. Scanned data is fdatasynced
   * before this returns, so nothing recovered from the page cache is served before it is durable.
   */
  static async open(io: FileIO, dir: string, baseOffset: number, options: { forceScan?: boolean; last: boolean }): Promise<OpenResult> {
    const logPath = join(dir, segmentFileName(baseOffset, '.log'));
    const handle = await io.open(logPath, { create: false });
    try {
      const fileSize = await handle.size();
      if (!options.forceScan) {
        const [oi, ti] = await Promise.all([
          io.readFile(join(dir, segmentFileName(baseOffset, '.index'))),
          io.readFile(join(dir, segmentFileName(baseOffset, '.timeindex'))),
        ]);
        const loaded = oi && ti ? SegmentIndex.decode(baseOffset, oi, ti, fileSize) : null;
        if (loaded) {
          const seg = new Segment(io, dir, baseOffset, handle, fileSize, loaded.summary.nextOffset, loaded.index);
          seg.maxTimestamp = loaded.summary.maxTimestamp;
          return { segment: seg, recovery: 'clean', truncatedBytes: 0, damage: null };
        }
      }
      const index = new SegmentIndex(baseOffset);
      let nextOffset = baseOffset;
      const scanned = await scanBatches(handle, 0, fileSize, baseOffset, (pos, h) => {
        index.onBatch(h.baseOffset, pos, h.maxTimestamp, limits.indexIntervalBytes);
        nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
      });
      let truncatedBytes = 0;
      if (scanned.damage) {
        // Only the last segment can have a torn tail: damage in an earlier one has data after it.
        const later = options.last ? await findValidBatchAfter(handle, scanned.damage.position + 1, fileSize) : fileSize;
        if (later !== null) {
          throw new EddyError('log.segment_corrupt', `mid-log corruption in ${logPath} at byte ${scanned.damage.position}: ${scanned.damage.reason}; ${options.last ? `a valid batch follows at byte ${later}` : 'later segments follow'}`, {
            file: logPath,
            position: scanned.damage.position,
            reason: scanned.damage.reason,
            nextValidPosition: later,
          });
        }
        truncatedBytes = fileSize - scanned.end;
        await handle.truncate(scanned.end);
      }
      await handle.datasync();
      const seg = new Segment(io, dir, baseOffset, handle, scanned.end, nextOffset, index);
      return { segment: seg, recovery: scanned.damage ? 'truncated' : 'scanned', truncatedBytes, damage: scanned.damage };
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Writes already-validated batches (offsets assigned) at the end of the file; with `durable` the
   * write goes through an O_DSYNC handle and is on disk when this resolves. On failure nothing is
   * recorded in memory; the caller truncates back to `size` before the next append.
   */
  async append(buffers: readonly Uint8Array[], headers: readonly BatchHeader[], nowMs: number, options: { durable: boolean }): Promise<void> {
    let bytes = 0;
    for (const b of buffers) bytes += b.byteLength;
    const handle = options.durable ? (this.#dsync ??= await this.io.open(this.path('.log'), { create: false, dsync: true })) : this.handle;
    await handle.writev(buffers, this.size);
    let pos = this.size;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      this.index.onBatch(h.baseOffset, pos, h.maxTimestamp, limits.indexIntervalBytes);
      if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp;
      pos += buffers[i]!.byteLength;
      this.nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
    }
    if (this.firstAppendMs === null) this.firstAppendMs = nowMs;
    this.size += bytes;
  }

  /** Cuts the file back to `position` (after a failed write) and forgets what lay beyond. */
  async truncateTo(position: number, nextOffset: number): Promise<void> {
    await this.handle.truncate(position);
    this.size = position;
    this.nextOffset = nextOffset;
    this.index.truncateTo(position);
    this.#lastRead = null;
  }

  /**
   * Position of the batch holding `offset` and that batch's size in bytes (so a read can take it whole
   * at once), or `endPosition` and 0 when it lies at or beyond the end.
   */
  async locate(offset: number, endPosition: number): Promise<{ position: number; batchBytes: number }> {
    const hint = this.#lastRead;
    let start = this.index.floor(offset);
    if (hint && hint.offset <= offset && hint.offset >= start.offset && hint.position <= endPosition) start = hint;
    const w = new Window(this.handle, endPosition, LOCATE_CHUNK_BYTES);
    let pos = start.position;
    while (pos + BATCH_HEADER_BYTES <= endPosition) {
      const rel = await w.ensure(pos, BATCH_HEADER_BYTES);
      const h = readBatchHeader(w.buf, rel);
      if (!h.ok) throw new EddyError('log.io_error', `unreadable batch header in ${this.path('.log')} at byte ${pos}`);
      if (h.value.baseOffset + h.value.lastOffsetDelta >= offset) return { position: pos, batchBytes: h.value.batchLength + 12 };
      pos += h.value.batchLength + 12;
    }
    return { position: endPosition, batchBytes: 0 };
  }

  /** First batch whose max timestamp is >= `timestampMs`, or null. */
  async locateTimestamp(timestampMs: number, endPosition: number): Promise<{ position: number; header: BatchHeader } | null> {
    const start = this.index.floorForTimestamp(timestampMs);
    const w = new Window(this.handle, endPosition, LOCATE_CHUNK_BYTES);
    let pos = start.position;
    while (pos + BATCH_HEADER_BYTES <= endPosition) {
      const rel = await w.ensure(pos, BATCH_HEADER_BYTES);
      const h = readBatchHeader(w.buf, rel);
      if (!h.ok) throw new EddyError('log.io_error', `unreadable batch header in ${this.path('.log')} at byte ${pos}`);
      if (h.value.maxTimestamp >= timestampMs) return { position: pos, header: h.value };
      pos += h.value.batchLength + 12;
    }
    return null;
  }

  /**
   * Reads whole batches from `position`, up to `maxBytes` and never past `endPosition`; returns at
   * least one batch when one exists, even if larger than maxBytes (as Kafka does since KIP-74). The
   * bytes come from `alloc` when given (the caller then releases them to it), else a new buffer.
   * `firstBatchBytes`, the size of the batch at `position` when the caller knows it (locate), sizes
   * the read to hold that batch: a batch larger than maxBytes is then read once, into one buffer.
   */
  async read(position: number, maxBytes: number, endPosition: number, options: { alloc?: ReadAllocator | undefined; firstBatchBytes?: number } = {}): Promise<{ bytes: Buffer; nextOffset: number | null }> {
    if (position >= endPosition) return { bytes: Buffer.alloc(0), nextOffset: null };
    const alloc = options.alloc;
    this.#readers++;
    let buf: Buffer | null = null;
    try {
      let want = Math.min(Math.max(maxBytes, options.firstBatchBytes ?? 0), endPosition - position);
      if (want < BATCH_HEADER_BYTES) want = Math.min(BATCH_HEADER_BYTES, endPosition - position);
      buf = alloc ? alloc.acquire(want) : Buffer.allocUnsafe(want);
      let got = await this.handle.read(buf, 0, want, position);
      let end = 0;
      let nextOffset: number | null = null;
      while (end + BATCH_HEADER_BYTES <= got) {
        const h = readBatchHeader(buf, end);
        if (!h.ok) throw new EddyError('log.io_error', `unreadable batch header in ${this.path('.log')} at byte ${position + end}`);
        const total = h.value.batchLength + 12;
        if (end + total > got) {
          if (end > 0) break;
          // The first batch is larger than maxBytes: return it whole.
          alloc?.release(buf);
          buf = alloc ? alloc.acquire(total) : Buffer.allocUnsafe(total);
          got = await this.handle.read(buf, 0, total, position);
          if (got < total) throw new EddyError('log.io_error', `short read in ${this.path('.log')} at byte ${position}`);
        }
        end += total;
        nextOffset = h.value.baseOffset + h.value.lastOffsetDelta + 1;
      }
      if (nextOffset !== null) this.#lastRead = { offset: nextOffset, position: position + end };
      const bytes = buf.subarray(0, end);
      buf = null;
      return { bytes, nextOffset };
    } finally {
      if (buf !== null) alloc?.release(buf); // failed: nobody else holds it
      this.#readers--;
      if (this.#deleted && this.#readers === 0) await this.handle.close().catch(() => {});
    }
  }

  /** Writes both index files (tmp, datasync, rename, fsync dir): the segment is now closed cleanly. */
  async writeIndexes(): Promise<void> {
    await this.#closeDsync();
    const summary = { logBytes: this.size, maxTimestamp: this.maxTimestamp, nextOffset: this.nextOffset };
    const files: [string, Uint8Array][] = [
      [this.path('.index'), this.index.encodeOffsetIndex(summary)],
      [this.path('.timeindex'), this.index.encodeTimeIndex(summary)],
    ];
    for (const [path, bytes] of files) {
      const tmp = path + '.tmp';
      const h = await this.io.open(tmp, { create: true });
      try {
        await h.truncate(0);
        await h.writev([bytes], 0);
        await h.datasync();
      } finally {
        await h.close();
      }
      await this.io.rename(tmp, path);
    }
    await this.io.fsyncDir(this.dir);
  }

  /** Removes the index files of a segment about to take appends again (see the file comment). */
  async removeIndexes(): Promise<void> {
    if (!(await this.io.exists(this.path('.index'))) && !(await this.io.exists(this.path('.timeindex')))) return;
    await this.io.unlink(this.path('.index'));
    await this.io.unlink(this.path('.timeindex'));
    await this.io.fsyncDir(this.dir);
  }

  async close(): Promise<void> {
    await this.#closeDsync();
    await this.handle.close();
  }

  async #closeDsync(): Promise<void> {
    const h = this.#dsync;
    this.#dsync = null;
    await h?.close();
  }

  /** Closes the handle after in-flight reads, leaving the files alone (compaction put a new file in place). */
  async retire(): Promise<void> {
    this.#deleted = true;
    await this.#closeDsync().catch(() => {});
    if (this.#readers === 0) await this.handle.close().catch(() => {});
  }

  /** Deletes the files (the caller fsyncs the directory); the handle closes after in-flight reads. */
  async delete(): Promise<void> {
    this.#deleted = true;
    await this.#closeDsync().catch(() => {});
    await this.io.unlink(this.path('.log'));
    await this.io.unlink(this.path('.index'));
    await this.io.unlink(this.path('.timeindex'));
    if (this.#readers === 0) await this.handle.close().catch(() => {});
  }
}

/**
 * Walks batches from `start`, checking header, bounds, offset order and CRC. Stops at the first damage
 * and reports its position; `end` is the end of the last good batch.
 */
export async function scanBatches(
  handle: FileHandle,
  start: number,
  fileEnd: number,
  expectedBaseOffset: number,
  onBatch: (position: number, header: BatchHeader) => void,
): Promise<{ end: number; damage: Damage | null }> {
  const w = new Window(handle, fileEnd, SCAN_CHUNK_BYTES);
  let pos = start;
  let expected = expectedBaseOffset;
  while (pos < fileEnd) {
    if (fileEnd - pos < BATCH_HEADER_BYTES) return { end: pos, damage: { position: pos, reason: 'short batch header' } };
    let rel = await w.ensure(pos, BATCH_HEADER_BYTES);
    const h = readBatchHeader(w.buf, rel);
    if (!h.ok) return { end: pos, damage: { position: pos, reason: h.error.message } };
    const total = h.value.batchLength + 12;
    if (pos + total > fileEnd) return { end: pos, damage: { position: pos, reason: `batch of ${total} bytes runs past the end of the file` } };
    rel = await w.ensure(pos, total);
    const v = validateBatch(w.buf, rel, { bytesMax: limits.batchBytesMax });
    if (!v.ok) return { end: pos, damage: { position: pos, reason: v.error.message } };
    if (h.value.baseOffset < expected) return { end: pos, damage: { position: pos, reason: `base offset ${h.value.baseOffset} below expected ${expected}` } };
    onBatch(pos, h.value);
    expected = h.value.baseOffset + h.value.lastOffsetDelta + 1;
    pos += total;
  }
  return { end: pos, damage: null };
}

/** Position of the first CRC-valid batch at or after `from`, or null: tells a torn tail from mid-log damage. */
export async function findValidBatchAfter(handle: FileHandle, from: number, fileEnd: number): Promise<number | null> {
  const w = new Window(handle, fileEnd, SCAN_CHUNK_BYTES);
  for (let q = from; q + BATCH_HEADER_BYTES <= fileEnd; q++) {
    let rel = await w.ensure(q, BATCH_HEADER_BYTES);
    if (w.buf[rel + 16] !== 2) continue;
    const h = readBatchHeader(w.buf, rel);
    if (!h.ok) continue;
    const total = h.value.batchLength + 12;
    if (q + total > fileEnd) continue;
    rel = await w.ensure(q, total);
    if (validateBatch(w.buf, rel, { bytesMax: limits.batchBytesMax }).ok) return q;
  }
  return null;
}
