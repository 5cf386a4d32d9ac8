// Kafka-style log compaction (cleanup.policy=compact) of one partition: builds key -> newest offset
// over the whole partition (closed segments and the readable part of the active one), then rewrites
// each closed segment, oldest first, keeping per batch only the newest record of each key, records
// with a null key, tombstones younger than delete.retention.ms, and control batches as they are.
// Invariants: the active segment is never rewritten; offsets, segment base and next offsets never
// change; oldest-first order means a crash between segments never resurrects a deleted key.

import { limits } from '../limits.ts';
import { openBatch, rebuildBatch } from './batch-filter.ts';
import { decodeRecords, readBatchHeader, type BatchHeader, type DecodedRecord } from './codec/record-batch.ts';
import type { FileIO } from './file-io.ts';
import { Segment } from './segment.ts';
import { CleanedWriter, swapIn } from './segment-swap.ts';

/** Distinct keys one run maps (~100 B each in memory); a partition with more is left as it is. */
export const compactionKeysMax = 1_000_000;
/** Bytes read from a segment per call while scanning. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** Cleaned bytes buffered before one write. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

export interface CompactionStats {
  segmentsRewritten: number;
  recordsRemoved: number;
  /** Bytes of the closed segments examined, before and after this run. */
  bytesBefore: number;
  bytesAfter: number;
}

export interface CompactionOptions {
  nowMs: number;
  /** Tombstones older than this (by their timestamp) are removed (Kafka delete.retention.ms). */
  deleteRetentionMs: number;
}

export interface CompactionTarget {
  io: FileIO;
  dir: string;
  /** Closed segments, oldest first. */
  closed: readonly Segment[];
  active: Segment;
  /** Bytes of the active segment readers may see. */
  activeEndPosition: number;
  /** Called once a segment's new file is in place: the log swaps its in-memory segment. */
  replace(old: Segment, fresh: Segment): void;
}

type Decide = (record: DecodedRecord) => boolean;

export async function compactLog(t: CompactionTarget, opts: CompactionOptions): Promise<CompactionStats> {
  const stats: CompactionStats = { segmentsRewritten: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
  if (t.closed.length === 0) return stats;
  const newest = await newestOffsets([...t.closed.map((s) => ({ segment: s, end: s.size })), { segment: t.active, end: t.activeEndPosition }]);
  if (newest === null) return stats;
  const decide: Decide = (rec) => {
    if (rec.key === null) return true;
    if (newest.get(keyString(rec.key)) !== rec.offset) return false;
    return rec.value !== null || opts.nowMs - rec.timestampMs < opts.deleteRetentionMs;
  };
  for (const seg of t.closed) {
    stats.bytesBefore += seg.size;
    if ((await filterSegment(seg, decide, null)) === 0) {
      stats.bytesAfter += seg.size;
      continue;
    }
    const r = await rewriteSegment(t, seg, decide);
    stats.segmentsRewritten++;
    stats.recordsRemoved += r.removed;
    stats.bytesAfter += r.segment.size;
  }
  return stats;
}

function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** Calls `fn` for every batch in [0, end) of `segment`, in order. */
async function forEachBatch(segment: Segment, end: number, fn: (batch: Uint8Array, header: BatchHeader) => Promise<void> | void): Promise<void> {
  let pos = 0;
  while (pos < end) {
    const r = await segment.read(pos, READ_CHUNK_BYTES, end);
    if (r.bytes.length === 0) throw new Error(`compaction: no batch at ${segment.path('.log')}:${pos} below ${end}`);
    let p = 0;
    while (p < r.bytes.length) {
      const h = readBatchHeader(r.bytes, p);
      if (!h.ok) throw new Error(`compaction: unreadable batch header at ${segment.path('.log')}:${pos + p}`);
      const total = h.value.batchLength + 12;
      await fn(r.bytes.subarray(p, p + total), h.value);
      p += total;
    }
    pos += r.bytes.length;
  }
}

/** key -> offset of its newest record; null when there are more than compactionKeysMax keys. */
async function newestOffsets(parts: readonly { segment: Segment; end: number }[]): Promise<Map<string, number> | null> {
  const newest = new Map<string, number>();
  let overflow = false;
  for (const { segment, end } of parts) {
    await forEachBatch(segment, end, (batch, h) => {
      if (h.isControl || overflow) return;
      const recs = decodeRecords(batch, 0, { decompressedBytesMax: limits.decompressedBytesMax });
      if (!recs.ok) return; // kept verbatim; its keys stay unknown, so nothing older is wrongly kept newest
      for (const rec of recs.value) if (rec.key !== null) newest.set(keyString(rec.key), rec.offset);
      if (newest.size > compactionKeysMax) overflow = true;
    });
    if (overflow) return null;
  }
  return newest;
}

/**
 * Counts the records `decide` drops from `segment`; with a writer, also writes the batches that
 * remain (verbatim, rebuilt, or left out when nothing in them is kept).
 */
async function filterSegment(segment: Segment, decide: Decide, writer: CleanedWriter | null): Promise<number> {
  let removed = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  await forEachBatch(segment, segment.size, async (batch, h) => {
    const out = writer ? filterBatch(batch, h, decide) : { bytes: null, removed: countDropped(batch, h, decide) };
    removed += out.removed;
    if (!writer || out.bytes === null) return;
    pending.push(out.bytes);
    pendingBytes += out.bytes.byteLength;
    if (pendingBytes < WRITE_CHUNK_BYTES) return;
    await writer.write(pending);
    pending = [];
    pendingBytes = 0;
  });
  if (writer) await writer.write(pending);
  return removed;
}

function countDropped(batch: Uint8Array, h: BatchHeader, decide: Decide): number {
  if (h.isControl || h.recordCount === 0) return 0;
  const recs = decodeRecords(batch, 0, { decompressedBytesMax: limits.decompressedBytesMax });
  if (!recs.ok) return 0;
  let n = 0;
  for (const rec of recs.value) if (!decide(rec)) n++;
  return n;
}

/** The batch to write in place of `batch` (null: drop it) and how many records were left out. */
function filterBatch(batch: Uint8Array, h: BatchHeader, decide: Decide): { bytes: Uint8Array | null; removed: number } {
  if (h.isControl || h.recordCount === 0) return { bytes: batch, removed: 0 };
  const opened = openBatch(batch, h);
  if (opened === null) return { bytes: batch, removed: 0 };
  const keep = opened.records.map(decide);
  const kept = keep.filter(Boolean).length;
  if (kept === keep.length) return { bytes: batch, removed: 0 };
  if (kept === 0) return { bytes: null, removed: keep.length };
  return { bytes: rebuildBatch(batch, opened, keep), removed: keep.length - kept };
}

/** Writes the cleaned copy, swaps it in, opens it (a CRC scan: the read-back check) and indexes it. */
async function rewriteSegment(t: CompactionTarget, seg: Segment, decide: Decide): Promise<{ segment: Segment; removed: number }> {
  const writer = await CleanedWriter.create(t.io, t.dir, seg.baseOffset);
  let removed: number;
  try {
    removed = await filterSegment(seg, decide, writer);
    await writer.finish();
  } catch (e) {
    await writer.discard(t.io);
    throw e;
  }
  await swapIn(t.io, t.dir, seg.baseOffset);
  const { segment: fresh } = await Segment.open(t.io, t.dir, seg.baseOffset, { forceScan: true, last: false });
  // The footer keeps the next offset even when the segment's last batches were removed.
  fresh.nextOffset = seg.nextOffset;
  if (fresh.maxTimestamp < 0) fresh.maxTimestamp = seg.maxTimestamp;
  t.replace(seg, fresh);
  await fresh.writeIndexes();
  return { segment: fresh, removed };
}
