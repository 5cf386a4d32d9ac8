// One data directory: its lock, the partition logs in it, the shared failed / disk-full state, the
// free-space monitor, the retention and compaction timers. Partition directories are `<topic>-<partition>`.
// Invariant: after an fdatasync failure the directory stays failed until restart (fsyncgate): no
// append is acknowledged, reads continue, health reports not ready.

import { dirname, join } from 'node:path';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { systemClock, type Clock, type Timer } from './clock.ts';
import type { CompactionStats } from './compaction.ts';
import type { FileIO } from './file-io.ts';
import { NodeFileIO } from './node-file-io.ts';
import { PartitionLog, type DirState, type PartitionLogConfig } from './partition-log.ts';
import { TailCache } from './tail-cache.ts';

export interface LogManagerOptions {
  dataDir: string;
  io?: FileIO;
  clock?: Clock;
  /** Produce is refused while free space is below this many bytes. */
  freeBytesFloor?: number;
  /** How often free space is checked. */
  diskCheckIntervalMs?: number;
  /** How often retention runs over every partition (Kafka log.retention.check.interval.ms). */
  retentionCheckIntervalMs?: number;
  /** How often partitions with cleanup.policy=compact are compacted (Kafka log.cleaner.backoff.ms). */
  compactionCheckIntervalMs?: number;
  onEvent?: (event: LogEvent) => void;
  /** Bytes of the newest batches kept in memory for readers at the tail (0: none); default limits.tailCacheBytes. */
  tailCacheBytes?: number;
}

export type LogEvent =
  | { type: 'partition_recovered'; partition: string; scannedSegments: number; truncatedBytes: number }
  | { type: 'partition_offline'; partition: string; error: EddyError }
  | { type: 'dir_failed'; error: EddyError }
  | { type: 'disk_full'; freeBytes: number }
  | { type: 'disk_ok'; freeBytes: number }
  | { type: 'retention'; partition: string; deletedSegments: number }
  | ({ type: 'compaction'; partition: string } & CompactionStats)
  | { type: 'compaction_failed'; partition: string; error: Error };

export const defaultFreeBytesFloor = 64 * 1024 * 1024;

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class LogManager {
  readonly dataDir: string;
  readonly io: FileIO;
  readonly clock: Clock;
  readonly dirState: DirState;
  readonly freeBytesFloor: number;
  #logs = new Map<string, PartitionLog>();
  #offline = new Map<string, EddyError>();
  #timers: Timer[] = [];
  #closed = false;
  #onEvent: (event: LogEvent) => void;
  #diskCheckIntervalMs: number;
  #retentionCheckIntervalMs: number;
  #compactionCheckIntervalMs: number;

  private constructor(options: LogManagerOptions, io: FileIO, clock: Clock) {
    this.dataDir = options.dataDir;
    this.io = io;
    this.clock = clock;
    this.freeBytesFloor = options.freeBytesFloor ?? defaultFreeBytesFloor;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#diskCheckIntervalMs = options.diskCheckIntervalMs ?? 1000;
    this.#retentionCheckIntervalMs = options.retentionCheckIntervalMs ?? 30_000;
    this.#compactionCheckIntervalMs = options.compactionCheckIntervalMs ?? 15_000;
    this.dirState = {
      failed: null,
      diskFull: false,
      onFatal: (error) => this.#onEvent({ type: 'dir_failed', error }),
      tailCache: new TailCache(options.tailCacheBytes ?? limits.tailCacheBytes),
    };
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const io = options.io ?? new NodeFileIO();
    const m = new LogManager(options, io, options.clock ?? systemClock);
    if (!(await io.exists(options.dataDir))) {
      await io.mkdir(options.dataDir);
      await io.fsyncDir(dirname(options.dataDir));
    }
    await m.checkDiskSpace();
    m.every(m.#diskCheckIntervalMs, () => m.checkDiskSpace());
    m.every(m.#retentionCheckIntervalMs, () => m.applyRetention());
    m.every(m.#compactionCheckIntervalMs, () => m.compact());
    return m;
  }

  /** Runs `fn` every `intervalMs` of clock time (after the previous run settles) until close. */
  every(intervalMs: number, fn: () => Promise<unknown>): void {
    const tick = () => {
      if (this.#closed) return;
      void fn()
        .catch(() => {})
        .finally(() => {
          if (!this.#closed) this.#timers.push(this.clock.setTimer(intervalMs, tick));
        });
    };
    this.#timers.push(this.clock.setTimer(intervalMs, tick));
  }

  /** Names of partition directories present on disk (`<topic>-<partition>`). */
  async listPartitionDirs(): Promise<string[]> {
    const names = await this.io.list(this.dataDir);
    return names.filter((n) => /^.+-\d+$/.test(n));
  }

  /** Opens (recovering) or creates a partition; a corrupt one is recorded offline and throws. */
  async openPartition(topic: string, partition: number, config: PartitionLogConfig): Promise<PartitionLog> {
    const name = partitionDirName(topic, partition);
    const existing = this.#logs.get(name);
    if (existing) return existing;
    try {
      const log = await PartitionLog.open({ io: this.io, dir: join(this.dataDir, name), clock: this.clock, config, dirState: this.dirState });
      this.#logs.set(name, log);
      this.#offline.delete(name);
      if (log.recovery.scannedSegments > 0) {
        this.#onEvent({ type: 'partition_recovered', partition: name, scannedSegments: log.recovery.scannedSegments, truncatedBytes: log.recovery.truncatedBytes });
      }
      return log;
    } catch (e) {
      const err = e instanceof EddyError ? e : new EddyError('log.io_error', `cannot open ${name}: ${(e as Error).message}`);
      this.#offline.set(name, err);
      this.#onEvent({ type: 'partition_offline', partition: name, error: err });
      throw err;
    }
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.#logs.get(partitionDirName(topic, partition));
  }

  /** The error that keeps a partition offline, if any. */
  offlineError(topic: string, partition: number): EddyError | undefined {
    return this.#offline.get(partitionDirName(topic, partition));
  }

  get offlinePartitions(): ReadonlyMap<string, EddyError> {
    return this.#offline;
  }

  /** Closes and removes a partition directory, then makes the removal durable. */
  async deletePartition(topic: string, partition: number): Promise<void> {
    const name = partitionDirName(topic, partition);
    const log = this.#logs.get(name);
    this.#logs.delete(name);
    this.#offline.delete(name);
    await log?.abandon();
    await this.io.rmdir(join(this.dataDir, name));
    await this.io.fsyncDir(this.dataDir);
  }

  async checkDiskSpace(): Promise<void> {
    const free = await this.io.freeBytes(this.dataDir);
    const full = free < this.freeBytesFloor;
    if (full !== this.dirState.diskFull) {
      this.dirState.diskFull = full;
      this.#onEvent(full ? { type: 'disk_full', freeBytes: free } : { type: 'disk_ok', freeBytes: free });
    }
  }

  async applyRetention(): Promise<void> {
    const now = this.clock.now();
    for (const [name, log] of this.#logs) {
      const deleted = await log.applyRetention(now);
      if (deleted > 0) this.#onEvent({ type: 'retention', partition: name, deletedSegments: deleted });
    }
  }

  /** Compacts every partition whose cleanup.policy is compact; one failing does not stop the others. */
  async compact(): Promise<void> {
    for (const [name, log] of this.#logs) {
      if (log.config.cleanupPolicy !== 'compact' || this.dirState.failed || this.#closed) continue;
      try {
        const stats = await log.compact(this.clock.now(), { deleteRetentionMs: log.config.deleteRetentionMs });
        if (stats.segmentsRewritten > 0) this.#onEvent({ type: 'compaction', partition: name, ...stats });
      } catch (e) {
        this.#onEvent({ type: 'compaction_failed', partition: name, error: e as Error });
      }
    }
  }

  get ready(): boolean {
    return !this.dirState.failed && !this.#closed;
  }

  /** Clean shutdown: every partition flushed, synced and indexed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    await Promise.all([...this.#logs.values()].map((l) => l.close()));
    this.#logs.clear();
  }

  /** Drops everything without syncing (tests that simulate a crash). */
  async abandon(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    await Promise.all([...this.#logs.values()].map((l) => l.abandon()));
    this.#logs.clear();
  }
}
