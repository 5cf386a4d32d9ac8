// The Broker facade: the one API every front end (HTTP, Kafka, SDK) calls. Topics and partitions,
// produce (raw batches) and publish (events encoded here), fetch and record reads, offsets by
// timestamp, health. Topic metadata lives in the internal compacted topic `__eddy_metadata`.
// Invariant: a topic exists in memory only after its metadata record is durable.

import { join } from 'node:path';
import { EddyError } from '../errors.ts';
import { limits } from '../limits.ts';
import { systemClock, type Clock } from '../log/clock.ts';
import { BATCH_HEADER_BYTES, decodeRecordRefs, decodeRecords, decodeTextRecords, encodeBatch, isEncodedRecord, type BatchRecordInput, type DecodedRecord, type EncodedRecordInput, type RecordInput, type RecordRef, type Result, type TextHeadersRecord } from '../log/codec/record-batch.ts';
import { registerCodecs } from '../log/codec/codecs.ts';
import { utf8Length } from '../log/codec/utf8.ts';
import type { FileIO } from '../log/file-io.ts';
import { LogManager, type LogEvent } from '../log/log-manager.ts';
import type { AppendResult, FsyncPolicy, PartitionLog, ReadResult } from '../log/partition-log.ts';
import { DedupeBudget, DedupeWindow, type StoredAt } from './dedupe-window.ts';
import { GroupCoordinator } from './groups/coordinator.ts';
import { KvOffsetStore } from './groups/kv-offset-store.ts';
import { KvLog } from './kv-log.ts';
import { acquireDirLock, type DirLock } from './dir-lock.ts';
import { partitionForKey, StickyPartitioner } from './partitioner.ts';
import { ProducerIdAllocator } from './producer-ids.ts';
import { ProducerStates } from './producer-state.ts';
import {
  applyTopicConfig,
  isInternalTopic,
  topicConfigDefaults,
  topicConfigToStrings,
  validatePartitionCount,
  validateTopicName,
  type TopicConfig,
} from './topic-config.ts';

export interface BrokerOptions {
  dataDir: string;
  fsync?: FsyncPolicy;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  duplicateWindowMs?: number;
  /** Ids all topics' duplicate windows hold together (default limits.duplicateWindowIdsTotalMax). */
  duplicateWindowIdsTotal?: number;
  freeBytesFloor?: number;
  clock?: Clock;
  io?: FileIO;
  onLogEvent?: (e: LogEvent) => void;
}

interface TopicRecord {
  partitions: number;
  config: Record<string, string | number>;
  createdMs: number;
}

export interface Topic {
  readonly name: string;
  partitions: number;
  config: TopicConfig;
  overrides: Record<string, string | number>;
  readonly createdMs: number;
  logs: (PartitionLog | null)[];
  readonly dedupe: DedupeWindow;
  /** Ids being stored right now, so a concurrent publish of the same id waits and answers the same place. */
  readonly inflightIds: Map<string, InflightPublish>;
  readonly sticky: StickyPartitioner;
}

export interface PartitionInfo {
  partition: number;
  earliestOffset: number;
  latestOffset: number;
  bytes: number;
  segments: number;
  offline: { code: string; message: string } | null;
}

export interface TopicDescription {
  name: string;
  partitions: PartitionInfo[];
  config: Record<string, string>;
  createdMs: number;
  /** Ids remembered by the duplicate window and the bytes its arrays hold. */
  duplicateWindow: { ids: number; bytes: number };
}

export interface PublishEvent extends RecordInput {
  partition?: number;
  id?: string;
}

/** An event whose record fields a client encoded (checked by its front end first: see src/http/cloudevent-record.ts). */
export interface EncodedPublishEvent extends EncodedRecordInput {
  partition?: number;
  id?: string;
}

export interface PublishResult extends StoredAt {
  duplicate: boolean;
}

/** One partition's share of a publish, encoded: what waits for the disk (not the events). */
interface PreparedPartition {
  partition: number;
  log: PartitionLog;
  /** Request positions of the stored events, in batch order, and their ids. */
  idxs: number[];
  ids: (string | undefined)[];
  batches: { batch: Uint8Array; count: number }[];
}

interface PreparedPublish {
  now: number;
  results: (PublishResult | null)[];
  parts: PreparedPartition[];
  sameAs: [number, number][];
  /** Events whose id a concurrent publish is storing: [index, that publish, the id]. */
  waits: [number, InflightPublish, string][];
  /** This publish, registered under the ids it stores; null when it stores none. */
  inflight: InflightPublish | null;
  /** Settles inflight.settled. */
  settle: { resolve(): void; reject(e: unknown): void } | null;
}

/**
 * A publish storing ids, for concurrent publishes of the same ids to wait on: one promise per
 * publish, not per id. Holds its answers and where each id is in them, not its events.
 */
interface InflightPublish {
  readonly results: readonly (PublishResult | null)[];
  /** Index in `results` of the event that stores each id. */
  readonly firstOfId: ReadonlyMap<string, number>;
  /** Settles once every append of the publish has: rejected if one failed. */
  readonly settled: Promise<void>;
}

export interface ReadRecordsOptions {
  limit: number;
  maxBytes: number;
  maxWaitMs?: number;
  signal?: AbortSignal;
}

export interface ReadRecordsResult<T> {
  records: T[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export const METADATA_TOPIC = '__eddy_metadata';

export class Broker {
  readonly logs: LogManager;
  readonly clock: Clock;
  readonly fsync: FsyncPolicy;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly duplicateWindowMs: number;
  /** Shared by every topic's duplicate window. */
  readonly duplicateIds: DedupeBudget;
  readonly #topics = new Map<string, Topic>();
  #meta!: KvLog<TopicRecord>;
  /** The Kafka group coordinator, shared by every front end; offsets in `__consumer_offsets`. */
  groups!: GroupCoordinator;
  /** Idempotent producers: sequence checks per partition, and producer ids (InitProducerId). */
  readonly producerStates = new ProducerStates();
  readonly producerIds: ProducerIdAllocator;
  #lock: DirLock | null;
  #admin: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: BrokerOptions, logs: LogManager, lock: DirLock | null) {
    this.logs = logs;
    this.clock = options.clock ?? systemClock;
    this.fsync = options.fsync ?? { kind: 'always' };
    this.autoCreateTopics = options.autoCreateTopics ?? true;
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.duplicateWindowMs = options.duplicateWindowMs ?? limits.duplicateWindowMsDefault;
    this.duplicateIds = new DedupeBudget(options.duplicateWindowIdsTotal);
    this.#lock = lock;
    this.producerIds = new ProducerIdAllocator(logs);
  }

  static async open(options: BrokerOptions): Promise<Broker> {
    registerCodecs(); // snappy, lz4, zstd next to the built-in gzip
    const lock = options.io ? null : await acquireDirLock(options.dataDir);
    try {
      const logs = await LogManager.open({
        dataDir: options.dataDir,
        ...(options.io ? { io: options.io } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.freeBytesFloor !== undefined ? { freeBytesFloor: options.freeBytesFloor } : {}),
        ...(options.onLogEvent ? { onEvent: options.onLogEvent } : {}),
      });
      const broker = new Broker(options, logs, lock);
      await broker.#load();
      return broker;
    } catch (e) {
      await lock?.release();
      throw e;
    }
  }

  async #load(): Promise<void> {
    this.#meta = await KvLog.open<TopicRecord>(this.logs, METADATA_TOPIC);
    for (const [key, rec] of this.#meta.entries()) {
      if (!key.startsWith('topic/')) continue;
      const name = key.slice('topic/'.length);
      const topic = this.#newTopic(name, rec);
      this.#topics.set(name, topic);
      for (let p = 0; p < rec.partitions; p++) topic.logs[p] = await this.#openPartition(topic, p);
    }
    await this.#rebuildDedupeWindows();
    // Publishes sweep their topic's window; this sweeps the quiet ones too.
    this.logs.every(limits.duplicateWindowSweepMs, async () => {
      const now = this.clock.now();
      for (const t of this.#topics.values()) t.dedupe.sweep(now);
    });
    this.groups = new GroupCoordinator({ clock: this.clock, offsets: await KvOffsetStore.open(this.logs) });
    await this.groups.ready();
    // Directories of topics whose deletion was recorded but not finished: finish it.
    for (const dir of await this.logs.listPartitionDirs()) {
      const m = /^(.+)-(\d+)$/.exec(dir)!;
      const name = m[1]!;
      if (isInternalTopic(name)) continue;
      const t = this.#topics.get(name);
      if (!t || Number(m[2]) >= t.partitions) await this.logs.deletePartition(name, Number(m[2]));
    }
  }

  /**
   * Refills each topic's duplicate window from the events published within the window before this
   * start (ids are stored as `ce_id` / `eddy.id` headers), reading at most dedupeRebuildBytesMax per
   * partition, so a publish retried across a broker restart is still stored once.
   */
  async #rebuildDedupeWindows(): Promise<void> {
    if (this.duplicateWindowMs <= 0) return;
    const since = this.clock.now() - this.duplicateWindowMs;
    for (const topic of this.#topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        const log = topic.logs[p];
        if (!log || log.highWatermark === log.logStartOffset) continue;
        const from = await log.offsetForTimestamp(since);
        if (!from) continue;
        let offset = from.offset;
        let budget = limits.dedupeRebuildBytesMax;
        while (offset < log.highWatermark && budget > 0) {
          const r = await this.readRecords(topic.name, p, offset, { limit: 10_000, maxBytes: 1024 * 1024 });
          for (const rec of r.records) {
            for (const h of rec.headers) {
              if ((h.key === 'ce_id' || h.key === 'eddy.id') && h.value !== null) topic.dedupe.remember(Buffer.from(h.value).toString('utf8'), { partition: p, offset: rec.offset }, rec.timestampMs);
            }
            budget -= (rec.value?.length ?? 0) + 64;
          }
          if (r.nextOffset <= offset) break;
          offset = r.nextOffset;
        }
      }
    }
  }

  #newTopic(name: string, rec: TopicRecord): Topic {
    return {
      name,
      partitions: rec.partitions,
      config: applyTopicConfig(topicConfigDefaults, rec.config),
      overrides: rec.config,
      createdMs: rec.createdMs,
      logs: [],
      dedupe: new DedupeWindow(this.duplicateWindowMs, { budget: this.duplicateIds }),
      inflightIds: new Map(),
      sticky: new StickyPartitioner(),
    };
  }

  async #openPartition(topic: Topic, partition: number): Promise<PartitionLog | null> {
    const c = topic.config;
    try {
      return await this.logs.openPartition(topic.name, partition, {
        segmentBytes: c['segment.bytes'],
        segmentMs: c['segment.ms'],
        fsync: c['fsync.policy'] ?? this.fsync,
        retentionMs: c['retention.ms'],
        retentionBytes: c['retention.bytes'],
        maxMessageBytes: c['max.message.bytes'],
        cleanupPolicy: c['cleanup.policy'],
        deleteRetentionMs: c['delete.retention.ms'],
      });
    } catch (e) {
      if (e instanceof EddyError) return null; // recorded offline by the log manager
      throw e;
    }
  }

  /** Serialises topic administration (create/delete/alter) so they never interleave. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#admin.then(fn, fn);
    this.#admin = run.catch(() => {});
    return run;
  }

  createTopic(name: string, options: { partitions?: number; config?: Record<string, unknown> } = {}): Promise<TopicDescription> {
    return this.#serial(async () => {
      this.#checkOpen();
      validateTopicName(name);
      if (isInternalTopic(name)) throw new EddyError('topic.internal', `topic names starting with "__" are reserved for Eddy`);
      const partitions = validatePartitionCount(options.partitions ?? this.defaultPartitions);
      const overrides: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(options.config ?? {})) {
        if (typeof v !== 'string' && typeof v !== 'number') throw new EddyError('topic.invalid_config', `${k} must be a string or number`);
        overrides[k] = v;
      }
      applyTopicConfig(topicConfigDefaults, overrides);
      if (this.#topics.has(name)) throw new EddyError('topic.already_exists', `topic "${name}" already exists`);
      if (this.#topics.size >= limits.topicsMax) throw new EddyError('topic.invalid_config', `at most ${limits.topicsMax} topics`);
      const rec: TopicRecord = { partitions, config: overrides, createdMs: this.clock.now() };
      await this.#meta.put(`topic/${name}`, rec);
      const topic = this.#newTopic(name, rec);
      for (let p = 0; p < partitions; p++) topic.logs[p] = await this.#openPartition(topic, p);
      this.#topics.set(name, topic); // visible only once every partition is open
      return this.#describe(topic);
    });
  }

  deleteTopic(name: string): Promise<void> {
    return this.#serial(async () => {
      this.#checkOpen();
      const topic = this.#topicOrThrow(name);
      await this.#meta.put(`topic/${name}`, null);
      this.#topics.delete(name);
      topic.dedupe.clear();
      for (let p = 0; p < topic.partitions; p++) await this.logs.deletePartition(name, p);
      await this.groups.deleteTopicOffsets(name);
    });
  }

  /** Kafka CreatePartitions: grows a topic to `total` partitions. */
  createPartitions(name: string, total: number): Promise<TopicDescription> {
    return this.#serial(async () => {
      const topic = this.#topicOrThrow(name);
      validatePartitionCount(total);
      if (total <= topic.partitions) throw new EddyError('topic.invalid_partitions', `topic "${name}" has ${topic.partitions} partitions; the new count must be larger`);
      await this.#meta.put(`topic/${name}`, { partitions: total, config: topic.overrides, createdMs: topic.createdMs });
      for (let p = topic.partitions; p < total; p++) topic.logs[p] = await this.#openPartition(topic, p);
      topic.partitions = total;
      return this.#describe(topic);
    });
  }

  /** Replaces config overrides (null value removes an override); applies to open logs at once. */
  alterTopicConfig(name: string, changes: Record<string, string | number | null>): Promise<TopicDescription> {
    return this.#serial(async () => {
      const topic = this.#topicOrThrow(name);
      const overrides = { ...topic.overrides };
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) delete overrides[k];
        else overrides[k] = v;
      }
      const config = applyTopicConfig(topicConfigDefaults, overrides);
      await this.#meta.put(`topic/${name}`, { partitions: topic.partitions, config: overrides, createdMs: topic.createdMs });
      topic.overrides = overrides;
      topic.config = config;
      for (const log of topic.logs) {
        if (!log) continue;
        log.config = {
          segmentBytes: config['segment.bytes'],
          segmentMs: config['segment.ms'],
          fsync: config['fsync.policy'] ?? this.fsync,
          retentionMs: config['retention.ms'],
          retentionBytes: config['retention.bytes'],
          maxMessageBytes: config['max.message.bytes'],
          cleanupPolicy: config['cleanup.policy'],
          deleteRetentionMs: config['delete.retention.ms'],
        };
      }
      return this.#describe(topic);
    });
  }

  listTopics(): TopicDescription[] {
    return [...this.#topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => this.#describe(t));
  }

  describeTopic(name: string): TopicDescription {
    return this.#describe(this.#topicOrThrow(name));
  }

  hasTopic(name: string): boolean {
    return this.#topics.has(name);
  }

  /** The creation time of a topic, or null when there is none (cheap: no description is built). */
  topicCreatedMs(name: string): number | null {
    return this.#topics.get(name)?.createdMs ?? null;
  }

  partitionCount(name: string): number {
    return this.#topicOrThrow(name).partitions;
  }

  #describe(t: Topic): TopicDescription {
    const partitions: PartitionInfo[] = [];
    for (let p = 0; p < t.partitions; p++) {
      const log = t.logs[p];
      const offline = log ? null : (this.logs.offlineError(t.name, p) ?? new EddyError('partition.offline', 'partition offline'));
      partitions.push({
        partition: p,
        earliestOffset: log ? log.logStartOffset : -1,
        latestOffset: log ? log.highWatermark : -1,
        bytes: log ? log.sizeBytes : 0,
        segments: log ? log.segmentCount : 0,
        offline: offline ? { code: offline.code, message: offline.message } : null,
      });
    }
    return { name: t.name, partitions, config: topicConfigToStrings(t.config, this.fsync), createdMs: t.createdMs, duplicateWindow: { ids: t.dedupe.size, bytes: t.dedupe.bytes } };
  }

  #checkOpen(): void {
    if (this.#closed) throw new EddyError('log.closed', 'broker is shutting down');
  }

  #topicOrThrow(name: string): Topic {
    const t = this.#topics.get(name);
    if (!t) throw new EddyError('topic.not_found', `topic "${name}" does not exist`, { topic: name });
    return t;
  }

  /** The topic, auto-created when allowed. */
  async #topicForWrite(name: string): Promise<Topic> {
    const t = this.#topics.get(name);
    if (t) return t;
    if (!this.autoCreateTopics) throw new EddyError('topic.not_found', `topic "${name}" does not exist and auto-creation is off`, { topic: name });
    try {
      await this.createTopic(name);
    } catch (e) {
      if (!(e instanceof EddyError && e.code === 'topic.already_exists')) throw e;
    }
    return this.#topicOrThrow(name);
  }

  /** The partition's log, or a typed error (unknown partition, offline partition). */
  partitionLog(topicName: string, partition: number): PartitionLog {
    const topic = this.#topicOrThrow(topicName);
    return this.#logOf(topic, partition);
  }

  #logOf(topic: Topic, partition: number): PartitionLog {
    if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
      throw new EddyError('partition.not_found', `topic "${topic.name}" has no partition ${partition}`, { topic: topic.name, partition });
    }
    const log = topic.logs[partition];
    if (!log) {
      const err = this.logs.offlineError(topic.name, partition);
      throw new EddyError('partition.offline', `partition ${topic.name}-${partition} is offline: ${err?.message ?? 'unknown error'}`, { ...(err?.detail ?? {}), cause: err?.code });
    }
    return log;
  }

  /** Appends a client-built record batch (Kafka Produce) to one partition; idempotent producers' sequences are checked. */
  async produce(topicName: string, partition: number, batch: Uint8Array): Promise<AppendResult> {
    this.#checkOpen();
    const topic = await this.#topicForWrite(topicName);
    return this.producerStates.append(this.#logOf(topic, partition), batch);
  }

  /**
   * Publishes events (HTTP / SDK): each goes to its explicit partition, else murmur2(key), else the
   * request's sticky partition; events of one partition become one batch. Events whose id was seen
   * in the duplicate window are not stored again. Results come back in request order.
   *
   * Not `async`: the events are encoded at once and nothing refers to them while the appends wait for
   * the disk (an async frame keeps its arguments alive across its awaits). Held for milliseconds,
   * a request's parsed values survived young-generation collections, were promoted and piled up in
   * the old generation until the next full collection.
   */
  publish(topicName: string, events: readonly (PublishEvent | EncodedPublishEvent)[]): Promise<PublishResult[]> {
    try {
      this.#checkOpen();
      const topic = this.#topics.get(topicName);
      if (topic) return this.#commitPublish(topic, this.#preparePublish(topic, events));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#topicForWrite(topicName).then((topic) => this.#commitPublish(topic, this.#preparePublish(topic, events)));
  }

  /** The synchronous half of publish: duplicate checks, partitioning and encoding. */
  #preparePublish(topic: Topic, events: readonly (PublishEvent | EncodedPublishEvent)[]): PreparedPublish {
    const now = this.clock.now();
    topic.dedupe.sweep(now); // O(expired): ids are kept in expiry order
    const results: (PublishResult | null)[] = new Array<PublishResult | null>(events.length).fill(null);
    const byPartition = new Map<number, number[]>();
    const firstOfId = new Map<string, number>();
    /** Where each event that is not stored (a duplicate within the request) takes its answer from. */
    const sameAs: [number, number][] = [];
    const waits: [number, InflightPublish, string][] = [];
    const sticky = topic.sticky.nextPartition(topic.partitions);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.id !== undefined) {
        const seen = topic.dedupe.lookup(e.id, now);
        if (seen) {
          results[i] = { ...seen, duplicate: true };
          continue;
        }
        const inflight = topic.inflightIds.get(e.id);
        if (inflight) {
          waits.push([i, inflight, e.id]); // the same id is being stored by a concurrent publish
          continue;
        }
        const first = firstOfId.get(e.id);
        if (first !== undefined) {
          sameAs.push([i, first]);
          continue;
        }
        firstOfId.set(e.id, i);
      }
      const p = e.partition ?? (e.key ? partitionForKey(e.key, topic.partitions) : sticky);
      this.#logOf(topic, p);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push(i);
    }
    const parts: PreparedPartition[] = [];
    for (const [p, idxs] of byPartition) {
      // One batch per partition when it fits max.message.bytes, else several (appended in order, so
      // they share a group commit); only a single event too large for it is refused.
      const log = this.#logOf(topic, p);
      parts.push({ partition: p, log, idxs, ids: idxs.map((i) => events[i]!.id), batches: encodeWithin(idxs, (i) => events[i]!, now, log.config.maxMessageBytes) });
    }
    return { now, results, parts, sameAs, waits, ...markInflight(topic, results, firstOfId) };
  }

  /** The asynchronous half: appends, remembers the ids, answers in request order. */
  async #commitPublish(topic: Topic, prepared: PreparedPublish): Promise<PublishResult[]> {
    const { now, results, parts, sameAs, waits, inflight, settle } = prepared;
    try {
      await Promise.all(
        parts.map(async ({ partition, log, idxs, ids, batches }) => {
          const stored = await Promise.all(batches.map((b) => log.append(b.batch)));
          let k = 0;
          stored.forEach((r, b) => {
            for (let j = 0; j < batches[b]!.count; j++, k++) {
              // One object per event, no spread: the answer, also what the duplicate window copies.
              const result = { partition, offset: r.baseOffset + j, duplicate: false };
              results[idxs[k]!] = result;
              const id = ids[k];
              if (id !== undefined) topic.dedupe.remember(id, result, now);
            }
          });
        }),
      );
      settle?.resolve();
    } catch (e) {
      settle?.reject(e);
      throw e;
    } finally {
      if (inflight) for (const id of inflight.firstOfId.keys()) topic.inflightIds.delete(id);
    }
    for (const [i, other, id] of waits) {
      await other.settled;
      const at = other.results[other.firstOfId.get(id)!]!;
      results[i] = { partition: at.partition, offset: at.offset, duplicate: true };
    }
    for (const [i, first] of sameAs) results[i] = { ...results[first]!, duplicate: true };
    return results as PublishResult[];
  }

  /**
   * Raw batches from `offset` (Kafka Fetch); when nothing is there yet, waits up to maxWaitMs for an
   * append (long poll) before answering.
   */
  async fetch(topicName: string, partition: number, offset: number, options: { maxBytes: number; maxWaitMs?: number; signal?: AbortSignal }): Promise<ReadResult> {
    const log = this.partitionLog(topicName, partition);
    if (options.maxWaitMs && offset === log.highWatermark) await log.waitFor(offset, options.maxWaitMs, options.signal);
    return log.read(offset, options.maxBytes);
  }

  /** Decoded records at or after `offset` (HTTP, SDK, CLI), control batches skipped. */
  readRecords(topicName: string, partition: number, offset: number, options: ReadRecordsOptions): Promise<ReadRecordsResult<DecodedRecord>> {
    return this.#readDecoded(topicName, partition, offset, options, decodeRecords);
  }

  /** Like readRecords, header values as text where they are valid UTF-8: what views as JSON need (HTTP, WebSocket, SSE). */
  readTextRecords(topicName: string, partition: number, offset: number, options: ReadRecordsOptions): Promise<ReadRecordsResult<TextHeadersRecord>> {
    return this.#readDecoded(topicName, partition, offset, options, decodeTextRecords);
  }

  /** Like readRecords, records kept undecoded past their key (for readers that hold them a while: see RecordRef). */
  readRecordRefs(topicName: string, partition: number, offset: number, options: ReadRecordsOptions): Promise<ReadRecordsResult<RecordRef>> {
    return this.#readDecoded(topicName, partition, offset, options, decodeRecordRefs);
  }

  async #readDecoded<T extends { offset: number }>(
    topicName: string,
    partition: number,
    offset: number,
    options: ReadRecordsOptions,
    decode: (buf: Uint8Array, pos: number, opts: { decompressedBytesMax: number }) => Result<T[]>,
  ): Promise<ReadRecordsResult<T>> {
    const r = await this.fetch(topicName, partition, offset, options);
    const records: T[] = [];
    let pos = 0;
    let next = offset;
    while (pos < r.bytes.length && records.length < options.limit) {
      const attributes = r.bytes.readInt16BE(pos + 21);
      const total = r.bytes.readInt32BE(pos + 8) + 12;
      const lastOffset = Number(r.bytes.readBigInt64BE(pos)) + r.bytes.readInt32BE(pos + 23);
      if ((attributes & 0x20) === 0) {
        const recs = decode(r.bytes, pos, { decompressedBytesMax: limits.decompressedBytesMax });
        if (!recs.ok) throw new EddyError('log.io_error', `cannot decode batch of ${topicName}-${partition}: ${recs.error.message}`);
        for (const rec of recs.value) {
          if (rec.offset < offset) continue;
          if (records.length >= options.limit) break;
          records.push(rec);
          next = rec.offset + 1;
        }
        if (records.length < options.limit) next = Math.max(next, lastOffset + 1);
      } else next = Math.max(next, lastOffset + 1);
      pos += total;
    }
    return { records, nextOffset: next, highWatermark: r.highWatermark, logStartOffset: r.logStartOffset };
  }

  /** Kafka ListOffsets: -2 earliest, -1 latest, else the first offset with timestamp >= ts. */
  async listOffset(topicName: string, partition: number, timestampMs: number): Promise<{ offset: number; timestampMs: number }> {
    const log = this.partitionLog(topicName, partition);
    if (timestampMs === -2) return { offset: log.logStartOffset, timestampMs: -1 };
    if (timestampMs === -1) return { offset: log.highWatermark, timestampMs: -1 };
    const r = await log.offsetForTimestamp(timestampMs);
    return r ?? { offset: log.highWatermark, timestampMs: -1 };
  }

  /** A group with its committed offsets and the lag of each (high watermark - committed). */
  async describeGroup(groupId: string) {
    const d = await this.groups.describe(groupId);
    const f = await this.groups.fetchOffsets({ groupId, partitions: null });
    const offsets = f.partitions.map((o) => {
      const t = this.#topics.get(o.topic);
      const log = t && o.partition < t.partitions ? t.logs[o.partition] : null;
      const hw = log ? log.highWatermark : null;
      return { topic: o.topic, partition: o.partition, committedOffset: o.offset, metadata: o.metadata, highWatermark: hw, lag: hw === null || o.offset < 0 ? null : Math.max(0, hw - o.offset) };
    });
    return {
      groupId,
      state: d.state,
      protocolType: d.protocolType,
      protocol: d.protocol,
      members: d.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost })),
      offsets,
      totalLag: offsets.reduce((n, o) => n + (o.lag ?? 0), 0),
    };
  }

  health(): { ready: boolean; diskFull: boolean; failed: string | null; offlinePartitions: string[] } {
    return {
      ready: this.logs.ready && !this.#closed,
      diskFull: this.logs.dirState.diskFull,
      failed: this.logs.dirState.failed?.message ?? null,
      offlinePartitions: [...this.logs.offlinePartitions.keys()],
    };
  }

  dataPath(...parts: string[]): string {
    return join(this.logs.dataDir, ...parts);
  }

  /** Clean shutdown: waits for admin work, flushes and closes every partition, releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#admin;
    await this.groups?.close();
    await this.logs.close();
    await this.#lock?.release();
  }

  /** Stops without a clean close (tests simulating a crash). */
  async abandon(): Promise<void> {
    this.#closed = true;
    await this.groups?.close();
    await this.logs.abandon();
    await this.#lock?.release();
  }
}

/** Bytes a record adds to a batch, at most (varint lengths counted at their largest). */
function recordBytesBound(e: BatchRecordInput): number {
  if (isEncodedRecord(e)) return 40 + e.fields.length;
  let n = 40 + (e.key?.byteLength ?? 0) + (e.value === null ? 0 : typeof e.value === 'string' ? utf8Length(e.value) : e.value.byteLength);
  for (const h of e.headers ?? []) n += 10 + utf8Length(h.key) + (h.value === null ? 0 : typeof h.value === 'string' ? utf8Length(h.value) : h.value.byteLength);
  return n;
}

/**
 * Registers the ids a publish stores, for concurrent publishes of the same ids to wait on. Outside
 * #preparePublish on purpose: closures made there share its scope, events included, and these live
 * (in the promise's reactions) until the appends settle.
 */
function markInflight(
  topic: Topic,
  results: readonly (PublishResult | null)[],
  firstOfId: ReadonlyMap<string, number>,
): { inflight: InflightPublish | null; settle: { resolve(): void; reject(e: unknown): void } | null } {
  if (firstOfId.size === 0) return { inflight: null, settle: null };
  let settle: { resolve(): void; reject(e: unknown): void } | null = null;
  const settled = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  settled.catch(() => {}); // waiters handle the rejection; unobserved otherwise
  const inflight: InflightPublish = { results, firstOfId, settled };
  for (const id of firstOfId.keys()) topic.inflightIds.set(id, inflight);
  return { inflight, settle };
}

/**
 * Encodes the records at `idxs` as consecutive batches of at most `maxBytes` each (a single record
 * larger than that is still encoded alone: the log refuses it with event.too_large).
 */
function encodeWithin(idxs: readonly number[], at: (i: number) => BatchRecordInput, now: number, maxBytes: number): { batch: Uint8Array; count: number }[] {
  const out: { batch: Uint8Array; count: number }[] = [];
  let start = 0;
  while (start < idxs.length) {
    // The first record always goes in (one too large alone is refused before this); each bound is computed once.
    let end = start + 1;
    let bytes = BATCH_HEADER_BYTES + recordBytesBound(at(idxs[start]!));
    for (; end < idxs.length; end++) {
      const next = recordBytesBound(at(idxs[end]!));
      if (bytes + next > maxBytes) break;
      bytes += next;
    }
    // Records without their own timestamp get `now`.
    out.push({ batch: encodeBatch(idxs.slice(start, end).map(at), { timestampMs: now }), count: end - start });
    start = end;
  }
  return out;
}
