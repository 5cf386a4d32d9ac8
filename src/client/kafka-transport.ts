// The `kafka` transport: any Kafka-protocol cluster (Eddy's own Kafka listener, Kafka, Redpanda)
// through kafkajs. Publishes with an idempotent producer in the CloudEvents Kafka binding (binary
// mode: ce_ headers, partitionkey as the key). A (group, topic) subscription is a kafkajs consumer
// group named like the broker subscription (`<group>.<topic>`; kafkajs's assigner needs every member
// of a group to subscribe to the same topics, so groups are not shared across topics). Retries use
// the well-known Kafka pattern: a failed event is republished to `<topic>.retry` with its due time,
// attempt and subscription in headers; a second consumer (group `<group>.<topic>.retry`) waits until
// each is due and redelivers it; after the last attempt it goes to the dead-letter topic with the
// broker's eddy.dlq.* headers. Offsets are committed only up to the lowest unfinished record of each
// partition (ack = commit offset+1 in order), so a crash redelivers rather than skips. Delayed
// publishes go to `<topic>.delay`; the first subscription to a topic starts its forwarder
// (kafka-delay.ts).
// Differences from the eddy transport, all the Kafka pattern's: no leases (ackDeadlineMs is not used;
// an unfinished record is redelivered after a crash or rebalance, from attempt 1 again); a retried
// event no longer holds back later events of its key; a retry waits behind earlier retries of its
// retry-topic partition; `read` joins a throwaway group (slow on clusters with a rebalance delay).
// Invariant: kafkajs clients are disconnected by close(); the owner closes them before the broker.

import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Admin, Consumer, IHeaders, Kafka, KafkaMessage, logLevel as KafkaLogLevel, Producer } from 'kafkajs';
import { systemClock, type Clock } from '../log/clock.ts';
import { EddyError } from '../errors.ts';
import { toWireRecord, type WireRecord } from './envelope.ts';
import { DelayForwarder, delayDueHeader, delayTopicSuffix } from './kafka-delay.ts';
import { sharedAbortController, wakeOrTimeout } from './waits.ts';
import { DlqHeaders, nackReasonLengthMax, type Delivery, type OutgoingEvent, type PullOptions, type SubscriptionSpec, type Transport, type TransportSubscription } from './transport.ts';

/** Headers of a record on `<topic>.retry`. */
export const RetryHeaders = {
  /** Epoch milliseconds at which the record is redelivered. */
  due: 'eddy.retry.due',
  /** The delivery attempt the redelivery is (2 for the first retry). */
  attempt: 'eddy.retry.attempt',
  /** The subscription (`<group>.<topic>`) that failed it: the retry topic is shared by all groups. */
  subscription: 'eddy.retry.subscription',
  /** Where the event was first stored, for the dead-letter headers. */
  topic: 'eddy.retry.topic',
  partition: 'eddy.retry.partition',
  offset: 'eddy.retry.offset',
  reason: 'eddy.retry.reason',
} as const;

export interface KafkaTransportOptions {
  brokers: string[];
  clientId?: string;
  /** Partitions of the topics this transport creates (the main, retry and dead-letter topics); default: the broker's. */
  partitions?: number;
  /** Consumer group timings (kafkajs names); the defaults suit a real cluster. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Fetch long-poll; kafkajs heartbeats between fetches, so keep it well under the session timeout. */
  maxWaitTimeMs?: number;
  /** Records fetched but not yet finished per subscription before fetching pauses (backpressure). */
  maxBufferedRecords?: number;
  clock?: Clock;
  logLevel?: KafkaLogLevel;
}

/** Suffix of the retry topic of `<topic>`. */
export const retryTopicSuffix = '.retry';

/** The longest `read` waits for a topic's records up to the end it saw when it started. */
const readTimeoutMs = 30_000;

const retryHeaderNames = new Set<string>(Object.values(RetryHeaders));

function failed(what: string, e: unknown): EddyError {
  if (e instanceof EddyError) return e;
  return new EddyError('sdk.transport_failed', `kafka ${what}: ${e instanceof Error ? e.message : String(e)}`);
}

function headerText(v: IHeaders[string]): string | null {
  if (v === undefined) return null;
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined) return null;
  return typeof one === 'string' ? one : one.toString('utf8');
}

function headersOf(m: KafkaMessage): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) out[k] = headerText(v);
  return out;
}

/** A stored record as the SDK reads it: JSON value parsed, anything else as base64. */
export function wireOf(m: KafkaMessage): WireRecord {
  const headers = headersOf(m);
  const key = m.key === null ? null : m.key.toString('utf8');
  if (m.value === null) return { key, headers, value: null };
  try {
    return { key, headers, value: JSON.parse(m.value.toString('utf8')) };
  } catch {
    return { key, headers, value: m.value.toString('base64'), valueEncoding: 'base64' };
  }
}

/** `kafka://host:port[,host:port]` -> the broker list. */
export function kafkaBrokers(uri: string): string[] {
  if (!uri.startsWith('kafka://')) throw new EddyError('sdk.invalid_options', `transport "${uri}" is not kafka://host:port[,host:port]`);
  const brokers = uri.slice('kafka://'.length).replace(/\/+$/, '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (brokers.length === 0 || brokers.some((b) => !/^[^:/\s]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b))) {
    throw new EddyError('sdk.invalid_options', `transport "${uri}": brokers must be host:port[,host:port]`);
  }
  return brokers;
}

/**
 * kafkajs, loaded by the first KafkaTransport rather than when the SDK is imported (a service on the
 * eddy transport never needs it); it is CommonJS, so a synchronous require serves the constructor.
 */
let kafkajs: typeof import('kafkajs') | undefined;
const loadKafkajs = (): typeof import('kafkajs') => (kafkajs ??= createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs'));

export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  readonly clock: Clock;
  /** The kafkajs client (for tools: admin, extra consumers). */
  readonly client: Kafka;
  readonly options: Readonly<KafkaTransportOptions>;
  readonly #topics = new Map<string, Promise<void>>();
  readonly #subs = new Set<KafkaSubscription>();
  readonly #forwarders = new Map<string, DelayForwarder>();
  #producer: Promise<Producer> | null = null;
  #admin: Promise<Admin> | null = null;
  #closed = false;

  constructor(options: KafkaTransportOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) throw new EddyError('sdk.invalid_options', 'kafka transport: brokers is required');
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const kafkajs = loadKafkajs();
    this.client = new kafkajs.Kafka({
      clientId: options.clientId ?? 'eddy-sdk',
      brokers: options.brokers,
      logLevel: options.logLevel ?? kafkajs.logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
  }

  #checkOpen(): void {
    if (this.#closed) throw new EddyError('sdk.closed', 'kafka transport is closed');
  }

  #getAdmin(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.client.admin();
      this.#admin = admin.connect().then(() => admin);
      this.#admin.catch(() => (this.#admin = null));
    }
    return this.#admin;
  }

  #getProducer(): Promise<Producer> {
    if (!this.#producer) {
      const producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: loadKafkajs().Partitioners.DefaultPartitioner });
      this.#producer = producer.connect().then(() => producer);
      this.#producer.catch(() => (this.#producer = null));
    }
    return this.#producer;
  }

  /** Creates the topic when missing (an existing one is used as is). */
  ensureTopic(topic: string): Promise<void> {
    let p = this.#topics.get(topic);
    if (!p) {
      p = (async () => {
        const admin = await this.#getAdmin();
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, ...(this.options.partitions ? { numPartitions: this.options.partitions } : {}) }] });
      })();
      this.#topics.set(topic, p);
      p.catch(() => this.#topics.delete(topic));
    }
    return p;
  }

  /** Sends raw messages to one topic with the idempotent producer (acks from all replicas). */
  async send(topic: string, messages: { key: string | Buffer | null; value: string | Buffer | null; headers: Record<string, string | Buffer> }[]): Promise<void> {
    this.#checkOpen();
    try {
      await this.ensureTopic(topic);
      const producer = await this.#getProducer();
      await producer.send({ topic, acks: -1, messages });
    } catch (e) {
      throw failed(`send to ${topic}`, e);
    }
  }

  /** Delayed events go to `<topic>.delay` with their due time (kafka-delay.ts forwards them when due). */
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.#checkOpen();
    const byTopic = new Map<string, { key: string | null; value: string | null; headers: Record<string, string> }[]>();
    for (const e of events) {
      const r = toWireRecord(e.envelope);
      const topic = e.deliverAt === undefined ? e.topic : e.topic + delayTopicSuffix;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== null) headers[k] = v;
      if (e.deliverAt !== undefined) headers[delayDueHeader] = String(Math.round(e.deliverAt));
      list.push({ key: r.key, value: r.value === undefined || r.value === null ? null : JSON.stringify(r.value), headers });
    }
    for (const [topic, list] of byTopic) await this.send(topic, list);
  }

  async subscribe(spec: SubscriptionSpec): Promise<TransportSubscription> {
    this.#checkOpen();
    try {
      await this.ensureTopic(spec.topic);
      await this.ensureTopic(spec.topic + retryTopicSuffix);
      await this.ensureTopic(spec.topic + delayTopicSuffix);
      if (spec.deadLetterTopic) await this.ensureTopic(spec.deadLetterTopic);
      await this.#forwarder(spec.topic);
    } catch (e) {
      throw failed(`create the topics of ${spec.name}`, e);
    }
    const sub = new KafkaSubscription(this, spec);
    this.#subs.add(sub);
    try {
      await sub.start();
    } catch (e) {
      await sub.close();
      this.#subs.delete(sub);
      throw failed(`subscribe ${spec.name}`, e);
    }
    return {
      pull: (o) => sub.pull(o),
      ack: (ids) => sub.ack(ids),
      nack: (id, o) => sub.nack(id, o),
      // Waiting in the main topic plus waiting in the retry topic, each from its group's committed offsets.
      lag: async () => (await this.groupLag(spec.name, spec.topic)) + (await this.groupLag(spec.name + retryTopicSuffix, spec.topic + retryTopicSuffix)),
      close: async () => {
        await sub.close();
        this.#subs.delete(sub);
      },
    };
  }

  /**
   * Records of `topic` past `groupId`'s committed offsets (a partition with no commit counts from its
   * low watermark: subscriptions start at the beginning).
   */
  async groupLag(groupId: string, topic: string): Promise<number> {
    this.#checkOpen();
    const admin = await this.#getAdmin();
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let lag = 0n;
    for (const p of ends) {
      const c = at.get(p.partition) ?? -1n;
      const from = c < 0n ? BigInt(p.low) : c;
      if (BigInt(p.high) > from) lag += BigInt(p.high) - from;
    }
    return Number(lag);
  }

  /** This transport's forwarder of `<topic>.delay` (one per topic, started by the first subscription to it). */
  #forwarder(topic: string): Promise<void> {
    let f = this.#forwarders.get(topic);
    if (!f) this.#forwarders.set(topic, (f = new DelayForwarder(this, topic)));
    return f.start();
  }

  /** Reads a topic from its start with a throwaway consumer group (inspection, not a hot path). */
  async read(topic: string, options: { max: number }): Promise<WireRecord[]> {
    this.#checkOpen();
    let ends: Map<number, bigint>;
    try {
      const admin = await this.#getAdmin();
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) return [];
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    } catch (e) {
      throw failed(`read ${topic}`, e);
    }
    if (ends.size === 0 || options.max <= 0) return [];
    const groupId = `eddy-read-${randomUUID()}`;
    const consumer = this.client.consumer({ groupId, ...this.#timings() });
    const out: WireRecord[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const left = new Map(ends);
        // A guard against a partition whose end cannot be reached (records deleted meanwhile).
        const guard = setTimeout(resolve, readTimeoutMs);
        const finish = () => (clearTimeout(guard), resolve());
        consumer.on(consumer.events.CRASH, (e) => (clearTimeout(guard), reject(e.payload.error)));
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                const end = left.get(batch.partition);
                if (end === undefined || BigInt(m.offset) >= end) continue;
                if (out.length < options.max) out.push(wireOf(m));
                if (BigInt(m.offset) + 1n >= end) left.delete(batch.partition);
              }
              if (out.length >= options.max || left.size === 0) finish();
            },
          })
          .catch(reject);
      });
    } catch (e) {
      throw failed(`read ${topic}`, e);
    } finally {
      await consumer.disconnect().catch(() => {});
      await this.#getAdmin()
        .then((a) => a.deleteGroups([groupId]))
        .catch(() => {});
    }
    return out;
  }

  #timings() {
    return {
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 500,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    };
  }

  /** A consumer in `groupId` with this transport's timings. */
  consumer(groupId: string): Consumer {
    return this.client.consumer({ groupId, ...this.#timings() });
  }

  get maxBufferedRecords(): number {
    return this.options.maxBufferedRecords ?? 1_000;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs].map((s) => s.close()));
    this.#subs.clear();
    await Promise.all([...this.#forwarders.values()].map((f) => f.close()));
    this.#forwarders.clear();
    const producer = this.#producer;
    const admin = this.#admin;
    this.#producer = null;
    this.#admin = null;
    await Promise.all([producer?.then((p) => p.disconnect()).catch(() => {}), admin?.then((a) => a.disconnect()).catch(() => {})]);
  }
}

/** One fetched record, from the main topic or the retry topic, until it is finished. */
interface Entry {
  ackId: string;
  source: 'main' | 'retry';
  topic: string;
  partition: number;
  offset: bigint;
  attempt: number;
  message: KafkaMessage;
  record: WireRecord;
  state: 'buffered' | 'leased' | 'done';
}

/** Offsets of one partition of one consumer, in fetch order; committed up to the first unfinished. */
interface Track {
  entries: Entry[];
  /** The next offset expected: a re-fetched lower offset (after a rebalance) is already here. */
  next: bigint;
}

class KafkaSubscription {
  readonly #t: KafkaTransport;
  readonly #spec: SubscriptionSpec;
  readonly #retryTopic: string;
  readonly #main: Consumer;
  readonly #retry: Consumer;
  readonly #tracks = new Map<string, Track>();
  readonly #byAckId = new Map<string, Entry>();
  readonly #buffer: Entry[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #stop = sharedAbortController();
  #outstanding = 0;
  #commits: Promise<void> = Promise.resolve();
  #crash: unknown = null;
  #closing: Promise<void> | null = null;
  #generation = 0;

  constructor(t: KafkaTransport, spec: SubscriptionSpec) {
    this.#t = t;
    this.#spec = spec;
    this.#retryTopic = spec.topic + retryTopicSuffix;
    this.#main = t.consumer(spec.name);
    this.#retry = t.consumer(spec.name + retryTopicSuffix);
  }

  async start(): Promise<void> {
    const joined = (c: Consumer) =>
      new Promise<void>((resolve, reject) => {
        c.on(c.events.GROUP_JOIN, () => resolve());
        c.on(c.events.CRASH, (e) => {
          if (!e.payload.restart) {
            this.#crash = e.payload.error;
            reject(e.payload.error);
            this.#wake();
          }
        });
      });
    for (const [c, source] of [
      [this.#main, 'main'],
      [this.#retry, 'retry'],
    ] as const) {
      c.on(c.events.GROUP_JOIN, (e) => this.#assigned(source, e.payload.memberAssignment));
    }
    const mainJoined = joined(this.#main);
    const retryJoined = joined(this.#retry);
    await this.#main.connect();
    await this.#retry.connect();
    await this.#main.subscribe({ topic: this.#spec.topic, fromBeginning: true });
    await this.#retry.subscribe({ topic: this.#retryTopic, fromBeginning: true });
    await this.#main.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => this.#onBatch('main', batch.topic, batch.partition, batch.messages, { heartbeat, isRunning, isStale, resolveOffset }) });
    // Partitions of the retry topic concurrently: one waiting for its head's due time blocks no other.
    await this.#retry.run({ autoCommit: false, partitionsConsumedConcurrently: 8, eachBatchAutoResolve: false, eachBatch: ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => this.#onBatch('retry', batch.topic, batch.partition, batch.messages, { heartbeat, isRunning, isStale, resolveOffset }) });
    // Ready once both are in their groups: events published from now on are not missed (and new
    // groups start at the topic's beginning anyway).
    await Promise.all([mainJoined, retryJoined]);
  }

  /** A new assignment: forget partitions this member lost (their new owner redelivers what was unfinished). */
  #assigned(source: 'main' | 'retry', assignment: Record<string, number[]>): void {
    this.#generation++;
    const kept = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) for (const p of partitions) kept.add(`${source}|${topic}|${p}`);
    for (const [k, track] of this.#tracks) {
      if (!k.startsWith(`${source}|`) || kept.has(k)) continue;
      this.#tracks.delete(k);
      for (const e of track.entries) {
        this.#byAckId.delete(e.ackId);
        if (e.state !== 'done') this.#outstanding--;
      }
      for (let i = this.#buffer.length - 1; i >= 0; i--) if (this.#buffer[i]!.state === 'buffered' && !this.#byAckId.has(this.#buffer[i]!.ackId)) this.#buffer.splice(i, 1);
    }
  }

  async #onBatch(
    source: 'main' | 'retry',
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    k: { heartbeat(): Promise<void>; isRunning(): boolean; isStale(): boolean; resolveOffset(offset: string): void },
  ): Promise<void> {
    // Offsets are resolved (kafkajs's fetch position) only for records taken in; an abandoned batch
    // (close, rebalance) is fetched again and its records already here are skipped. Commits are ours.
    const key = `${source}|${topic}|${partition}`;
    let track = this.#tracks.get(key);
    if (!track) this.#tracks.set(key, (track = { entries: [], next: -1n }));
    for (const m of messages) {
      const offset = BigInt(m.offset);
      if (offset < track.next) {
        k.resolveOffset(m.offset); // already here (re-fetched after a rebalance)
        continue;
      }
      // Backpressure: wait for room, heartbeating so the group keeps this member.
      while (this.#outstanding >= this.#t.maxBufferedRecords) {
        if (!(await this.#idle(k, 200))) return;
      }
      let attempt = 1;
      if (source === 'retry') {
        const h = headersOf(m);
        if (h[RetryHeaders.subscription] !== this.#spec.name) {
          this.#add(track, key, source, topic, partition, offset, 1, m, 'done');
          k.resolveOffset(m.offset);
          await this.#advance(key, track);
          continue;
        }
        attempt = Math.max(2, Number(h[RetryHeaders.attempt] ?? 2) || 2);
        const due = Number(h[RetryHeaders.due] ?? 0) || 0;
        // Not due yet: wait here. The retry topic is consumed by this member alone for this partition,
        // and records are appended roughly in due order, so waiting on the head is the pattern's cost.
        while (Date.now() < due) {
          if (!(await this.#idle(k, Math.min(1_000, due - Date.now())))) return;
        }
      }
      if (!k.isRunning() || k.isStale() || this.#stop.signal.aborted) return;
      const e = this.#add(track, key, source, topic, partition, offset, attempt, m, 'buffered');
      this.#buffer.push(e);
      k.resolveOffset(m.offset);
      this.#wake();
    }
  }

  /** Waits `ms` (cut short by close), then heartbeats; false when the batch should be abandoned. */
  async #idle(k: { heartbeat(): Promise<void>; isRunning(): boolean; isStale(): boolean }, ms: number): Promise<boolean> {
    await wakeOrTimeout(this.#waiters, Math.max(1, ms), this.#stop.signal); // an ack may make room
    if (this.#stop.signal.aborted || !k.isRunning() || k.isStale()) return false;
    await k.heartbeat().catch(() => {});
    return true;
  }

  #add(track: Track, key: string, source: 'main' | 'retry', topic: string, partition: number, offset: bigint, attempt: number, m: KafkaMessage, state: Entry['state']): Entry {
    const ackId = `${key}|${offset}|${this.#generation}`;
    const e: Entry = { ackId, source, topic, partition, offset, attempt, message: m, record: wireOf(m), state };
    track.entries.push(e);
    track.next = offset + 1n;
    if (state !== 'done') {
      this.#outstanding++;
      this.#byAckId.set(ackId, e);
    }
    return e;
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  async pull(o: PullOptions): Promise<Delivery[]> {
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      if (this.#crash !== null) throw failed(`consumer ${this.#spec.name}`, this.#crash);
      if (this.#closing || o.signal?.aborted) return [];
      if (this.#buffer.length > 0) {
        const out: Delivery[] = [];
        while (out.length < o.max && this.#buffer.length > 0) {
          const e = this.#buffer.shift()!;
          if (e.state !== 'buffered' || !this.#byAckId.has(e.ackId)) continue;
          e.state = 'leased';
          out.push({ ackId: e.ackId, attempt: e.attempt, record: e.record });
        }
        if (out.length > 0) return out;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await wakeOrTimeout(this.#waiters, remaining, o.signal);
    }
  }

  async ack(ackIds: readonly string[]): Promise<void> {
    const keys = new Set<string>();
    for (const id of ackIds) {
      const e = this.#finish(id);
      if (e) keys.add(`${e.source}|${e.topic}|${e.partition}`);
    }
    await Promise.all([...keys].map((k) => this.#advance(k, this.#tracks.get(k))));
  }

  #finish(ackId: string): Entry | null {
    const e = this.#byAckId.get(ackId);
    if (!e || e.state !== 'leased') return null;
    e.state = 'done';
    this.#byAckId.delete(ackId);
    this.#outstanding--;
    this.#wake();
    return e;
  }

  /** Commits past every finished record at the head of the partition, in order. */
  #advance(key: string, track: Track | undefined): Promise<void> {
    if (!track) return Promise.resolve();
    let last: bigint | null = null;
    while (track.entries.length > 0 && track.entries[0]!.state === 'done') last = track.entries.shift()!.offset;
    if (last === null) return this.#commits;
    const [source, ...rest] = key.split('|');
    const partition = Number(rest.pop());
    const topic = rest.join('|');
    const consumer = source === 'main' ? this.#main : this.#retry;
    const offset = String(last + 1n);
    this.#commits = this.#commits.then(() => consumer.commitOffsets([{ topic, partition, offset }])).catch(() => {
      // Lost the partition meanwhile (rebalance) or the broker is away: the record is redelivered.
    });
    return this.#commits;
  }

  async nack(ackId: string, o: { delayMs: number; reason: string }): Promise<void> {
    const e = this.#byAckId.get(ackId);
    if (!e || e.state !== 'leased') return;
    const spec = this.#spec;
    const reason = o.reason.slice(0, nackReasonLengthMax) || 'failed';
    const original = headersOf(e.message);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(original)) if (v !== null && !retryHeaderNames.has(k)) headers[k] = v;
    const from = {
      topic: e.source === 'retry' ? (original[RetryHeaders.topic] ?? spec.topic) : e.topic,
      partition: e.source === 'retry' ? (original[RetryHeaders.partition] ?? '0') : String(e.partition),
      offset: e.source === 'retry' ? (original[RetryHeaders.offset] ?? '0') : String(e.offset),
    };
    const message = (h: Record<string, string>) => ({ key: e.message.key, value: e.message.value, headers: h });
    if (spec.maxDeliveryAttempts > 0 && e.attempt >= spec.maxDeliveryAttempts) {
      if (spec.deadLetterTopic) {
        await this.#t.send(spec.deadLetterTopic, [
          message({
            ...headers,
            [DlqHeaders.reason]: reason,
            [DlqHeaders.attempts]: String(e.attempt),
            [DlqHeaders.topic]: from.topic,
            [DlqHeaders.partition]: from.partition,
            [DlqHeaders.offset]: from.offset,
            [DlqHeaders.subscription]: spec.name,
          }),
        ]);
      }
    } else {
      await this.#t.send(this.#retryTopic, [
        message({
          ...headers,
          [RetryHeaders.due]: String(Date.now() + Math.max(0, Math.round(o.delayMs))),
          [RetryHeaders.attempt]: String(e.attempt + 1),
          [RetryHeaders.subscription]: spec.name,
          [RetryHeaders.topic]: from.topic,
          [RetryHeaders.partition]: from.partition,
          [RetryHeaders.offset]: from.offset,
          [RetryHeaders.reason]: reason,
        }),
      ]);
    }
    // Stored on the retry or dead-letter topic: this record is finished.
    const done = this.#finish(ackId);
    if (done) {
      const k = `${done.source}|${done.topic}|${done.partition}`;
      await this.#advance(k, this.#tracks.get(k));
    }
  }

  /** Disconnects both consumers; unfinished records are redelivered from the committed offsets. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#stop.abort();
      this.#wake();
      this.#closing = (async () => {
        await this.#commits;
        await Promise.all([this.#main.disconnect().catch(() => {}), this.#retry.disconnect().catch(() => {})]);
      })();
    }
    return this.#closing;
  }
}
