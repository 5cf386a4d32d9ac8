// SubscriptionManager: create / get / list / delete subscriptions and route pull, ack, nack and
// stats to them. All state lives in the internal topic `__eddy_subscriptions` (a KvLog): `sub/<name>`
// holds the config, `part/<name>/<partition>` the ack floor, acked offsets above it and attempts.
// Invariant: ack() answers only after the state it changed is durable; concurrent acks share one putMany.
// An ack may hold that write up to its lingerMs for later acks to share it (see flush()).

import type { Broker } from '../broker.ts';
import { EddyError } from '../../errors.ts';
import { KvLog } from '../kv-log.ts';
import { parseAckIds } from './ack-id.ts';
import { StartPositions, validateCreate, validateSubscriptionName, type CreateSubscriptionOptions, type SubscriptionConfig } from './config.ts';
import { subscriptionLimits as L } from './limits.ts';
import { PartitionState, WindowBudget, type PersistedPartition } from './partition-state.ts';
import { Subscription, type PulledMessage, type SubscriptionHost, type SubscriptionStats } from './subscription.ts';

export const SUBSCRIPTIONS_TOPIC = '__eddy_subscriptions';

type Stored = SubscriptionConfig | PersistedPartition;

export interface PullOptions {
  max?: number;
  waitMs?: number;
  signal?: AbortSignal;
}

export interface NackOptions {
  delayMs?: number;
  reason?: string;
}

function intOption(v: unknown, name: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new EddyError('request.invalid', `${name} must be an integer in [${min}, ${max}]`);
  return v;
}

export interface SubscriptionManagerOptions {
  /** Bytes all subscription windows may hold together (default subscriptionLimits.windowBytesTotalMax). */
  windowBytesTotal?: number;
}

interface Hold {
  /** performance.now() time it ends. */
  readonly atMs: number;
  readonly released: Promise<void>;
  release(): void;
}

/** A hold on the next subscription-state write until `atMs` (performance.now() time); release() ends it early. */
function hold(atMs: number): Hold {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const timer = setTimeout(release, atMs - performance.now());
  return {
    atMs,
    released,
    release: () => {
      clearTimeout(timer);
      release();
    },
  };
}

export class SubscriptionManager implements SubscriptionHost {
  readonly broker: Broker;
  readonly windows: WindowBudget;
  readonly #kv: KvLog<Stored>;
  readonly #subs = new Map<string, Subscription>();
  readonly #dirty = new Map<string, { sub: Subscription; partition: number }>();
  #nextFlush: Promise<void> | null = null;
  /** Holds the next write for acks that asked to share it (flush(lingerMs)). */
  #hold: Hold | null = null;
  /** Acks waiting for the next write (flush(_, acks)): a hold ends once they reach ackLingerAcksMax. */
  #heldAcks = 0;
  #writing: Promise<void> | null = null;
  #admin: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(broker: Broker, kv: KvLog<Stored>, options: SubscriptionManagerOptions = {}) {
    this.broker = broker;
    this.windows = new WindowBudget(options.windowBytesTotal);
    this.#kv = kv;
    const parts = new Map<string, Map<number, PersistedPartition>>();
    for (const [key, value] of kv.entries()) {
      const m = /^part\/(.+)\/(\d+)$/.exec(key);
      if (!m) continue;
      let byName = parts.get(m[1]!);
      if (!byName) parts.set(m[1]!, (byName = new Map()));
      byName.set(Number(m[2]), value as PersistedPartition);
    }
    for (const [key, value] of kv.entries()) {
      if (!key.startsWith('sub/')) continue;
      const config = value as SubscriptionConfig;
      this.#subs.set(config.name, new Subscription(this, config, parts.get(config.name) ?? new Map()));
    }
  }

  static async open(broker: Broker, options: SubscriptionManagerOptions = {}): Promise<SubscriptionManager> {
    return new SubscriptionManager(broker, await KvLog.open<Stored>(broker.logs, SUBSCRIPTIONS_TOPIC), options);
  }

  /** Serialises create / delete so two of them never interleave. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#admin.then(fn, fn);
    this.#admin = run.catch(() => {});
    return run;
  }

  create(options: CreateSubscriptionOptions): Promise<SubscriptionConfig> {
    return this.#serial(async () => {
      this.#checkOpen();
      const config = validateCreate(options, this.broker.clock.now());
      if (this.#subs.has(config.name)) throw new EddyError('subscription.already_exists', `subscription "${config.name}" already exists`, { subscription: config.name });
      if (this.#subs.size >= L.subscriptionsMax) throw new EddyError('subscription.invalid', `at most ${L.subscriptionsMax} subscriptions`);
      const topic = this.broker.describeTopic(config.topic);
      if (config.deadLetterTopic !== null && !this.broker.hasTopic(config.deadLetterTopic)) {
        if (!this.broker.autoCreateTopics) throw new EddyError('subscription.invalid', `dead-letter topic "${config.deadLetterTopic}" does not exist and auto-creation is off`, { field: 'deadLetterTopic' });
        // Created now, not on the first dead letter: Pub/Sub also wants it to exist up front, and
        // concurrent first publishes to a topic being auto-created can find its partitions unopened.
        await this.broker.createTopic(config.deadLetterTopic).catch((e: unknown) => {
          if (!(e instanceof EddyError && e.code === 'topic.already_exists')) throw e;
        });
      }
      const parts = new Map<number, PersistedPartition>();
      for (const p of topic.partitions) {
        const start = config.from === StartPositions.latest ? p.latestOffset : p.earliestOffset;
        parts.set(p.partition, PartitionState.fresh(Math.max(0, start)));
      }
      await this.#kv.putMany([[`sub/${config.name}`, config], ...[...parts].map(([p, s]) => [`part/${config.name}/${p}`, s] as const)]);
      this.#subs.set(config.name, new Subscription(this, config, parts));
      return config;
    });
  }

  get(name: string): SubscriptionConfig {
    return this.#sub(name).config;
  }

  list(): SubscriptionConfig[] {
    return [...this.#subs.values()].map((s) => s.config).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  delete(name: string): Promise<void> {
    return this.#serial(async () => {
      this.#checkOpen();
      const sub = this.#sub(name);
      const keys: [string, null][] = [[`sub/${name}`, null]];
      for (const [key] of this.#kv.entries()) if (key.startsWith(`part/${name}/`)) keys.push([key, null]);
      this.#subs.delete(name);
      await sub.close();
      for (const [key, d] of this.#dirty) if (d.sub === sub) this.#dirty.delete(key);
      await this.#kv.putMany(keys);
    });
  }

  async pull(name: string, options: PullOptions = {}): Promise<PulledMessage[]> {
    const max = intOption(options.max, 'max', 1, L.pullMessagesMax, 100);
    const waitMs = intOption(options.waitMs, 'waitMs', 0, L.pullWaitMsMax, 0);
    return this.#sub(name).pull({ max, waitMs, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /**
   * Well-formed ack ids of deliveries that are no longer current are ignored (Pub/Sub's behaviour).
   * `lingerMs`: how long the durable write may wait for later acks to share it (the answer comes
   * after it); 0, the default, writes at once.
   */
  ack(name: string, ackIds: readonly string[], options: { lingerMs?: number } = {}): Promise<{ acked: number; ignored: number }> {
    const sub = this.#sub(name);
    const lingerMs = intOption(options.lingerMs, 'lingerMs', 0, L.ackLingerMsMax, 0);
    return sub.ack(parseAckIds(name, ackIds), lingerMs);
  }

  nack(name: string, ackIds: readonly string[], options: NackOptions = {}): Promise<{ nacked: number; ignored: number }> {
    const sub = this.#sub(name);
    const refs = parseAckIds(name, ackIds);
    const delayMs = options.delayMs === undefined ? undefined : intOption(options.delayMs, 'delayMs', 0, L.backoffMsMax, 0);
    if (options.reason !== undefined && (typeof options.reason !== 'string' || options.reason.length === 0 || options.reason.length > L.nackReasonLengthMax)) {
      throw new EddyError('request.invalid', `reason must be a string of 1..${L.nackReasonLengthMax} characters`);
    }
    return sub.nack(refs, { ...(delayMs !== undefined ? { delayMs } : {}), ...(options.reason !== undefined ? { reason: options.reason } : {}) });
  }

  modifyAckDeadline(name: string, ackIds: readonly string[], deadlineMs: number): Promise<{ modified: number; ignored: number }> {
    const sub = this.#sub(name);
    const refs = parseAckIds(name, ackIds);
    return sub.modifyAckDeadline(refs, intOption(deadlineMs, 'ackDeadlineMs', 0, L.ackDeadlineMsMax, 0));
  }

  stats(name: string): SubscriptionStats {
    return this.#sub(name).stats();
  }

  markDirty(sub: Subscription, partition: number): void {
    this.#dirty.set(`part/${sub.config.name}/${partition}`, { sub, partition });
  }

  /**
   * Group commit of subscription state: callers arriving while a write runs share the next one. With
   * `lingerMs`, the next write also waits until that many ms from now (unless a caller wants it
   * sooner, or the acks waiting for it reach ackLingerAcksMax), so acks arriving meanwhile share it:
   * at a few thousand acks a second they otherwise come a few per frame, each frame its own
   * fdatasync, while at full speed a write carries enough acks not to wait. The hold is wall-clock
   * time, not the broker's clock: a batching delay, not a deadline. `acks`: how many acks the caller
   * adds to the next write.
   */
  flush(lingerMs = 0, acks = 0): Promise<void> {
    const atMs = performance.now() + lingerMs;
    if (this.#nextFlush === null) {
      this.#heldAcks = 0;
      if (lingerMs > 0) this.#hold = hold(atMs);
    } else if (this.#hold && atMs < this.#hold.atMs) {
      // Wanted sooner than the current hold: release it then (now, for an immediate flush).
      this.#hold.release();
      if (lingerMs > 0) this.#hold = hold(atMs);
    }
    this.#heldAcks += acks;
    if (this.#hold && this.#heldAcks >= L.ackLingerAcksMax) this.#hold.release();
    this.#nextFlush ??= (async () => {
      await (this.#writing ?? Promise.resolve()).catch(() => {});
      while (this.#hold) {
        const h = this.#hold;
        await h.released;
        if (this.#hold === h) this.#hold = null; // else replaced by a sooner one: wait for that
      }
      this.#nextFlush = null;
      const batch = [...this.#dirty];
      this.#dirty.clear();
      const entries: [string, PersistedPartition][] = [];
      for (const [key, d] of batch) {
        const state = d.sub.closed ? null : d.sub.partitionState(d.partition);
        if (state) entries.push([key, state]);
      }
      const write = this.#kv.putMany(entries);
      this.#writing = write;
      try {
        await write;
      } catch (e) {
        for (const [key, d] of batch) if (!this.#dirty.has(key)) this.#dirty.set(key, d); // retried by the next flush
        throw e;
      } finally {
        if (this.#writing === write) this.#writing = null;
      }
    })();
    return this.#nextFlush;
  }

  /** Stops every subscription (pullers get empty answers) and writes their last state. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hold?.release(); // a held write goes now
    await this.#admin;
    const subs = [...this.#subs.values()];
    for (const sub of subs) for (const p of sub.partitions) this.markDirty(sub, p);
    const entries = [...this.#dirty].flatMap(([key, d]) => {
      const s = d.sub.partitionState(d.partition);
      return s ? [[key, s] as [string, PersistedPartition]] : [];
    });
    this.#dirty.clear();
    await Promise.all(subs.map((s) => s.close()));
    await (this.#writing ?? Promise.resolve()).catch(() => {});
    await this.#kv.putMany(entries).catch(() => {});
  }

  #sub(name: string): Subscription {
    validateSubscriptionName(name);
    const sub = this.#subs.get(name);
    if (!sub || this.#closed) throw new EddyError('subscription.not_found', `subscription "${name}" does not exist`, { subscription: name });
    return sub;
  }

  #checkOpen(): void {
    if (this.#closed) throw new EddyError('log.closed', 'subscriptions are shutting down');
  }
}
