// Shared by the log's tests: a partition log configuration with test-friendly defaults, and the
// per-directory state a PartitionLog is opened with (its own tail cache of the default size).

import { limits } from '../limits.ts';
import type { DirState, PartitionLogConfig } from '../log/partition-log.ts';
import { TailCache } from '../log/tail-cache.ts';

export const logConfig = (over: Partial<PartitionLogConfig> = {}): PartitionLogConfig => ({
  segmentBytes: 1024 * 1024,
  segmentMs: 3_600_000,
  fsync: { kind: 'always' },
  retentionMs: -1,
  retentionBytes: -1,
  maxMessageBytes: 1024 * 1024,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 86_400_000,
  ...over,
});

export const dirState = (tailCacheBytes: number = limits.tailCacheBytes): DirState => ({ failed: null, diskFull: false, onFatal() {}, tailCache: new TailCache(tailCacheBytes) });
