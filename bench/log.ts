// Log layer, in process, fsync=always: append 100-byte records in batches of 1000 with several
// concurrent appenders (group commit), then read everything back. Prints one JSON line per run.
// Usage: node --import tsx bench/log.ts [records=2000000] [appenders=8]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/log/clock.ts';
import { encodeBatch } from '../src/log/codec/record-batch.ts';
import { NodeFileIO } from '../src/log/node-file-io.ts';
import { limits } from '../src/limits.ts';
import { TailCache } from '../src/log/tail-cache.ts';
import { PartitionLog } from '../src/log/partition-log.ts';

const records = Number(process.argv[2] ?? 2_000_000);
const appenders = Number(process.argv[3] ?? 8);
const perBatch = 1000;
const dir = await mkdtemp(join(tmpdir(), 'eddy-bench-'));
try {
  const log = await PartitionLog.open({
    io: new NodeFileIO(),
    dir: join(dir, 'bench-0'),
    clock: systemClock,
    config: { segmentBytes: 1024 * 1024 * 1024, segmentMs: 1e15, fsync: { kind: 'always' }, retentionMs: -1, retentionBytes: -1, maxMessageBytes: 16 * 1024 * 1024, cleanupPolicy: 'delete', deleteRetentionMs: 86_400_000 },
    dirState: { failed: null, diskFull: false, onFatal() {}, tailCache: new TailCache(limits.tailCacheBytes) },
  });
  const value = Buffer.alloc(100, 0x61);
  const template = Array.from({ length: perBatch }, () => ({ key: null, value }));
  const batches = records / perBatch;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (next < batches) {
        next++;
        await log.append(encodeBatch(template, { timestampMs: Date.now() }));
      }
    }),
  );
  const t1 = performance.now();
  let offset = 0;
  let bytes = 0;
  while (offset < log.highWatermark) {
    const r = await log.read(offset, 4 * 1024 * 1024);
    bytes += r.bytes.length;
    let pos = 0;
    while (pos < r.bytes.length) {
      const last = Number(r.bytes.readBigInt64BE(pos)) + r.bytes.readInt32BE(pos + 23);
      offset = last + 1;
      pos += r.bytes.readInt32BE(pos + 8) + 12;
    }
  }
  const t2 = performance.now();
  console.log(
    JSON.stringify({
      bench: 'log',
      records,
      appenders,
      appendRecordsPerSec: Math.round(records / ((t1 - t0) / 1000)),
      appendMBPerSec: Math.round((log.sizeBytes / 1e6 / ((t1 - t0) / 1000)) * 10) / 10,
      readRecordsPerSec: Math.round(records / ((t2 - t1) / 1000)),
      readMBPerSec: Math.round((bytes / 1e6 / ((t2 - t1) / 1000)) * 10) / 10,
    }),
  );
  await log.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
