// In-process transport with the broker's subscription semantics (leases, ack deadline, backoff,
// per-key order, dead letters with the same eddy.dlq.* headers, duplicate ids stored once), driven
// by an injected Clock so tests run deterministically on a FakeClock. Values are stored as JSON text,
// as on the broker, so payloads go through the same serialisation on both transports.

import { systemClock, type Clock, type Timer } from '../log/clock.ts';
import { EddyError } from '../errors.ts';
import { toWireRecord, type WireRecord } from './envelope.ts';
import { DlqHeaders, nackReasonLengthMax, type Delivery, type OutgoingEvent, type PullOptions, type SubscriptionSpec, type Transport, type TransportSubscription } from './transport.ts';

interface Stored {
  key: string | null;
  headers: Record<string, string | null>;
  json: string | null;
}

interface Pending {
  offset: number;
  attempt: number;
  state: 'ready' | 'leased';
  dueMs: number;
  reason: string | null;
}

/** Records kept per topic: the memory transport is for tests and single-process use. */
const topicRecordsMax = 1_000_000;

export class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly clock: Clock;
  readonly #topics = new Map<string, { records: Stored[]; ids: Set<string> }>();
  readonly #subs = new Map<string, MemorySubscription>();
  #closed = false;
  readonly #delayed = new Set<Timer>();

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  #topic(name: string) {
    let t = this.#topics.get(name);
    if (!t) this.#topics.set(name, (t = { records: [], ids: new Set() }));
    return t;
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.#checkOpen();
    for (const e of events) {
      const waitMs = e.deliverAt === undefined ? 0 : e.deliverAt - this.clock.now();
      if (waitMs <= 0) this.append(e.topic, toWireRecord(e.envelope), e.envelope.id);
      else {
        // Delayed delivery on the transport's clock (in memory only: lost with the process, like everything here).
        const r = toWireRecord(e.envelope);
        const timer = this.clock.setTimer(waitMs, () => {
          this.#delayed.delete(timer);
          if (!this.#closed) this.append(e.topic, r, e.envelope.id);
        });
        this.#delayed.add(timer);
      }
    }
  }

  /** Appends one record (used by publish and dead-lettering); a known id is stored once. */
  append(topic: string, r: WireRecord, id: string | null): number {
    const t = this.#topic(topic);
    if (id !== null && t.ids.has(id)) return -1;
    if (t.records.length >= topicRecordsMax) throw new EddyError('event.invalid', `memory transport: topic "${topic}" holds ${topicRecordsMax} records`);
    if (id !== null) t.ids.add(id);
    t.records.push({ key: r.key, headers: { ...r.headers }, json: r.value === undefined || r.value === null ? null : JSON.stringify(r.value) });
    for (const s of this.#subs.values()) if (s.spec.topic === topic) s.notify();
    return t.records.length - 1;
  }

  record(topic: string, offset: number): WireRecord | null {
    const s = this.#topics.get(topic)?.records[offset];
    return s ? { key: s.key, headers: { ...s.headers }, value: s.json === null ? null : JSON.parse(s.json) } : null;
  }

  size(topic: string): number {
    return this.#topics.get(topic)?.records.length ?? 0;
  }

  async subscribe(spec: SubscriptionSpec): Promise<TransportSubscription> {
    this.#checkOpen();
    let s = this.#subs.get(spec.name);
    if (!s) this.#subs.set(spec.name, (s = new MemorySubscription(this, spec)));
    this.#topic(spec.topic);
    if (spec.deadLetterTopic) this.#topic(spec.deadLetterTopic);
    const sub = s;
    return {
      pull: (o) => sub.pull(o),
      ack: async (ids) => sub.ack(ids),
      nack: async (id, o) => sub.nack(id, o),
      extend: async (ids, ms) => sub.extend(ids, ms),
      lag: async () => sub.lag(),
      close: async () => {},
    };
  }

  async read(topic: string, options: { max: number }): Promise<WireRecord[]> {
    const n = Math.min(options.max, this.size(topic));
    const out: WireRecord[] = [];
    for (let i = 0; i < n; i++) out.push(this.record(topic, i)!);
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#delayed) t.cancel();
    this.#delayed.clear();
    for (const s of this.#subs.values()) s.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new EddyError('sdk.closed', 'memory transport is closed');
  }
}

class MemorySubscription {
  readonly spec: SubscriptionSpec;
  readonly #t: MemoryTransport;
  readonly #pending = new Map<number, Pending>(); // insertion order = offset order
  readonly #waiters = new Set<() => void>();
  #cursor = 0;
  #timer: { handle: Timer; dueMs: number } | null = null;
  #closed = false;

  constructor(t: MemoryTransport, spec: SubscriptionSpec) {
    this.#t = t;
    this.spec = spec;
  }

  notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  close(): void {
    this.#closed = true;
    this.#timer?.handle.cancel();
    this.notify();
  }

  async pull(o: PullOptions): Promise<Delivery[]> {
    const clock = this.#t.clock;
    const deadlineMs = clock.now() + o.waitMs;
    for (;;) {
      if (this.#closed || o.signal?.aborted) return [];
      const out = this.#take(o.max);
      if (out.length > 0) return out;
      const remainingMs = deadlineMs - clock.now();
      if (remainingMs <= 0) return [];
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#waiters.delete(done);
          timer.cancel();
          o.signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = clock.setTimer(remainingMs, done);
        this.#waiters.add(done);
        o.signal?.addEventListener('abort', done);
      });
    }
  }

  #take(max: number): Delivery[] {
    const now = this.#t.clock.now();
    for (; this.#cursor < this.#t.size(this.spec.topic); this.#cursor++) this.#pending.set(this.#cursor, { offset: this.#cursor, attempt: 0, state: 'ready', dueMs: now, reason: null });
    for (const m of this.#pending.values()) if (m.state === 'leased' && m.dueMs <= now) this.#fail(m, now, null, null); // lease expired
    const out: Delivery[] = [];
    const blocked = new Set<string>();
    let nextMs = Infinity;
    for (const m of this.#pending.values()) {
      if (out.length >= max) break;
      const record = this.#t.record(this.spec.topic, m.offset)!;
      if (this.spec.ordered && record.key !== null) {
        if (blocked.has(record.key)) continue;
        blocked.add(record.key);
      }
      if (m.state !== 'ready' || m.dueMs > now) {
        nextMs = Math.min(nextMs, m.dueMs);
        continue;
      }
      m.attempt++;
      m.state = 'leased';
      m.dueMs = now + this.spec.ackDeadlineMs;
      out.push({ ackId: `${m.offset}:${m.attempt}`, attempt: m.attempt, record });
    }
    for (const m of this.#pending.values()) if (m.state === 'leased') nextMs = Math.min(nextMs, m.dueMs);
    this.#arm(nextMs);
    return out;
  }

  #arm(dueMs: number): void {
    if (dueMs === Infinity || this.#closed) return;
    if (this.#timer && this.#timer.dueMs <= dueMs) return;
    this.#timer?.handle.cancel();
    const clock = this.#t.clock;
    const handle = clock.setTimer(dueMs - clock.now(), () => {
      if (this.#timer?.handle === handle) this.#timer = null;
      this.notify();
    });
    this.#timer = { handle, dueMs };
  }

  #leased(ackId: string): Pending | null {
    const [o, a] = ackId.split(':').map(Number);
    const m = this.#pending.get(o ?? -1);
    return m && m.state === 'leased' && m.attempt === a ? m : null;
  }

  /** Not yet acknowledged: pending entries plus records past the cursor. */
  lag(): number {
    return this.#pending.size + Math.max(0, this.#t.size(this.spec.topic) - this.#cursor);
  }

  ack(ackIds: readonly string[]): void {
    for (const id of ackIds) {
      const m = this.#leased(id);
      if (m) this.#pending.delete(m.offset);
    }
    this.notify();
  }

  /** Moves the deadline of current leases to `ms` from now (the broker's modifyAckDeadline). */
  extend(ackIds: readonly string[], ms: number): void {
    const now = this.#t.clock.now();
    for (const id of ackIds) {
      const m = this.#leased(id);
      if (m) m.dueMs = now + ms;
    }
  }

  nack(ackId: string, o: { delayMs: number; reason: string }): void {
    const m = this.#leased(ackId);
    if (m) this.#fail(m, this.#t.clock.now(), o.delayMs, o.reason.slice(0, nackReasonLengthMax));
    this.notify();
  }

  #fail(m: Pending, atMs: number, delayMs: number | null, reason: string | null): void {
    if (reason !== null) m.reason = reason;
    const max = this.spec.maxDeliveryAttempts;
    if (max > 0 && m.attempt >= max) {
      this.#deadLetter(m);
      return;
    }
    const b = this.spec.backoff;
    m.state = 'ready';
    m.dueMs = atMs + (delayMs ?? Math.min(b.maxMs, Math.round(b.initialMs * b.multiplier ** Math.max(0, m.attempt - 1))));
  }

  #deadLetter(m: Pending): void {
    this.#pending.delete(m.offset);
    const topic = this.spec.deadLetterTopic;
    if (topic === null) return;
    const r = this.#t.record(this.spec.topic, m.offset)!;
    const headers = {
      ...r.headers,
      [DlqHeaders.reason]: m.reason ?? 'max_delivery_attempts',
      [DlqHeaders.attempts]: String(m.attempt),
      [DlqHeaders.topic]: this.spec.topic,
      [DlqHeaders.partition]: '0',
      [DlqHeaders.offset]: String(m.offset),
      [DlqHeaders.subscription]: this.spec.name,
    };
    this.#t.append(topic, { key: r.key, headers, value: r.value }, null);
  }
}
