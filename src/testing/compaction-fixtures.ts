// Test support for log compaction: keyed batches, a reader that returns every surviving record
// (advancing by batch, as a compacted log requires), the model of what compaction must keep, and a
// FileIO wrapper that simulates a power loss just before its nth call (SimFileIO.crash underneath).
// Invariant of crashAt: the nth call and every later one through the wrapper fail, none takes effect.

import assert from 'node:assert/strict';
import { limits } from '../limits.ts';
import { decodeRecords, encodeBatch, validateBatch } from '../log/codec/record-batch.ts';
import type { FileHandle, FileIO } from '../log/file-io.ts';
import type { PartitionLog, PartitionLogConfig } from '../log/partition-log.ts';
import { parseSegmentNames } from '../log/segment.ts';
import { logConfig } from './log-fixtures.ts';

export interface Rec {
  offset: number;
  key: string | null;
  value: string | null;
  timestampMs: number;
}

export const compactConfig = (over: Partial<PartitionLogConfig> = {}): PartitionLogConfig => logConfig({ segmentBytes: 400, segmentMs: Number.MAX_SAFE_INTEGER, cleanupPolicy: 'compact', ...over });

/** One batch of [key, value] pairs (null key / null value allowed) stamped `timestampMs`. */
export function kvBatch(entries: readonly (readonly [string | null, string | null])[], timestampMs: number, compression = 0): Uint8Array {
  return encodeBatch(
    entries.map(([k, v]) => ({ key: k === null ? null : Buffer.from(k), value: v === null ? null : Buffer.from(v), timestampMs })),
    { timestampMs, compression },
  );
}

const str = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString());

/** Every record at or after `from`, checking each batch's CRC; continues after each whole batch. */
export async function readRecords(log: PartitionLog, from = log.logStartOffset): Promise<Rec[]> {
  const out: Rec[] = [];
  let offset = from;
  while (offset < log.highWatermark) {
    const r = await log.read(offset, 4096);
    if (r.bytes.length === 0) break;
    let pos = 0;
    while (pos < r.bytes.length) {
      const v = validateBatch(r.bytes, pos, { bytesMax: limits.batchBytesMax });
      assert.ok(v.ok, `batch at ${pos} of a read from ${offset} is invalid`);
      const recs = decodeRecords(r.bytes, pos, { decompressedBytesMax: limits.decompressedBytesMax });
      assert.ok(recs.ok);
      if (!v.value.isControl) {
        for (const rec of recs.value) {
          if (rec.offset >= offset) out.push({ offset: rec.offset, key: str(rec.key), value: str(rec.value), timestampMs: rec.timestampMs });
        }
      }
      offset = Math.max(offset, v.value.baseOffset + v.value.lastOffsetDelta + 1);
      pos += v.value.batchLength + 12;
    }
  }
  return out;
}

/** What compaction keeps of `records` given the base offset of the active segment. */
export function expectedAfterCompaction(records: readonly Rec[], activeBaseOffset: number, nowMs: number, deleteRetentionMs: number): Rec[] {
  const newest = new Map<string, number>();
  for (const r of records) if (r.key !== null) newest.set(r.key, r.offset);
  return records.filter(
    (r) => r.offset >= activeBaseOffset || r.key === null || (newest.get(r.key) === r.offset && (r.value !== null || nowMs - r.timestampMs < deleteRetentionMs)),
  );
}

/** The map a reader replaying `records` ends with (null value: delete). */
export function replay(records: readonly Rec[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of records) {
    if (r.key === null) continue;
    if (r.value === null) m.delete(r.key);
    else m.set(r.key, r.value);
  }
  return m;
}

export async function segmentBases(io: FileIO, dir: string): Promise<number[]> {
  return parseSegmentNames(await io.list(dir));
}

/** Wraps a FileIO: counts calls (handles included); at call `crashAt` runs `onCrash` and fails from then on. */
export class CrashingIO implements FileIO {
  calls = 0;
  crashAt = Infinity;
  crashed = false;
  readonly #io: FileIO;
  readonly #onCrash: () => void;

  constructor(io: FileIO, onCrash: () => void) {
    this.#io = io;
    this.#onCrash = onCrash;
  }

  #tick(): void {
    if (!this.crashed && ++this.calls >= this.crashAt) {
      this.crashed = true;
      this.#onCrash();
    }
    if (this.crashed) throw new Error('simulated power loss');
  }

  #wrap(h: FileHandle): FileHandle {
    const t = () => this.#tick();
    return {
      read: async (buf, offset, length, position) => (t(), h.read(buf, offset, length, position)),
      writev: async (buffers, position) => (t(), h.writev(buffers, position)),
      datasync: async () => (t(), h.datasync()),
      truncate: async (length) => (t(), h.truncate(length)),
      size: async () => (t(), h.size()),
      close: async () => (t(), h.close()),
    };
  }

  async open(path: string, options: { create: boolean }): Promise<FileHandle> {
    this.#tick();
    return this.#wrap(await this.#io.open(path, options));
  }
  readFile = async (path: string) => (this.#tick(), this.#io.readFile(path));
  list = async (dir: string) => (this.#tick(), this.#io.list(dir));
  mkdir = async (dir: string) => (this.#tick(), this.#io.mkdir(dir));
  fsyncDir = async (dir: string) => (this.#tick(), this.#io.fsyncDir(dir));
  rename = async (from: string, to: string) => (this.#tick(), this.#io.rename(from, to));
  unlink = async (path: string) => (this.#tick(), this.#io.unlink(path));
  rmdir = async (dir: string) => (this.#tick(), this.#io.rmdir(dir));
  exists = async (path: string) => (this.#tick(), this.#io.exists(path));
  freeBytes = async (path: string) => (this.#tick(), this.#io.freeBytes(path));
}
