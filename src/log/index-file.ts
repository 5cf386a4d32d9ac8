// Sparse offset and time indexes of one segment, and their on-disk form.
// `.index` entries are Kafka's (int32 relative offset, int32 position); `.timeindex` entries are
// (int64 max timestamp so far, int32 relative offset). Both files end with a 48-byte footer:
// magic "EDDYIDX1", u32 entry count, u32 reserved, f64 log bytes covered, f64 segment max timestamp,
// f64 segment next offset, u32 reserved, u32 CRC32C of everything before it. Indexes are caches: a file whose footer or CRC fails, or whose logBytes is not
// the segment's size, is ignored and the index is rebuilt from the log.

import { crc32c } from './codec/crc32c.ts';

const FOOTER_MAGIC = Buffer.from('EDDYIDX1', 'latin1');
const FOOTER_BYTES = 48;

/** What a footer says about the segment it was written for. */
export interface SegmentSummary {
  logBytes: number;
  maxTimestamp: number;
  nextOffset: number;
}

export interface IndexEntry {
  offset: number;
  position: number;
}

/** In-memory sparse index over one segment: entries ascend in offset, position and timestamp-so-far. */
export class SegmentIndex {
  readonly baseOffset: number;
  offsets: number[] = [];
  positions: number[] = [];
  times: number[] = [];
  timeOffsets: number[] = [];
  timePositions: number[] = [];
  lastIndexedPosition = -Infinity;
  maxTimestampSoFar = -1;

  constructor(baseOffset: number) {
    this.baseOffset = baseOffset;
  }

  /** Records a batch that starts at `position`; entries are kept every `intervalBytes`. */
  onBatch(baseOffset: number, position: number, maxTimestamp: number, intervalBytes: number): void {
    if (maxTimestamp > this.maxTimestampSoFar) this.maxTimestampSoFar = maxTimestamp;
    if (position - this.lastIndexedPosition < intervalBytes) return;
    this.lastIndexedPosition = position;
    this.offsets.push(baseOffset);
    this.positions.push(position);
    this.times.push(this.maxTimestampSoFar);
    this.timeOffsets.push(baseOffset);
    this.timePositions.push(position);
  }

  /** The last entry whose offset is <= `offset` (the scan for `offset` starts there). */
  floor(offset: number): IndexEntry {
    let lo = 0;
    let hi = this.offsets.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.offsets[found]!, position: this.positions[found]! };
  }

  /** Where to start scanning for the first batch whose max timestamp is >= `timestampMs`. */
  floorForTimestamp(timestampMs: number): IndexEntry {
    let lo = 0;
    let hi = this.times.length - 1;
    let first = this.times.length;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! >= timestampMs) {
        first = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    const i = first - 1;
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.timeOffsets[i]!, position: this.timePositions[i]! };
  }

  /** Drops entries at or past `position` (after a truncation). */
  truncateTo(position: number): void {
    let n = this.positions.length;
    while (n > 0 && this.positions[n - 1]! >= position) n--;
    this.offsets.length = n;
    this.positions.length = n;
    this.times.length = n;
    this.timeOffsets.length = n;
    this.timePositions.length = n;
    this.lastIndexedPosition = n > 0 ? this.positions[n - 1]! : -Infinity;
    this.maxTimestampSoFar = n > 0 ? this.times[n - 1]! : -1;
  }

  encodeOffsetIndex(summary: SegmentSummary): Uint8Array {
    const n = this.offsets.length;
    const buf = Buffer.alloc(n * 8 + FOOTER_BYTES);
    for (let i = 0; i < n; i++) {
      buf.writeInt32BE(this.offsets[i]! - this.baseOffset, i * 8);
      buf.writeInt32BE(this.positions[i]!, i * 8 + 4);
    }
    writeFooter(buf, n, summary);
    return buf;
  }

  encodeTimeIndex(summary: SegmentSummary): Uint8Array {
    const n = this.times.length;
    const buf = Buffer.alloc(n * 12 + FOOTER_BYTES);
    for (let i = 0; i < n; i++) {
      buf.writeBigInt64BE(BigInt(this.times[i]!), i * 12);
      buf.writeInt32BE(this.timeOffsets[i]! - this.baseOffset, i * 12 + 8);
    }
    writeFooter(buf, n, summary);
    return buf;
  }

  /**
   * Loads both files; null unless both are intact, cover exactly `logBytes` and agree with each other
   * (same entry count, time entries point at indexed batches).
   */
  static decode(baseOffset: number, offsetFile: Uint8Array, timeFile: Uint8Array, logBytes: number): { index: SegmentIndex; summary: SegmentSummary } | null {
    const fa = readFooter(offsetFile, 8, logBytes);
    const fb = readFooter(timeFile, 12, logBytes);
    if (fa === null || fb === null || fa.entries !== fb.entries) return null;
    if (fa.summary.maxTimestamp !== fb.summary.maxTimestamp || fa.summary.nextOffset !== fb.summary.nextOffset) return null;
    const a = fa.entries;
    const ob = Buffer.from(offsetFile.buffer, offsetFile.byteOffset, offsetFile.byteLength);
    const tb = Buffer.from(timeFile.buffer, timeFile.byteOffset, timeFile.byteLength);
    const idx = new SegmentIndex(baseOffset);
    let prevOffset = -1;
    let prevPosition = -1;
    let prevTime = -Infinity;
    for (let i = 0; i < a; i++) {
      const offset = baseOffset + ob.readInt32BE(i * 8);
      const position = ob.readInt32BE(i * 8 + 4);
      const time = Number(tb.readBigInt64BE(i * 12));
      const timeOffset = baseOffset + tb.readInt32BE(i * 12 + 8);
      if (offset <= prevOffset || position <= prevPosition || position >= logBytes || time < prevTime || timeOffset !== offset) return null;
      idx.offsets.push(offset);
      idx.positions.push(position);
      idx.times.push(time);
      idx.timeOffsets.push(offset);
      idx.timePositions.push(position);
      prevOffset = offset;
      prevPosition = position;
      prevTime = time;
    }
    if (a > 0 && prevOffset >= fa.summary.nextOffset) return null;
    idx.lastIndexedPosition = a > 0 ? prevPosition : -Infinity;
    idx.maxTimestampSoFar = fa.summary.maxTimestamp;
    return { index: idx, summary: fa.summary };
  }
}

function writeFooter(buf: Buffer, entries: number, summary: SegmentSummary): void {
  const at = buf.length - FOOTER_BYTES;
  FOOTER_MAGIC.copy(buf, at);
  buf.writeUInt32BE(entries, at + 8);
  buf.writeDoubleBE(summary.logBytes, at + 16);
  buf.writeDoubleBE(summary.maxTimestamp, at + 24);
  buf.writeDoubleBE(summary.nextOffset, at + 32);
  buf.writeUInt32BE(crc32c(buf, 0, buf.length - 4), buf.length - 4);
}

/** Returns the entry count and summary, or null when the file is damaged or covers a different log size. */
function readFooter(file: Uint8Array, entryBytes: number, logBytes: number): { entries: number; summary: SegmentSummary } | null {
  if (file.byteLength < FOOTER_BYTES) return null;
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const at = buf.length - FOOTER_BYTES;
  if (!buf.subarray(at, at + 8).equals(FOOTER_MAGIC)) return null;
  if (buf.readUInt32BE(buf.length - 4) !== crc32c(buf, 0, buf.length - 4)) return null;
  const entries = buf.readUInt32BE(at + 8);
  if (entries * entryBytes !== at) return null;
  if (buf.readDoubleBE(at + 16) !== logBytes) return null;
  const summary = { logBytes, maxTimestamp: buf.readDoubleBE(at + 24), nextOffset: buf.readDoubleBE(at + 32) };
  if (!Number.isSafeInteger(summary.nextOffset) || summary.nextOffset < 0) return null;
  return { entries, summary };
}
