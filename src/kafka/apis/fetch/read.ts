// What one Fetch reads: partitions in request order, whole batches, at most partition_max_bytes per
// partition and max_bytes in all, except that the first partition with data always gets at least
// one whole batch (KIP-74) so a consumer never stalls behind a batch larger than its limits. When
// fewer than min_bytes are ready it long-polls: waits until any fetched partition's high watermark
// moves (appends wake it), max_wait_ms passes or the connection closes, then reads again.

import type { Broker } from '../../../broker/broker.ts';
import type { ReadAllocator } from '../../../log/read-pool.ts';
import { waitForAdvance, type PartitionLog } from '../../../log/partition-log.ts';
import { kafkaErrorCode } from '../../errors.ts';
import { DataError } from '../data-errors.ts';

export interface FetchTopicRequest {
  name: string;
  partitions: { partition: number; fetchOffset: number; partitionMaxBytes: number }[];
}

export interface FetchPartitionResult {
  partition: number;
  error: number;
  highWatermark: number;
  logStartOffset: number;
  records: Uint8Array;
}

export interface FetchOptions {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  signal: AbortSignal;
  /** Where record bytes read from files come from (released by whoever writes the response). */
  alloc?: ReadAllocator;
}

interface ReadPass {
  topics: { name: string; partitions: FetchPartitionResult[] }[];
  bytes: number;
  anyError: boolean;
  /** Logs to watch, each with the high watermark this pass saw (the offset an append moves past). */
  watch: { log: PartitionLog; offset: number }[];
}

const EMPTY = new Uint8Array(0);

export async function fetchPartitions(broker: Broker, topics: readonly FetchTopicRequest[], options: FetchOptions): Promise<ReadPass['topics']> {
  const deadlineMs = broker.clock.now() + options.maxWaitMs;
  for (;;) {
    const pass = await readPass(broker, topics, options.maxBytes, options.alloc);
    const remainingMs = deadlineMs - broker.clock.now();
    if (pass.bytes >= options.minBytes || pass.anyError || remainingMs <= 0 || options.signal.aborted || pass.watch.length === 0) return pass.topics;
    // Too little to answer yet: this pass's bytes are read again after the wait.
    if (options.alloc) for (const t of pass.topics) for (const p of t.partitions) options.alloc.release(p.records);
    const arrived = await waitForAdvance(broker.clock, pass.watch, remainingMs, options.signal);
    if (!arrived) return (await readPass(broker, topics, options.maxBytes, options.alloc)).topics;
  }
}

async function readPass(broker: Broker, topics: readonly FetchTopicRequest[], maxBytes: number, alloc: ReadAllocator | undefined): Promise<ReadPass> {
  const pass: ReadPass = { topics: [], bytes: 0, anyError: false, watch: [] };
  for (const t of topics) {
    const partitions: FetchPartitionResult[] = [];
    for (const p of t.partitions) {
      const r = await readPartition(broker, t.name, p, maxBytes - pass.bytes, pass.bytes === 0, alloc);
      if (r.result.error !== DataError.NONE) pass.anyError = true;
      if (r.log) pass.watch.push({ log: r.log, offset: r.result.highWatermark });
      pass.bytes += r.result.records.length;
      partitions.push(r.result);
    }
    pass.topics.push({ name: t.name, partitions });
  }
  return pass;
}

async function readPartition(
  broker: Broker,
  topic: string,
  p: FetchTopicRequest['partitions'][number],
  budgetBytes: number,
  firstWithData: boolean,
  alloc: ReadAllocator | undefined,
): Promise<{ result: FetchPartitionResult; log: PartitionLog | null }> {
  let log: PartitionLog | null = null;
  const result: FetchPartitionResult = { partition: p.partition, error: DataError.NONE, highWatermark: -1, logStartOffset: -1, records: EMPTY };
  try {
    log = broker.partitionLog(topic, p.partition);
    result.highWatermark = log.highWatermark;
    result.logStartOffset = log.logStartOffset;
    if (p.fetchOffset < result.logStartOffset || p.fetchOffset > result.highWatermark) {
      result.error = DataError.OFFSET_OUT_OF_RANGE;
      return { result, log: null };
    }
    const limit = Math.min(p.partitionMaxBytes, budgetBytes);
    if (p.fetchOffset === result.highWatermark || (limit <= 0 && !firstWithData)) return { result, log };
    const r = await log.read(p.fetchOffset, Math.max(1, limit), alloc);
    result.highWatermark = r.highWatermark;
    result.logStartOffset = r.logStartOffset;
    result.records = firstWithData ? r.bytes : wholeBatchesWithin(r.bytes, limit);
    return { result, log };
  } catch (e) {
    result.error = kafkaErrorCode(e);
    return { result, log: null };
  }
}

/** The longest prefix of whole batches that fits in `limit` bytes (possibly none). */
export function wholeBatchesWithin(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes.length <= limit) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = 0;
  while (end + 12 <= bytes.length) {
    const total = view.getInt32(end + 8) + 12;
    if (end + total > limit) break;
    end += total;
  }
  return bytes.subarray(0, end);
}
