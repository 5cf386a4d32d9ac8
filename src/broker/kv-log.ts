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

  /** Writes several keys in one durable batch (null deletes). */
  async putMany(entries: readonly (readonly [string, V | null])[]): Promise<void> {
    if (entries.length === 0) return;
    const now = this.#clockNow();
    const batch = encodeBatch(
      entries.map(([k, v]) => ({ key: Buffer.from(k, 'utf8'), value: v === null ? null : Buffer.from(JSON.stringify(v), 'utf8'), timestampMs: now })),
      { timestampMs: now },
    );
    await this.#log.append(batch);
    for (const [k, v] of entries) {
      if (v === null) this.#map.delete(k);
      else this.#map.set(k, v);
    }
  }

  put(key: string, value: V | null): Promise<void> {
    return this.putMany([[key, value]]);
  }
}
