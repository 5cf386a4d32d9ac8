// The log of one partition: a directory of segments, appends with group commit, reads by offset and
// timestamp, long-poll waits, roll and retention. Invariants: offsets are assigned in append order and
// never reused; under fsync=always the high watermark (what readers may see and what an append's
// promise reports) never passes the last fdatasync; a failed write leaves no bytes behind it.

import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import type { Clock, Timer } from './clock.ts';
import { compactLog, type CompactionStats } from './compaction.ts';
import { decodeRecords, setBaseOffset, validateBatch, type BatchHeader } from './codec/record-batch.ts';
import type { FileIO } from './file-io.ts';
import { readLogStartCheckpoint, writeLogStartCheckpoint } from './log-start-checkpoint.ts';
import { parseSegmentNames, Segment, type OpenResult } from './segment.ts';
import { recoverSwaps } from './segment-swap.ts';
import type { PartitionTail, TailCache } from './tail-cache.ts';
import type { ReadAllocator } from './read-pool.ts';

export type FsyncPolicy = { readonly kind: 'always' } | { readonly kind: 'interval'; readonly intervalMs: number } | { readonly kind: 'never' };

export interface PartitionLogConfig {
  segmentBytes: number;
  /** Roll the active segment when its first append is older than this (Kafka segment.ms). */
  segmentMs: number;
  fsync: FsyncPolicy;
  /** -1: keep forever. */
  retentionMs: number;
  /** -1: no size limit. */
  retentionBytes: number;
  /** Largest record batch accepted (Kafka max.message.bytes). */
  maxMessageBytes: number;
  /** Kafka cleanup.policy: 'delete' applies retentionMs/retentionBytes, 'compact' keeps the newest record per key. */
  cleanupPolicy: 'delete' | 'compact';
  /** Compaction removes tombstones older than this (Kafka delete.retention.ms). */
  deleteRetentionMs: number;
}

/** State shared by every partition of one data directory. */
export interface DirState {
  /** Set after an fdatasync failure: the directory is failed and nothing is acknowledged any more. */
  failed: EddyError | null;
  /** Set while free space is below the floor: appends are refused, reads continue. */
  diskFull: boolean;
  /** Called once when a partition hits a fatal I/O error. */
  onFatal(error: EddyError): void;
  /** Observes how long each group commit's trip to the disk took (durable write or fdatasync), in seconds. */
  onSync?: (seconds: number) => void;
  /** The newest batches of every partition's active segment, served to readers at the tail. */
  tailCache: TailCache;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
}

export interface ReadResult {
  /** Whole batches, concatenated; the first may start before the offset asked for. */
  bytes: Buffer;
  highWatermark: number;
  logStartOffset: number;
}

export interface RecoveryReport {
  segments: number;
  scannedSegments: number;
  truncatedBytes: number;
}

interface Pending {
  batch: Uint8Array;
  header: BatchHeader;
  resolve(r: AppendResult): void;
  reject(e: Error): void;
}

interface Waiter {
  offset: number;
  /** Called once: true when the high watermark passed `offset`, false when the log closed. */
  wake(arrived: boolean): void;
}

const noop = () => {};

export class PartitionLog {
  readonly dir: string;
  readonly io: FileIO;
  readonly clock: Clock;
  #config: PartitionLogConfig;
  readonly dirState: DirState;
  readonly recovery: RecoveryReport;
  #segments: Segment[];
  /** Offset the next batch will get. */
  #nextOffset: number;
  /** Readers see offsets below this. */
  #highWatermark: number;
  /** Bytes of the active segment readers may see. */
  #readablePosition: number;
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;
  #waiters = new Set<Waiter>();
  #syncTimer: Timer | null = null;
  #unsynced = false;
  #closed = false;
  /** The compaction run in progress, if any (one at a time; retention skips its turn meanwhile). */
  #compacting: Promise<CompactionStats> | null = null;
  /** Segments compaction replaced; their handles close at the next run or at close. */
  #retired: Segment[] = [];
  /** Records below this were deleted (DeleteRecords); persisted in the `log-start-offset` checkpoint. */
  #deletedBefore = 0;
  /** deleteRecordsBefore() calls, one at a time. */
  #deleting: Promise<unknown> = Promise.resolve();
  /** This partition's batches in the tail cache: the end of the active segment. */
  readonly #tail: PartitionTail;

  private constructor(io: FileIO, dir: string, clock: Clock, config: PartitionLogConfig, dirState: DirState, segments: Segment[], recovery: RecoveryReport) {
    this.io = io;
    this.dir = dir;
    this.clock = clock;
    this.#config = config;
    this.dirState = dirState;
    this.#segments = segments;
    this.recovery = recovery;
    const active = segments[segments.length - 1]!;
    this.#nextOffset = active.nextOffset;
    this.#highWatermark = active.nextOffset;
    this.#readablePosition = active.size;
    this.#tail = dirState.tailCache.partition();
    this.#scheduleSync();
  }

  /** Opens (recovering as needed) or creates the partition directory. Throws `log.segment_corrupt`. */
  static async open(options: { io: FileIO; dir: string; clock: Clock; config: PartitionLogConfig; dirState: DirState }): Promise<PartitionLog> {
    const { io, dir } = options;
    const existed = await io.exists(dir);
    if (!existed) {
      await io.mkdir(dir);
      await io.fsyncDir(parentOf(dir));
    }
    if (existed) await recoverSwaps(io, dir);
    const bases = parseSegmentNames(await io.list(dir));
    const segments: Segment[] = [];
    const report: RecoveryReport = { segments: 0, scannedSegments: 0, truncatedBytes: 0 };
    try {
      for (let i = 0; i < bases.length; i++) {
        const r: OpenResult = await Segment.open(io, dir, bases[i]!, { last: i === bases.length - 1 });
        const prev = segments[segments.length - 1];
        if (prev && prev.nextOffset > r.segment.baseOffset) {
          await r.segment.close();
          throw new EddyError('log.segment_corrupt', `segment ${r.segment.path('.log')} starts at ${r.segment.baseOffset} but the previous one ends at ${prev.nextOffset}`, {
            file: r.segment.path('.log'),
            position: 0,
          });
        }
        segments.push(r.segment);
        if (r.recovery !== 'clean') report.scannedSegments++;
        report.truncatedBytes += r.truncatedBytes;
      }
      if (segments.length === 0) segments.push(await Segment.create(io, dir, 0));
      await segments[segments.length - 1]!.removeIndexes();
    } catch (e) {
      await Promise.all(segments.map((s) => s.close().catch(() => {})));
      throw e;
    }
    report.segments = segments.length;
    const log = new PartitionLog(io, dir, options.clock, options.config, options.dirState, segments, report);
    // Never above the log end offset (a checkpoint can outlive unsynced data under fsync=never).
    log.#deletedBefore = Math.min((existed ? await readLogStartCheckpoint(io, dir) : null) ?? 0, log.#nextOffset);
    return log;
  }

  get logStartOffset(): number {
    return Math.max(this.#segments[0]!.baseOffset, this.#deletedBefore);
  }
  get logEndOffset(): number {
    return this.#nextOffset;
  }
  get highWatermark(): number {
    return this.#highWatermark;
  }
  get sizeBytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.size;
    return n;
  }
  get segmentCount(): number {
    return this.#segments.length;
  }

  /**
   * Appends one record batch (this log takes ownership of the buffer and writes its base offset).
   * Resolves after the batch is durable under fsync=always, after the write otherwise.
   */
  append(batch: Uint8Array): Promise<AppendResult> {
    const refusal = this.#refusal();
    if (refusal) return Promise.reject(refusal);
    const v = validateBatch(batch, 0, { bytesMax: limits.batchBytesMax });
    if (!v.ok) return Promise.reject(new EddyError('batch.corrupt', `invalid record batch: ${v.error.message}`, { reason: v.error.code }));
    const total = v.value.batchLength + 12;
    if (total !== batch.byteLength) return Promise.reject(new EddyError('batch.corrupt', `expected exactly one batch of ${batch.byteLength} bytes, found one of ${total}`));
    if (total > this.config.maxMessageBytes) {
      return Promise.reject(new EddyError('event.too_large', `record batch of ${total} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`, { bytes: total, maxMessageBytes: this.config.maxMessageBytes }));
    }
    if (this.#pending.length >= limits.pendingAppendsMax) return Promise.reject(new EddyError('log.io_error', 'too many appends waiting for the disk; retry'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.#pending.push({ batch, header: v.value, resolve, reject });
      if (!this.#flushing) this.#flushing = this.#flushLoop();
    });
  }

  #refusal(): EddyError | null {
    if (this.#closed) return new EddyError('log.closed', 'log is closed');
    if (this.dirState.failed) return this.dirState.failed;
    if (this.dirState.diskFull) return new EddyError('log.disk_full', 'free disk space is below the floor; produce refused until space returns');
    return null;
  }

  async #flushLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending;
        this.#pending = [];
        const refusal = this.#refusal();
        if (refusal && !this.#closed) {
          for (const p of group) p.reject(refusal);
          continue;
        }
        await this.#writeGroup(group);
      }
    } finally {
      this.#flushing = null;
    }
  }

  /** Group commit: one writev and (under fsync=always) one fdatasync for every batch waiting. */
  async #writeGroup(group: Pending[]): Promise<void> {
    let i = 0;
    while (i < group.length) {
      let active = this.#active();
      try {
        active = await this.#maybeRoll(active, group[i]!.batch.byteLength);
      } catch (e) {
        this.#failAll(group.slice(i), this.#ioError(e, 'roll segment'));
        return;
      }
      let j = i;
      let bytes = 0;
      while (j < group.length && (j === i || active.size + bytes + group[j]!.batch.byteLength <= this.config.segmentBytes)) {
        bytes += group[j]!.batch.byteLength;
        j++;
      }
      const slice = group.slice(i, j);
      const startSize = active.size;
      const startOffset = this.#nextOffset;
      let next = startOffset;
      const results: AppendResult[] = [];
      for (const p of slice) {
        setBaseOffset(p.batch, 0, next);
        p.header.baseOffset = next;
        results.push({ baseOffset: next, lastOffset: next + p.header.lastOffsetDelta });
        next += p.header.lastOffsetDelta + 1;
      }
      const durable = this.config.fsync.kind === 'always';
      if (durable && this.#unsynced) {
        // The policy just became fsync=always: what earlier writes left unsynced goes first.
        try {
          await this.sync();
        } catch {
          this.#failAll(group.slice(i), this.dirState.failed ?? new EddyError('log.fsync_failed', 'fdatasync failed'));
          return;
        }
      }
      const startedAt = durable ? performance.now() : 0;
      try {
        // Under fsync=always the write itself is durable (O_DSYNC): one trip to the disk, not two.
        await active.append(
          slice.map((p) => p.batch),
          slice.map((p) => p.header),
          this.clock.now(),
          { durable },
        );
        if (durable) this.dirState.onSync?.((performance.now() - startedAt) / 1000);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (durable && code !== 'ENOSPC' && code !== 'EDQUOT') {
          // The failure may come from the sync half of the write: what the page cache holds can no
          // longer be trusted to reach the disk, exactly as after a failed fdatasync.
          const err = new EddyError('log.fsync_failed', `durable write failed on ${active.path('.log')}: ${(e as Error).message}; data directory failed`);
          this.#fatal(err);
          this.#failAll(group.slice(i), err);
          return;
        }
        const err = this.#ioError(e, 'write');
        try {
          await active.truncateTo(startSize, startOffset);
        } catch (e2) {
          this.#fatal(this.#ioError(e2, 'truncate after failed write'));
        }
        this.#failAll(group.slice(i), err);
        return;
      }
      this.#nextOffset = next;
      if (!durable) this.#unsynced = true;
      this.#readablePosition = active.size;
      for (let k = 0; k < slice.length; k++) this.#tail.add(slice[k]!.batch, results[k]!.baseOffset, results[k]!.lastOffset + 1);
      this.#advanceHighWatermark(next);
      for (let k = 0; k < slice.length; k++) slice[k]!.resolve(results[k]!);
      i = j;
    }
  }

  #active(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  async #maybeRoll(active: Segment, incomingBytes: number): Promise<Segment> {
    if (active.size === 0) return active;
    const full = active.size + incomingBytes > this.config.segmentBytes;
    const old = active.firstAppendMs !== null && this.clock.now() - active.firstAppendMs >= this.config.segmentMs;
    if (!full && !old) return active;
    await active.handle.datasync();
    await active.writeIndexes();
    const seg = await Segment.create(this.io, this.dir, active.nextOffset);
    this.#segments.push(seg);
    this.#readablePosition = 0;
    this.#tail.clear();
    return seg;
  }

  #advanceHighWatermark(offset: number): void {
    this.#highWatermark = offset;
    for (const w of this.#waiters) {
      if (w.offset >= offset) continue;
      this.#waiters.delete(w); // deleting the entry being visited is safe in a Set's for-of
      w.wake(true);
    }
  }

  #failAll(pending: Pending[], err: Error): void {
    for (const p of pending) p.reject(err);
    // Appends queued behind a failed group would get offsets computed from a state that may change.
    const queued = this.#pending;
    this.#pending = [];
    for (const p of queued) p.reject(err);
  }

  #ioError(e: unknown, what: string): EddyError {
    if (e instanceof EddyError) return e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') return new EddyError('log.disk_full', `no space left on device during ${what} in ${this.dir}`);
    return new EddyError('log.io_error', `${what} failed in ${this.dir}: ${(e as Error).message}`);
  }

  #fatal(err: EddyError): void {
    if (!this.dirState.failed) {
      this.dirState.failed = err;
      this.dirState.onFatal(err);
    }
  }

  get config(): PartitionLogConfig {
    return this.#config;
  }

  /** A new configuration (AlterConfigs): the interval sync timer follows the fsync policy. */
  set config(config: PartitionLogConfig) {
    this.#config = config;
    this.#scheduleSync();
  }

  #scheduleSync(): void {
    this.#syncTimer?.cancel();
    this.#syncTimer = null;
    const policy = this.config.fsync;
    if (policy.kind !== 'interval' || this.#closed) return;
    this.#syncTimer = this.clock.setTimer(policy.intervalMs, () => {
      void this.sync()
        .catch(() => {})
        .finally(() => this.#scheduleSync());
    });
  }

  /** fdatasyncs the active segment when it has unsynced writes (interval policy, close). */
  async sync(): Promise<void> {
    if (!this.#unsynced || this.dirState.failed) return;
    this.#unsynced = false;
    const active = this.#active();
    try {
      const startedAt = performance.now();
      await active.handle.datasync();
      this.dirState.onSync?.((performance.now() - startedAt) / 1000);
    } catch (e) {
      this.#fatal(new EddyError('log.fsync_failed', `fdatasync failed on ${active.path('.log')}: ${(e as Error).message}; data directory failed`));
      throw e;
    }
  }

  /**
   * Reads whole batches starting with the one that holds `offset`, at most ~maxBytes (at least one
   * batch). Bytes read from a file come from `alloc` when given (the caller releases them to it).
   */
  async read(offset: number, maxBytes: number, alloc?: ReadAllocator): Promise<ReadResult> {
    const hw = this.#highWatermark;
    const start = this.logStartOffset;
    if (!Number.isSafeInteger(offset) || offset < start || offset > hw) {
      throw new EddyError('offset.out_of_range', `offset ${offset} is outside [${start}, ${hw}]`, { logStartOffset: start, highWatermark: hw });
    }
    const empty = { bytes: Buffer.alloc(0), highWatermark: hw, logStartOffset: start };
    if (offset === hw) return empty;
    const cached = this.#tail.read(offset, maxBytes);
    if (cached) return { bytes: cached, highWatermark: hw, logStartOffset: start };
    const segments = this.#segments;
    for (let i = findSegment(segments, offset); i < segments.length; i++) {
      const seg = segments[i]!;
      const end = i === segments.length - 1 ? this.#readablePosition : seg.size;
      const at = await seg.locate(offset, end);
      if (at.position >= end) continue;
      const r = await seg.read(at.position, maxBytes, end, { alloc, firstBatchBytes: at.batchBytes });
      return { bytes: r.bytes, highWatermark: hw, logStartOffset: start };
    }
    return empty;
  }

  /**
   * Resolves true once the high watermark passes `offset`, false after `timeoutMs` (clock time) or
   * when the signal aborts or the log closes.
   */
  waitFor(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return waitForAdvance(this.clock, [{ log: this, offset }], timeoutMs, signal);
  }

  /** Waits (long polls, subscription reads) registered on this log now. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Calls `wake(true)` once the high watermark passes `offset` (at once when it already has), or
   * `wake(false)` when the log closes; returns what cancels the wait. No timer and no signal: for a
   * caller that watches several partitions under one deadline of its own.
   */
  onAdvance(offset: number, wake: (arrived: boolean) => void): () => void {
    if (this.#highWatermark > offset || this.#closed) {
      wake(!this.#closed);
      return noop;
    }
    const w: Waiter = { offset, wake };
    this.#waiters.add(w);
    return () => this.#waiters.delete(w);
  }

  #releaseWaiters(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.wake(false);
  }

  /** Offset of the first record with timestamp >= `timestampMs`, or null when there is none. */
  async offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestampMs: number } | null> {
    const segments = this.#segments;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (seg.maxTimestamp < timestampMs) continue;
      const end = i === segments.length - 1 ? this.#readablePosition : seg.size;
      const found = await seg.locateTimestamp(timestampMs, end);
      if (!found) continue;
      // One batch at a time from the first candidate (later ones matter when deleted records hid its matches).
      for (let pos = found.position; pos < end; ) {
        const r = await seg.read(pos, 1, end, pos === found.position ? { firstBatchBytes: found.header.batchLength + 12 } : {});
        if (r.bytes.length === 0) break;
        if (Number(r.bytes.readBigInt64BE(35)) >= timestampMs) {
          const recs = decodeRecords(r.bytes, 0, { decompressedBytesMax: limits.decompressedBytesMax });
          if (!recs.ok) throw new EddyError('log.io_error', `cannot decode batch at ${seg.path('.log')}:${pos}: ${recs.error.message}`);
          for (const rec of recs.value) {
            if (rec.timestampMs >= timestampMs && rec.offset >= this.logStartOffset && rec.offset < this.#highWatermark) return { offset: rec.offset, timestampMs: rec.timestampMs };
          }
        }
        pos += r.bytes.length;
      }
    }
    return null;
  }

  /**
   * Deletes whole closed segments that lie wholly below the log start offset (DeleteRecords), or,
   * under cleanup.policy=delete, are past retention.ms (by their largest timestamp) or bring the
   * partition over retention.bytes. The active segment is never deleted.
   */
  async applyRetention(nowMs: number): Promise<number> {
    if (this.#compacting) return 0;
    const byAge = this.config.cleanupPolicy !== 'compact';
    const { retentionMs, retentionBytes } = this.config;
    let total = this.sizeBytes;
    const doomed: Segment[] = [];
    for (let i = 0; i < this.#segments.length - 1; i++) {
      const seg = this.#segments[i]!;
      const deleted = this.#segments[i + 1]!.baseOffset <= this.#deletedBefore;
      const expired = byAge && retentionMs >= 0 && seg.maxTimestamp >= 0 && seg.maxTimestamp < nowMs - retentionMs;
      const oversize = byAge && retentionBytes >= 0 && total - seg.size >= retentionBytes;
      if (!deleted && !expired && !oversize) break;
      doomed.push(seg);
      total -= seg.size;
    }
    if (doomed.length === 0) return 0;
    this.#segments = this.#segments.slice(doomed.length);
    for (const seg of doomed) await seg.delete();
    await this.io.fsyncDir(this.dir);
    return doomed.length;
  }

  /**
   * Kafka DeleteRecords: raises the log start offset to `offset` (-1: the high watermark), durably
   * (log-start-checkpoint.ts) before anything changes in memory, then deletes the closed segments wholly
   * below it. Reads below it then get offset.out_of_range. A lower offset than the current start changes
   * nothing. Resolves to the log start offset (Kafka's low watermark).
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    const refusal = this.#closed ? new EddyError('log.closed', 'log is closed') : this.dirState.failed;
    if (refusal) return Promise.reject(refusal);
    const target = offset === -1 ? this.#highWatermark : offset;
    if (!Number.isSafeInteger(target) || target < 0 || target > this.#highWatermark) {
      return Promise.reject(new EddyError('offset.out_of_range', `offset ${offset} is outside [0, ${this.#highWatermark}]`, { highWatermark: this.#highWatermark }));
    }
    const run = this.#deleting.then(async () => {
      if (target <= this.logStartOffset) return this.logStartOffset;
      try {
        await writeLogStartCheckpoint(this.io, this.dir, target);
      } catch (e) {
        throw this.#ioError(e, 'write the log-start-offset checkpoint');
      }
      this.#deletedBefore = target;
      await this.applyRetention(this.clock.now());
      return this.logStartOffset;
    });
    this.#deleting = run.catch(() => {});
    return run;
  }

  /** Waits for pending appends, syncs, writes the active segment's indexes (a clean close), closes files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#flushing) await this.#flushing;
    while (this.#compacting) await this.#compacting.catch(() => {});
    await this.#deleting;
    this.#closed = true;
    this.#syncTimer?.cancel();
    this.#tail.clear();
    this.#releaseWaiters();
    try {
      if (!this.dirState.failed) {
        const active = this.#active();
        await active.handle.datasync();
        await active.writeIndexes();
      }
    } finally {
      await Promise.all([...this.#segments, ...this.#retired].map((s) => s.close().catch(() => {})));
    }
  }

  /** Closes without syncing or writing indexes (simulated crash in tests, or a failed directory). */
  async abandon(): Promise<void> {
    this.#closed = true;
    this.#syncTimer?.cancel();
    this.#tail.clear();
    this.#releaseWaiters();
    await Promise.all([...this.#segments, ...this.#retired].map((s) => s.close().catch(() => {})));
  }

  /**
   * Compacts the closed segments (see compaction.ts): the newest record per key survives, tombstones
   * older than deleteRetentionMs go. Offsets and the log end offset never change. One run at a time.
   */
  compact(nowMs: number, options: { deleteRetentionMs: number }): Promise<CompactionStats> {
    const refusal = this.#closed ? new EddyError('log.closed', 'log is closed') : this.dirState.failed;
    if (refusal) return Promise.reject(refusal);
    if (this.#compacting) return this.#compacting;
    const run = this.#compact(nowMs, options.deleteRetentionMs).finally(() => {
      this.#compacting = null;
    });
    this.#compacting = run;
    return run;
  }

  async #compact(nowMs: number, deleteRetentionMs: number): Promise<CompactionStats> {
    for (const s of this.#retired.splice(0)) await s.retire();
    const segments = this.#segments;
    const target = {
      io: this.io,
      dir: this.dir,
      closed: segments.slice(0, -1),
      active: segments[segments.length - 1]!,
      activeEndPosition: this.#readablePosition,
      replace: (old: Segment, fresh: Segment) => {
        if (!this.#segments.includes(old)) throw new Error(`compaction replaced ${old.path('.log')}, which the log no longer holds`);
        this.#segments = this.#segments.map((s) => (s === old ? fresh : s));
        this.#retired.push(old);
      },
    };
    return compactLog(target, { nowMs, deleteRetentionMs });
  }
}

/**
 * Resolves true once any watched log's high watermark passes its offset, false after `timeoutMs`
 * (clock time), when the signal aborts, or when a watched log closes first. One timer and one abort
 * listener however many logs are watched (a long poll over several partitions).
 */
export function waitForAdvance(clock: Clock, watches: readonly { log: PartitionLog; offset: number }[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  if (watches.some((w) => w.log.highWatermark > w.offset)) return Promise.resolve(true);
  if (timeoutMs <= 0 || signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const cancels: (() => void)[] = [];
    const done = (arrived: boolean) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      for (const cancel of cancels) cancel();
      resolve(arrived);
    };
    const onAbort = () => done(false);
    const timer = clock.setTimer(timeoutMs, () => done(false));
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const w of watches) {
      const cancel = w.log.onAdvance(w.offset, done); // may settle at once (a closed log)
      if (settled) break;
      cancels.push(cancel);
    }
  });
}

function findSegment(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function parentOf(dir: string): string {
  const i = dir.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : dir.slice(0, i);
}
