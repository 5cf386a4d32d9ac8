// The runtime of one subscription: reads the topic's partitions ahead into a bounded window, leases
// messages to pullers (one puller at a time per message), expires leases at the ack deadline, applies
// backoff between attempts, keeps per-key order when asked, and dead-letters after the last attempt.
// Invariant: a message is leased to at most one puller, and leaves its partition's window only when
// acked or when its dead-letter publish is durable.

import type { Broker } from '../broker.ts';
import { EddyError } from '../../errors.ts';
import type { Timer } from '../../log/clock.ts';
import { recordAt, type RecordRef } from '../../log/codec/record-batch.ts';
import type { PartitionLog } from '../../log/partition-log.ts';
import { formatAckId, type AckRef } from './ack-id.ts';
import { backoffMs, type SubscriptionConfig } from './config.ts';
import { subscriptionLimits } from './limits.ts';
import { MessageStates, PartitionState, type PendingMessage, type PersistedPartition, type WindowBudget } from './partition-state.ts';

export interface PulledMessage {
  ackId: string;
  deliveryAttempt: number;
  partition: number;
  offset: number;
  /** The record as the window holds it: decode it with recordAt, or recordTextAt for a view as JSON. */
  record: RecordRef;
}

/** Keys #take keeps across scans (see #keysSeen). */
const keysSeenMax = 2_048;

export interface SubscriptionStats {
  backlog: number;
  inFlight: number;
  waiting: number;
  deadLettered: number;
  delivered: number;
}

/** What a subscription needs from its manager: the broker and batched, durable state writes. */
export interface SubscriptionHost {
  readonly broker: Broker;
  /** The byte budget shared by every subscription's windows. */
  readonly windows: WindowBudget;
  markDirty(sub: Subscription, partition: number): void;
  /** Resolves once every state marked dirty before the call is durable (the write held up to `lingerMs` for others to share). */
  flush(lingerMs?: number, acks?: number): Promise<void>;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

export class Subscription {
  readonly config: SubscriptionConfig;
  readonly #host: SubscriptionHost;
  readonly #parts = new Map<number, PartitionState>();
  readonly #waiters = new Set<() => void>();
  readonly #deadLetters = new Set<Promise<void>>();
  #timer: { handle: Timer; dueMs: number } | null = null;
  #filling: Promise<void> | null = null;
  #rotor = 0;
  /**
   * Keys passed in the current partition scan of #take (ordered subscriptions): key -> the scan's
   * number. One map kept across scans, so a scan past a thousand leased messages does not build a set
   * of a thousand keys again; emptied after a take that leaves more than keysSeenMax keys in it (so it
   * holds at most that plus one scan's, a partition's window).
   */
  readonly #keysSeen = new Map<string, number>();
  /**
   * Ordered subscriptions: keys acked with a hold on their write (ack(_, lingerMs)) -> acks of them
   * waiting for it. A consumer runs a key's next event only once the previous one's ack is answered:
   * delivering that next event ends the hold (#take), so a busy key never waits for it.
   */
  readonly #heldKeys = new Map<string, number>();
  #scan = 0;
  #closed = false;

  constructor(host: SubscriptionHost, config: SubscriptionConfig, persisted: ReadonlyMap<number, PersistedPartition>) {
    this.#host = host;
    this.config = config;
    for (const [p, state] of persisted) this.#parts.set(p, new PartitionState(p, state, host.windows));
  }

  get #broker(): Broker {
    return this.#host.broker;
  }

  partitionState(p: number): PersistedPartition | null {
    return this.#parts.get(p)?.persisted() ?? null;
  }

  get partitions(): number[] {
    return [...this.#parts.keys()];
  }

  /** Long-poll pull: up to `max` messages, waiting up to `waitMs` (clock time) for one. */
  async pull(options: { max: number; waitMs: number; signal?: AbortSignal }): Promise<PulledMessage[]> {
    const clock = this.#broker.clock;
    const deadlineMs = clock.now() + options.waitMs;
    for (;;) {
      if (this.#closed) return [];
      this.#sweepIfDue();
      let out = this.#take(options.max);
      if (out.length > 0) {
        // Something to deliver already: answer now and top the window up behind the answer (a log
        // read returns whole batches; awaiting it here put a batch decode in every pull's latency).
        this.#fill().catch(() => {}); // a failure surfaces in the next pull that has to wait for it
        return out;
      }
      await this.#fill();
      if (this.#closed) return [];
      out = this.#take(options.max);
      if (out.length > 0) return out;
      const remainingMs = deadlineMs - clock.now();
      if (remainingMs <= 0 || options.signal?.aborted) return [];
      await this.#wait(remainingMs, options.signal);
    }
  }

  /**
   * Acks matching deliveries; stale or unknown (well-formed) ack ids are ignored, as in Pub/Sub.
   * Resolves once the acks are durable (their write held up to `lingerMs` for others to share it);
   * pullers are woken at once — a key's next event (ordered) need not wait for that write: were the
   * broker to stop before it, both events are delivered again, in order.
   */
  async ack(refs: readonly AckRef[], lingerMs = 0): Promise<{ acked: number; ignored: number }> {
    let acked = 0;
    let marked: PartitionState | null = null; // acks come in runs of one partition: marked once per run
    // Ordered, with a hold: the keys whose ack waits for the held write (see #take).
    const held: string[] | null = lingerMs > 0 && this.config.ordered ? [] : null;
    for (const ref of refs) {
      const st = this.#parts.get(ref.partition);
      const m = st?.get(ref.offset);
      if (!st || !m || m.attempt !== ref.attempt || m.state === MessageStates.deadLettering) continue;
      st.complete(m);
      if (st !== marked) this.#host.markDirty(this, st.partition);
      marked = st;
      acked++;
      if (held && m.keyLatin1 !== null) {
        held.push(m.keyLatin1);
        this.#heldKeys.set(m.keyLatin1, (this.#heldKeys.get(m.keyLatin1) ?? 0) + 1);
      }
    }
    if (acked > 0) {
      this.#notify();
      try {
        await this.#host.flush(lingerMs, acked);
      } finally {
        if (held) {
          for (const k of held) {
            const n = this.#heldKeys.get(k)! - 1;
            if (n === 0) this.#heldKeys.delete(k);
            else this.#heldKeys.set(k, n);
          }
        }
      }
    }
    return { acked, ignored: refs.length - acked };
  }

  /** Fails the current delivery of matching leased messages: redelivery after delayMs or the backoff. */
  async nack(refs: readonly AckRef[], options: { delayMs?: number; reason?: string }): Promise<{ nacked: number; ignored: number }> {
    const now = this.#broker.clock.now();
    let nacked = 0;
    for (const ref of refs) {
      const m = this.#leased(ref);
      if (!m) continue;
      this.#fail(m, { atMs: now, ...options });
      nacked++;
    }
    if (nacked > 0) {
      await this.#host.flush();
      this.#notify();
    }
    return { nacked, ignored: refs.length - nacked };
  }

  /** Extends (or with 0, ends like a nack without delay) the lease of matching messages. */
  async modifyAckDeadline(refs: readonly AckRef[], deadlineMs: number): Promise<{ modified: number; ignored: number }> {
    if (deadlineMs === 0) {
      const r = await this.nack(refs, { delayMs: 0 });
      return { modified: r.nacked, ignored: r.ignored };
    }
    const now = this.#broker.clock.now();
    let modified = 0;
    for (const ref of refs) {
      const m = this.#leased(ref);
      if (!m) continue;
      m.dueMs = now + deadlineMs; // later than before, unless deadlineMs is shorter:
      this.#arm(m.dueMs, false); // the timer stays at or before the earliest due time
      modified++;
    }
    return { modified, ignored: refs.length - modified };
  }

  stats(): SubscriptionStats {
    this.#ensurePartitions();
    const s: SubscriptionStats = { backlog: 0, inFlight: 0, waiting: 0, deadLettered: 0, delivered: 0 };
    for (const st of this.#parts.values()) {
      const log = this.#log(st.partition);
      const hw = log ? log.highWatermark : st.readOffset;
      const floor = st.floor;
      s.backlog += Math.max(0, hw - floor - st.ackedBelow(hw));
      for (const m of st.pendingMessages()) {
        if (m.state === MessageStates.leased) s.inFlight++;
        else if (m.attempt > 0) s.waiting++;
      }
      s.deadLettered += st.deadLettered;
      s.delivered += st.delivered;
    }
    return s;
  }

  /** Stops timers and wakes pullers (they return empty); waits for dead-letter publishes under way. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.handle.cancel();
    this.#timer = null;
    for (const st of this.#parts.values()) st.release();
    this.#notify();
    await Promise.allSettled([...this.#deadLetters]);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #leased(ref: AckRef): PendingMessage | null {
    const m = this.#parts.get(ref.partition)?.get(ref.offset);
    return m && m.attempt === ref.attempt && m.state === MessageStates.leased ? m : null;
  }

  #log(p: number): PartitionLog | null {
    try {
      return this.#broker.partitionLog(this.config.topic, p);
    } catch (e) {
      if (e instanceof EddyError && e.code === 'partition.offline') return null;
      throw e;
    }
  }

  /** Partitions added to the topic after the subscription was created start at their beginning. */
  #ensurePartitions(): void {
    const n = this.#broker.partitionCount(this.config.topic);
    for (let p = 0; p < n; p++) {
      if (this.#parts.has(p)) continue;
      const start = this.#log(p)?.logStartOffset ?? 0;
      this.#parts.set(p, new PartitionState(p, PartitionState.fresh(start), this.#host.windows));
      this.#host.markDirty(this, p);
    }
  }

  #fill(): Promise<void> {
    this.#filling ??= this.#readAhead().finally(() => {
      this.#filling = null;
    });
    return this.#filling;
  }

  async #readAhead(): Promise<void> {
    this.#ensurePartitions();
    for (const st of this.#parts.values()) {
      const log = this.#log(st.partition);
      if (!log) continue;
      if (st.readOffset < log.logStartOffset) st.skipTo(log.logStartOffset); // retention removed them unread
      if (!st.wantsFill) continue;
      while (!this.#closed && !st.windowFull && st.readOffset < log.highWatermark) {
        const room = subscriptionLimits.outstandingOffsetsMax - (st.readOffset - st.floor);
        const from = st.readOffset;
        const r = await this.#broker.readRecordRefs(this.config.topic, st.partition, from, {
          limit: Math.max(1, Math.min(room, subscriptionLimits.pullMessagesMax)),
          maxBytes: st.fillBytes,
        });
        if (this.#closed || st.readOffset !== from) return; // closed, or the log moved under us
        for (const rec of r.records) {
          const m = st.admit(rec);
          const max = this.config.maxDeliveryAttempts;
          if (m && max > 0 && m.attempt >= max) this.#deadLetter(m); // its last attempt was lost in a restart
        }
        st.skipTo(r.nextOffset);
        if (st.readOffset === from) break;
      }
    }
  }

  /**
   * Sweeps when the timer's time has come and it has not fired yet (a late timer). The timer is
   * always armed at or before the earliest due time of any message (#arm keeps the earlier one),
   * so with no timer due there is nothing to expire: a pull does not walk the whole window.
   */
  #sweepIfDue(): void {
    if (this.#timer !== null && this.#timer.dueMs <= this.#broker.clock.now()) this.#sweep();
  }

  /** Expires leases, retries failed dead-letter publishes, and arms the timer for the next due time. */
  #sweep(): void {
    const now = this.#broker.clock.now();
    let nextMs = Infinity;
    let changed = false;
    for (const st of this.#parts.values()) {
      for (const m of st.pendingMessages()) {
        if (m.dueMs <= now && m.state === MessageStates.leased) {
          this.#fail(m, { atMs: m.dueMs });
          changed = true;
        } else if (m.dueMs <= now && m.state === MessageStates.deadLettering) this.#deadLetter(m);
        if (m.dueMs > now) nextMs = Math.min(nextMs, m.dueMs);
      }
    }
    if (changed) this.#host.flush().catch(() => {}); // best effort: attempt counts; acks flush themselves
    this.#arm(nextMs, true);
  }

  #arm(dueMs: number, replace: boolean): void {
    if (this.#closed || dueMs === Infinity) return;
    if (this.#timer && (this.#timer.dueMs <= dueMs && !replace)) return;
    if (this.#timer && this.#timer.dueMs === dueMs) return;
    this.#timer?.handle.cancel();
    const clock = this.#broker.clock;
    const handle = clock.setTimer(dueMs - clock.now(), () => {
      if (this.#timer?.handle !== handle) return;
      this.#timer = null;
      this.#sweep();
      this.#notify();
    });
    this.#timer = { handle, dueMs };
  }

  /** One failed delivery (nack or expiry): backoff then redelivery, or the dead-letter topic. */
  #fail(m: PendingMessage, o: { atMs: number; delayMs?: number; reason?: string }): void {
    if (o.reason !== undefined) m.reason = o.reason;
    this.#host.markDirty(this, m.partition);
    const max = this.config.maxDeliveryAttempts;
    if (max > 0 && m.attempt >= max) {
      this.#deadLetter(m);
      return;
    }
    m.state = MessageStates.ready;
    m.dueMs = o.atMs + (o.delayMs ?? backoffMs(this.config.backoff, m.attempt));
    this.#arm(m.dueMs, false); // wakes pullers when the backoff has passed
  }

  #take(max: number): PulledMessage[] {
    const now = this.#broker.clock.now();
    const out: PulledMessage[] = [];
    let releaseHold = false;
    const parts = [...this.#parts.values()];
    for (let i = 0; i < parts.length && out.length < max; i++) {
      const st = parts[(this.#rotor + i) % parts.length]!;
      const ordered = this.config.ordered;
      const scan = ++this.#scan;
      const end = st.end();
      for (let n = st.first(); n < end && out.length < max; n++) {
        const m = st.messageAt(n);
        if (m === null) continue; // done, not yet passed by the floor
        if (ordered && m.keyLatin1 !== null) {
          if (this.#keysSeen.get(m.keyLatin1) === scan) continue; // an earlier event of this key is not done yet
          this.#keysSeen.set(m.keyLatin1, scan);
        }
        if (m.state !== MessageStates.ready || m.dueMs > now) continue;
        if (ordered && m.keyLatin1 !== null && this.#heldKeys.size > 0 && this.#heldKeys.has(m.keyLatin1)) releaseHold = true;
        st.delivering(m);
        m.state = MessageStates.leased;
        m.dueMs = now + this.config.ackDeadlineMs;
        out.push({ ackId: formatAckId(this.config.name, m), deliveryAttempt: m.attempt, partition: m.partition, offset: m.offset, record: m });
      }
    }
    this.#rotor = (this.#rotor + 1) % Math.max(1, parts.length);
    if (this.#keysSeen.size > keysSeenMax) this.#keysSeen.clear();
    // A key's next event goes out while its previous ack's write is held: write it now (the consumer
    // would otherwise wait out the hold before running it).
    if (releaseHold) this.#host.flush().catch(() => {});
    if (out.length > 0) this.#arm(now + this.config.ackDeadlineMs, false);
    return out;
  }

  /** Publishes to the dead-letter topic (durable), then completes the message; retries on failure. */
  #deadLetter(m: PendingMessage): void {
    const topic = this.config.deadLetterTopic;
    if (topic === null || this.#closed) return;
    m.state = MessageStates.deadLettering;
    m.dueMs = Infinity;
    const record = recordAt(m);
    const headers = [
      ...record.headers,
      { key: 'eddy.dlq.reason', value: utf8(m.reason ?? 'max_delivery_attempts') },
      { key: 'eddy.dlq.attempts', value: utf8(String(m.attempt)) },
      { key: 'eddy.dlq.topic', value: utf8(this.config.topic) },
      { key: 'eddy.dlq.partition', value: utf8(String(m.partition)) },
      { key: 'eddy.dlq.offset', value: utf8(String(m.offset)) },
      { key: 'eddy.dlq.subscription', value: utf8(this.config.name) },
    ];
    const id = `eddy.dlq/${this.config.name}/${this.config.createdMs}/${m.partition}/${m.offset}`;
    const run = (async () => {
      try {
        await this.#broker.publish(topic, [{ key: record.key, value: record.value, headers, id }]);
      } catch {
        if (this.#closed) return;
        m.dueMs = this.#broker.clock.now() + Math.max(subscriptionLimits.deadLetterRetryMsMin, this.config.backoff.maxMs); // retried by #sweep
        this.#arm(m.dueMs, false);
        return;
      }
      const st = this.#parts.get(m.partition);
      if (this.#closed || !st || st.get(m.offset) !== m) return;
      st.complete(m);
      st.deadLettered++;
      this.#host.markDirty(this, m.partition);
      this.#notify();
      await this.#host.flush().catch(() => {});
    })();
    this.#deadLetters.add(run);
    void run.finally(() => this.#deadLetters.delete(run));
  }

  /** Wakes every waiting puller (something may have become deliverable). */
  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async #wait(remainingMs: number, signal?: AbortSignal): Promise<void> {
    let wake: () => void = () => {};
    let timer: Timer | null = null;
    const cancels: (() => void)[] = [];
    try {
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.#waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
        timer = this.#broker.clock.setTimer(remainingMs, resolve);
        for (const st of this.#parts.values()) {
          // Records at the read position wake a puller only if a fill would read them: a window in
          // its refill band (not full, but not free enough to be worth a read) waits for acks, which
          // notify. Waking on them spun pull's loop without ever yielding to I/O.
          if (!st.wantsFill) continue;
          const log = this.#log(st.partition);
          if (log) cancels.push(log.onAdvance(st.readOffset, (arrived) => arrived && resolve()));
        }
      });
    } finally {
      this.#waiters.delete(wake);
      (timer as Timer | null)?.cancel();
      for (const cancel of cancels) cancel();
      signal?.removeEventListener('abort', wake);
    }
  }
}
