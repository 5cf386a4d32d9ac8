// A durable key-value map kept in an internal single-partition topic (metadata, committed offsets,
// subscription state): each put appends one record (key = UTF-8 key, value = JSON or null for a
// delete) and resolves when it is fdatasynced; open() replays the log, last write wins. The same log
// machinery as user data, so there is one durability mechanism to get right.

import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { decodeRecords, encodeBatch } from '../log/codec/record-batch.ts';
import type { LogManager } from '../log/log-manager.ts';
import type { PartitionLog } from '../log/partition-log.ts';

const READ_BYTES = 4 * 1024 * 1024;

/** Room left in a batch for its header (61 bytes) with margin. */
const kvBatchOverheadBytes = 128;

/** An upper bound of one record's encoded size: body, its length varint and the five per-record varints. */
function kvRecordBytesBound(key: Uint8Array, value: Uint8Array | null): number {
  return key.length + (value?.length ?? 0) + 32;
}

export class KvLog<V> {
  readonly topic: string;
  readonly #log: PartitionLog;
  readonly #map = new Map<string, V>();
  readonly #clockNow: () => number;

  private constructor(topic: string, log: PartitionLog, now: () => number) {
    this.topic = topic;
    this.#log = log;
    this.#clockNow = now;
  }

  static async open<V>(logs: LogManager, topic: string): Promise<KvLog<V>> {
    const log = await logs.openPartition(topic, 0, {
      segmentBytes: 64 * 1024 * 1024,
      segmentMs: Number.MAX_SAFE_INTEGER,
      fsync: { kind: 'always' },
      retentionMs: -1,
      retentionBytes: -1,
      maxMessageBytes: limits.batchBytesMax,
      // Compacted, tombstones dropped at once: replay only needs the newest value of each key.
      cleanupPolicy: 'compact',
      deleteRetentionMs: 0,
    });
    const kv = new KvLog<V>(topic, log, () => logs.clock.now());
    let offset = log.logStartOffset;
    while (offset < log.highWatermark) {
      const r = await log.read(offset, READ_BYTES);
      let pos = 0;
      let advanced = false;
      while (pos < r.bytes.length) {
        const recs = decodeRecords(r.bytes, pos, { decompressedBytesMax: limits.decompressedBytesMax });
        if (!recs.ok) throw new EddyError('log.io_error', `cannot replay ${topic}: ${recs.error.message}`);
        for (const rec of recs.value) {
          if (rec.offset < offset || rec.key === null) continue;
          const key = Buffer.from(rec.key).toString('utf8');
          if (rec.value === null) kv.#map.delete(key);
          else kv.#map.set(key, JSON.parse(Buffer.from(rec.value).toString('utf8')) as V);
          offset = rec.offset + 1;
          advanced = true;
        }
        // A compacted batch may have lost its last records: continue after the batch, not its last record.
        const batchEnd = Number(r.bytes.readBigInt64BE(pos)) + r.bytes.readInt32BE(pos + 23) + 1;
        if (batchEnd > offset) {
          offset = batchEnd;
          advanced = true;
        }
        pos += r.bytes.readInt32BE(pos + 8) + 12;
      }
      if (!advanced) break;
    }
    return kv;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  /**
   * Writes several keys durably (null deletes), in order. They travel in one batch — replayed all or
   * none — unless together they exceed the topic's max.message.bytes (a topic deleted with offsets of
   * many groups, say): then in consecutive batches that each fit, each atomic on its own. One entry
   * too large for a batch fails with event.too_large before anything is written.
   */
  async putMany(entries: readonly (readonly [string, V | null])[]): Promise<void> {
    if (entries.length === 0) return;
    const now = this.#clockNow();
    const bytesMax = this.#log.config.maxMessageBytes - kvBatchOverheadBytes;
    const records = entries.map(([k, v]) => ({ key: Buffer.from(k, 'utf8'), value: v === null ? null : Buffer.from(JSON.stringify(v), 'utf8'), timestampMs: now }));
    const chunks: (typeof records)[] = [];
    let chunk: typeof records = [];
    let chunkBytes = 0;
    for (const r of records) {
      const bytes = kvRecordBytesBound(r.key, r.value);
      if (bytes > bytesMax) throw new EddyError('event.too_large', `${this.topic}: an entry of ${bytes} bytes exceeds max.message.bytes`, { bytes, maxMessageBytes: this.#log.config.maxMessageBytes });
      if (chunkBytes + bytes > bytesMax && chunk.length > 0) {
        chunks.push(chunk);
        chunk = [];
        chunkBytes = 0;
      }
      chunk.push(r);
      chunkBytes += bytes;
    }
    chunks.push(chunk);
    let applied = 0;
    for (const c of chunks) {
      await this.#log.append(encodeBatch(c, { timestampMs: now }));
      for (const [k, v] of entries.slice(applied, applied + c.length)) {
        if (v === null) this.#map.delete(k);
        else this.#map.set(k, v);
      }
      applied += c.length;
    }
  }

  put(key: string, value: V | null): Promise<void> {
    return this.putMany([[key, value]]);
  }
}
