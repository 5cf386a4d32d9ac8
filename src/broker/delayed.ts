// Durable delayed delivery: events published "for later" wait in the internal compacted topic
// `__eddy_delayed` (one record per event, keyed `<topic>/<event id>`, the whole event as JSON), and
// a scheduler publishes each to its target topic at its due time through Broker.publish with the
// event's id, then writes a tombstone for its key. A crash between the publish and the tombstone
// republishes at restart, and the topic's duplicate window (rebuilt at start from the stored ids)
// stores it once. schedule() resolves only once the entries are durable (fdatasync, like KvLog).
// At open, pending entries are replayed from the topic; overdue ones are delivered at once.
// One timer (the Clock's) for the earliest due entry; entries in a min-heap by (deliverAt, seq).

import { randomUUID } from 'node:crypto';
import { EddyError } from '../errors.ts';
import type { Broker, PublishEvent } from './broker.ts';
import { KvLog } from './kv-log.ts';
import { isInternalTopic, validateTopicName } from './topic-config.ts';
import type { Timer } from '../log/clock.ts';

export const DELAYED_TOPIC = '__eddy_delayed';

export const delayedLimits = {
  /** Entries waiting at once (across topics). */
  pendingMax: 1_000_000,
  /** Bytes of keys, values and headers waiting at once (they are held in memory). */
  pendingBytesMax: 512 * 1024 * 1024,
  /** The furthest in the future an event may be scheduled. */
  delayMsMax: 365 * 24 * 60 * 60 * 1000,
  /** Bytes per durable batch of new entries (the internal topic's batches stay well under batchBytesMax). */
  scheduleBatchBytes: 4 * 1024 * 1024,
  /** Wait before retrying a delivery that failed for a transient reason. */
  retryMs: 1000,
  /** Longest single timer (Node's setTimeout fires at once past 2^31-1 ms): further due times re-arm. */
  timerMsMax: 60 * 60 * 1000,
} as const;

/** The stored form of one delayed event (binary fields base64). */
export interface DelayedEntry {
  topic: string;
  partition?: number;
  key: string | null;
  value: string | null;
  headers: { k: string; v: string | null }[];
  id: string;
  deliverAt: number;
  /** When it was scheduled (for inspection). */
  scheduledAt: number;
}

export interface ScheduledResult {
  partition: null;
  offset: null;
  scheduled: true;
  deliverAt: number;
  id: string;
}

export interface DelayedOptions {
  pendingMax?: number;
  delayMsMax?: number;
  /** Deliveries that failed for good (e.g. the topic was deleted and auto-creation is off). */
  onError?: (error: unknown, entry: DelayedEntry) => void;
}

interface Slot {
  key: string;
  deliverAt: number;
  seq: number;
}

/** Bytes (or a string, as its UTF-8) in base64. */
const b64 = (b: Uint8Array | string | null | undefined): string | null => (b === null || b === undefined ? null : (typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b)).toString('base64'));
const bin = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));
const entryBytes = (e: DelayedEntry): number => (e.value?.length ?? 0) + (e.key?.length ?? 0) + e.headers.reduce((n, h) => n + h.k.length + (h.v?.length ?? 0), 0) + 64;

/** Checks a requested delay: returns the absolute due time (ms epoch), or null when due now. */
export function resolveDelay(d: { delayMs?: unknown; deliverAt?: unknown }, nowMs: number, delayMsMax: number = delayedLimits.delayMsMax): number | null {
  if (d.delayMs !== undefined && d.deliverAt !== undefined) throw new EddyError('delay.invalid', 'give delayMs or deliverAt, not both');
  if (d.delayMs !== undefined) {
    const v = d.delayMs;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > delayMsMax) throw new EddyError('delay.invalid', `delayMs must be an integer in [0, ${delayMsMax}] (ms)`);
    return v === 0 ? null : nowMs + v;
  }
  if (d.deliverAt !== undefined) {
    const v = d.deliverAt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new EddyError('delay.invalid', 'deliverAt must be a non-negative integer (ms since the epoch)');
    if (v - nowMs > delayMsMax) throw new EddyError('delay.invalid', `deliverAt is more than ${delayMsMax} ms in the future`);
    return v <= nowMs ? null : v;
  }
  return null;
}

export class DelayedDelivery {
  readonly #broker: Broker;
  readonly #kv: KvLog<DelayedEntry>;
  readonly #pendingMax: number;
  readonly delayMsMax: number;
  readonly #onError: (error: unknown, entry: DelayedEntry) => void;
  #heap: Slot[] = [];
  #seq = 0;
  #pendingBytes = 0;
  /** Keys being written by schedule(): counted against the bound before they are durable. */
  #reserved = 0;
  #timer: Timer | null = null;
  #timerDue = Infinity;
  #running: Promise<void> | null = null;
  /** A retry after a transient failure is pending: no re-arming before it. */
  #backoff = false;
  #closed = false;

  private constructor(broker: Broker, kv: KvLog<DelayedEntry>, o: DelayedOptions) {
    this.#broker = broker;
    this.#kv = kv;
    this.#pendingMax = o.pendingMax ?? delayedLimits.pendingMax;
    this.delayMsMax = o.delayMsMax ?? delayedLimits.delayMsMax;
    this.#onError = o.onError ?? (() => {});
  }

  /** Replays `__eddy_delayed` and schedules every pending entry (overdue ones at once). */
  static async open(broker: Broker, options: DelayedOptions = {}): Promise<DelayedDelivery> {
    const kv = await KvLog.open<DelayedEntry>(broker.logs, DELAYED_TOPIC);
    const d = new DelayedDelivery(broker, kv, options);
    const slots = [...kv.entries()].map(([key, e]) => ({ key, e })).sort((a, b) => a.e.deliverAt - b.e.deliverAt || a.e.scheduledAt - b.e.scheduledAt);
    for (const { key, e } of slots) {
      d.#push({ key, deliverAt: e.deliverAt, seq: d.#seq++ });
      d.#pendingBytes += entryBytes(e);
    }
    d.#arm();
    return d;
  }

  /** Entries waiting. */
  get pending(): number {
    return this.#heap.length;
  }

  get(topic: string, id: string): DelayedEntry | undefined {
    return this.#kv.get(`${topic}/${id}`);
  }

  /**
   * Stores events to be published to `topic` at `deliverAt` (ms epoch, one per event); resolves once
   * they are durable. An event without id gets a generated one (also stored as its `eddy.id` header,
   * so a republish after a crash is recognised). An id already waiting for this topic is not
   * scheduled twice (the first schedule's result is answered).
   */
  async schedule(topic: string, events: readonly PublishEvent[], deliverAt: readonly number[]): Promise<ScheduledResult[]> {
    if (this.#closed) throw new EddyError('log.closed', 'broker is shutting down');
    validateTopicName(topic);
    if (isInternalTopic(topic)) throw new EddyError('topic.internal', `topic names starting with "__" are reserved for Eddy`);
    if (!this.#broker.hasTopic(topic)) {
      if (!this.#broker.autoCreateTopics) throw new EddyError('topic.not_found', `topic "${topic}" does not exist and auto-creation is off`, { topic });
    } else {
      const n = this.#broker.partitionCount(topic);
      for (const e of events) {
        if (e.partition !== undefined && e.partition >= n) throw new EddyError('partition.not_found', `topic "${topic}" has no partition ${e.partition}`, { topic, partition: e.partition });
      }
    }
    const now = this.#broker.clock.now();
    const fresh: [string, DelayedEntry][] = [];
    const results: ScheduledResult[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const at = deliverAt[i]!;
      if (!Number.isSafeInteger(at) || at - now > this.delayMsMax) throw new EddyError('delay.invalid', `deliverAt must be at most ${this.delayMsMax} ms in the future`);
      const headers = [...(e.headers ?? [])];
      let id = e.id;
      if (id === undefined) {
        id = `delayed-${randomUUID()}`;
        headers.push({ key: 'eddy.id', value: Buffer.from(id) });
      }
      const key = `${topic}/${id}`;
      const existing = this.#kv.get(key);
      if (existing || seen.has(key)) {
        results.push({ partition: null, offset: null, scheduled: true, deliverAt: existing?.deliverAt ?? at, id });
        continue;
      }
      seen.add(key);
      const entry: DelayedEntry = {
        topic,
        key: b64(e.key),
        value: b64(e.value),
        headers: headers.map((h) => ({ k: h.key, v: b64(h.value) })),
        id,
        deliverAt: at,
        scheduledAt: now,
      };
      if (e.partition !== undefined) entry.partition = e.partition;
      fresh.push([key, entry]);
      results.push({ partition: null, offset: null, scheduled: true, deliverAt: at, id });
    }
    const bytes = fresh.reduce((n, [, e]) => n + entryBytes(e), 0);
    if (this.#heap.length + this.#reserved + fresh.length > this.#pendingMax) {
      throw new EddyError('delay.too_many_pending', `at most ${this.#pendingMax} delayed events may wait at once (${this.#heap.length} waiting)`);
    }
    if (this.#pendingBytes + bytes > delayedLimits.pendingBytesMax) {
      throw new EddyError('delay.too_many_pending', `delayed events waiting would exceed ${delayedLimits.pendingBytesMax} bytes`);
    }
    this.#reserved += fresh.length;
    this.#pendingBytes += bytes;
    try {
      // Several durable batches when large; each is fdatasynced before the next is written.
      let chunk: [string, DelayedEntry][] = [];
      let chunkBytes = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        const c = chunk;
        chunk = [];
        chunkBytes = 0;
        await this.#kv.putMany(c);
        this.#reserved -= c.length;
        for (const [key, e] of c) this.#push({ key, deliverAt: e.deliverAt, seq: this.#seq++ });
        this.#arm();
      };
      for (const f of fresh) {
        const n = entryBytes(f[1]) * 1.5;
        if (chunkBytes + n > delayedLimits.scheduleBatchBytes) await flush();
        chunk.push(f);
        chunkBytes += n;
      }
      await flush();
    } catch (err) {
      // Entries not written: release what they reserved (chunks already written stay scheduled).
      const unwritten = fresh.filter(([k]) => this.#kv.get(k) === undefined);
      this.#reserved -= unwritten.length;
      this.#pendingBytes -= unwritten.reduce((n, [, e]) => n + entryBytes(e), 0);
      throw err;
    }
    return results;
  }

  /** Stops the timer and waits for a delivery in progress; entries stay in the topic for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  #arm(): void {
    if (this.#closed || this.#running || this.#backoff) return;
    const next = this.#heap[0];
    if (!next) {
      this.#timer?.cancel();
      this.#timer = null;
      this.#timerDue = Infinity;
      return;
    }
    if (this.#timer && this.#timerDue <= next.deliverAt) return;
    this.#timer?.cancel();
    if (next.deliverAt <= this.#broker.clock.now()) {
      // Overdue (e.g. at startup after downtime): deliver at once, not on the next timer tick.
      this.#timer = null;
      this.#timerDue = Infinity;
      queueMicrotask(() => this.#run());
      return;
    }
    const waitMs = Math.min(next.deliverAt - this.#broker.clock.now(), delayedLimits.timerMsMax);
    this.#timerDue = this.#broker.clock.now() + waitMs;
    this.#timer = this.#broker.clock.setTimer(waitMs, () => {
      this.#timer = null;
      this.#timerDue = Infinity;
      this.#run();
    });
  }

  #run(): void {
    if (this.#closed || this.#running) return;
    this.#running = this.#deliverDue().finally(() => {
      this.#running = null;
      this.#arm();
    });
    this.#running.catch(() => {});
  }

  /** Publishes every due entry in due order (consecutive entries of one topic in one call), then tombstones them. */
  async #deliverDue(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const now = this.#broker.clock.now();
      const due: { slot: Slot; entry: DelayedEntry }[] = [];
      while (this.#heap.length > 0 && this.#heap[0]!.deliverAt <= now && due.length < 1000) {
        const slot = this.#pop()!;
        const entry = this.#kv.get(slot.key);
        if (entry) due.push({ slot, entry });
      }
      if (due.length === 0) return;
      let i = 0;
      while (i < due.length) {
        const topic = due[i]!.entry.topic;
        let j = i;
        while (j < due.length && due[j]!.entry.topic === topic) j++;
        const group = due.slice(i, j);
        try {
          await this.#broker.publish(
            topic,
            group.map(({ entry }) => {
              const ev: PublishEvent = { key: bin(entry.key), value: bin(entry.value), headers: entry.headers.map((h) => ({ key: h.k, value: bin(h.v) })), id: entry.id };
              if (entry.partition !== undefined) ev.partition = entry.partition;
              return ev;
            }),
          );
        } catch (err) {
          const permanent = err instanceof EddyError && ['topic.not_found', 'partition.not_found', 'topic.invalid_name', 'topic.internal', 'event.too_large', 'event.invalid'].includes(err.code);
          if (!permanent) {
            // Transient (disk full, offline partition, closing): put everything not yet delivered back and retry later.
            this.#retryLater(due.slice(i).map((d) => d.slot));
            return;
          }
          for (const d of group) this.#onError(err, d.entry);
        }
        try {
          await this.#kv.putMany(group.map(({ slot }) => [slot.key, null] as const));
        } catch {
          // Delivered but not yet forgotten: publishing again is answered by the duplicate window.
          this.#retryLater(due.slice(i).map((d) => d.slot));
          return;
        }
        for (const d of group) this.#pendingBytes -= entryBytes(d.entry);
        i = j;
      }
    }
  }

  #retryLater(slots: Slot[]): void {
    for (const s of slots) this.#push(s);
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#timer = null;
    this.#timerDue = Infinity;
    this.#backoff = true;
    this.#broker.clock.setTimer(delayedLimits.retryMs, () => {
      this.#backoff = false;
      this.#run();
    });
  }

  #push(s: Slot): void {
    const h = this.#heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Slot | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Slot, b: Slot): boolean {
  return a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.seq < b.seq);
}
