// One partition of a subscription: the messages read from the log and not yet done (ready, leased
// to a puller, or being dead-lettered), the acked offsets above the ack floor, and the read position.
// Invariant: floor <= every pending offset < readOffset, and readOffset - floor <= outstandingOffsetsMax;
// the persisted form (floor, acked above it, attempts) is enough to resume without replaying acks.
// Cost: floor, complete and persisted are O(1) amortized / O(delivered-and-not-done), never a walk
// of the whole window (a pull and an ack run them for every request).

import { assert } from '../../errors.ts';
import type { RecordRef } from '../../log/codec/record-batch.ts';
import { subscriptionLimits } from './limits.ts';

export const MessageStates = { ready: 'ready', leased: 'leased', deadLettering: 'deadLettering' } as const;
export type MessageState = (typeof MessageStates)[keyof typeof MessageStates];

export interface PendingMessage {
  readonly partition: number;
  readonly offset: number;
  /** The record, decoded at delivery (recordAt): the window holds no header objects. */
  readonly record: RecordRef;
  /** Ordering key (latin1 of the record key), null when the record has no key. */
  readonly orderKey: string | null;
  readonly bytes: number;
  /** Deliveries so far (the current or last delivery's attempt number). */
  attempt: number;
  state: MessageState;
  /** ready: deliverable from; leased: ack deadline; deadLettering: next retry of the publish. */
  dueMs: number;
  /** The reason given with the last nack, for the dead-letter header. */
  reason: string | null;
}

/** The durable form, stored under `part/<subscription>/<partition>` in `__eddy_subscriptions`. */
export interface PersistedPartition {
  floor: number;
  acked: number[];
  /** [offset, attempts] of messages delivered at least once and not done. */
  attempts: [number, number][];
  delivered: number;
  deadLettered: number;
}

/**
 * The byte budget the windows of every subscription share (subscriptionLimits.windowBytesTotalMax):
 * each window's share is total / windows, at most bufferedBytesMax, so memory does not grow with the
 * number of subscriptions and partitions. A window over its share (after others joined) reads nothing
 * until deliveries drain it; an empty window always reads (at least one batch), so none starves.
 */
export class WindowBudget {
  readonly totalBytes: number;
  #windows = 0;
  /** Bytes the windows hold now (their bufferedBytes summed). */
  heldBytes = 0;

  constructor(totalBytes: number = subscriptionLimits.windowBytesTotalMax) {
    this.totalBytes = totalBytes;
  }

  get windows(): number {
    return this.#windows;
  }

  /** What one window may hold. */
  get shareBytes(): number {
    return Math.max(1, Math.min(subscriptionLimits.bufferedBytesMax, Math.floor(this.totalBytes / Math.max(1, this.#windows))));
  }

  /**
   * Bytes read from the log per fill step, and the free room that makes a fill worth it: a quarter
   * of the share. A read buffer stays in memory while any record read with it waits in the window,
   * so large reads multiply what a window really holds (before the byte bound, 4 SDK groups held
   * 1 GB with 1 MiB reads, 670 MB with 256 KiB reads).
   */
  get fillBytes(): number {
    return Math.max(1, Math.floor(this.shareBytes / 4));
  }

  /** @internal */
  join(): void {
    this.#windows++;
  }

  /** @internal */
  leave(heldBytes: number): void {
    this.#windows--;
    this.heldBytes -= heldBytes;
  }
}

export class PartitionState {
  readonly partition: number;
  /** Pending messages by offset (lookups; use inOrder() to walk them in offset order). */
  readonly pending = new Map<number, PendingMessage>();
  /** Done offsets at or above the floor (acked or dead-lettered). */
  readonly acked = new Set<number>();
  /** Attempts restored from disk for messages not yet re-read. */
  readonly restoredAttempts = new Map<number, number>();
  /** Pending messages delivered at least once (attempt > 0): what persisted() lists as attempts. */
  readonly #attempted = new Set<PendingMessage>();
  /**
   * Offsets of admitted messages in ascending order from #head on; offsets completed after admission
   * stay until #head passes them (lazy removal; offsets, not messages, so a completed record is not
   * kept alive). Invariant: #order[#head] is pending, or #head === #order.length.
   */
  #order: number[] = [];
  #head = 0;
  readOffset: number;
  bufferedBytes = 0;
  delivered = 0;
  deadLettered = 0;
  /** The shared budget this window counts in; null once released. */
  #budget: WindowBudget | null;

  constructor(partition: number, persisted: PersistedPartition, budget: WindowBudget) {
    this.partition = partition;
    this.#budget = budget;
    budget.join();
    this.readOffset = persisted.floor;
    for (const o of persisted.acked) this.acked.add(o);
    for (const [o, a] of persisted.attempts) this.restoredAttempts.set(o, a);
    this.delivered = persisted.delivered;
    this.deadLettered = persisted.deadLettered;
  }

  static fresh(startOffset: number): PersistedPartition {
    return { floor: startOffset, acked: [], attempts: [], delivered: 0, deadLettered: 0 };
  }

  /** Everything below the floor is done. */
  get floor(): number {
    return this.#head < this.#order.length ? this.#order[this.#head]! : this.readOffset;
  }

  /**
   * Offsets of pending messages in ascending order: the order array and where to start. Offsets no
   * longer in `pending` were completed (an offset is admitted once) and must be skipped.
   */
  inOrder(): { readonly offsets: readonly number[]; readonly from: number } {
    return { offsets: this.#order, from: this.#head };
  }

  /** Counts a delivery of `m` (its attempt number goes up by one). */
  delivering(m: PendingMessage): void {
    if (m.attempt === 0) this.#attempted.add(m);
    m.attempt++;
    this.delivered++;
  }

  /**
   * Worth a log read: nothing is pending, or at least fillOffsetsMin offsets of the window are free.
   * Topping up a nearly full window a few records at a time would read and decode the same
   * batches (whole, as the log returns them) again and again.
   */
  get wantsFill(): boolean {
    if (this.pending.size === 0) return true;
    const budget = this.#budget;
    return (
      budget !== null &&
      !this.windowFull &&
      subscriptionLimits.outstandingOffsetsMax - (this.readOffset - this.floor) >= subscriptionLimits.fillOffsetsMin &&
      this.bufferedBytes <= budget.shareBytes - budget.fillBytes
    );
  }

  get windowFull(): boolean {
    return this.readOffset - this.floor >= subscriptionLimits.outstandingOffsetsMax || this.bufferedBytes >= (this.#budget?.shareBytes ?? 0);
  }

  /** Bytes to read from the log per fill step (see WindowBudget.fillBytes). */
  get fillBytes(): number {
    return this.#budget?.fillBytes ?? 1;
  }

  /** Leaves the shared budget (the subscription closed); the window holds what it holds until dropped. */
  release(): void {
    this.#budget?.leave(this.bufferedBytes);
    this.#budget = null;
  }

  /** Adds a record read from the log; false when it was already done (acked before a restart). */
  admit(record: RecordRef): PendingMessage | null {
    assert(record.offset >= this.readOffset, 'subscription read went backwards');
    this.readOffset = record.offset + 1;
    if (this.acked.has(record.offset)) return null;
    const attempt = this.restoredAttempts.get(record.offset) ?? 0;
    this.restoredAttempts.delete(record.offset);
    const bytes = record.recordBytes + 64;
    const m: PendingMessage = {
      partition: this.partition,
      offset: record.offset,
      record,
      orderKey: record.key === null ? null : Buffer.from(record.key.buffer, record.key.byteOffset, record.key.byteLength).toString('latin1'), // a view, not a copy
      bytes,
      attempt,
      state: MessageStates.ready,
      dueMs: 0,
      reason: null,
    };
    this.pending.set(record.offset, m);
    this.#order.push(record.offset);
    if (attempt > 0) this.#attempted.add(m);
    this.bufferedBytes += bytes;
    if (this.#budget) this.#budget.heldBytes += bytes;
    return m;
  }

  /** Offsets the log skipped (compaction, control batches) up to `nextOffset`. */
  skipTo(nextOffset: number): void {
    if (nextOffset > this.readOffset) this.readOffset = nextOffset;
  }

  /** Marks a pending message done (acked or dead-lettered) and prunes acks below the new floor. */
  complete(m: PendingMessage): void {
    assert(this.pending.get(m.offset) === m, 'completing a message that is not pending');
    const before = this.floor;
    this.pending.delete(m.offset);
    this.#attempted.delete(m);
    this.bufferedBytes -= m.bytes;
    if (this.#budget) this.#budget.heldBytes -= m.bytes;
    this.acked.add(m.offset);
    const order = this.#order;
    while (this.#head < order.length && !this.pending.has(order[this.#head]!)) this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= order.length) {
      this.#order = order.slice(this.#head);
      this.#head = 0;
    }
    const floor = this.floor;
    if (floor <= before) return;
    // Prune acks below the new floor: walk the offsets passed when that is shorter than the set
    // (the usual case: the floor moves a few offsets), else the set (the floor jumped a gap).
    if (floor - before <= this.acked.size) for (let o = before; o < floor; o++) this.acked.delete(o);
    else for (const o of this.acked) if (o < floor) this.acked.delete(o);
  }

  /** Done offsets in [floor, upTo). */
  ackedBelow(upTo: number): number {
    let n = 0;
    for (const o of this.acked) if (o < upTo) n++;
    return n;
  }

  persisted(): PersistedPartition {
    const floor = this.floor;
    const attempts: [number, number][] = [];
    for (const m of this.#attempted) attempts.push([m.offset, m.attempt]);
    attempts.sort((a, b) => a[0] - b[0]);
    for (const [o, a] of this.restoredAttempts) attempts.push([o, a]);
    return { floor, acked: [...this.acked].filter((o) => o >= floor).sort((a, b) => a - b), attempts, delivered: this.delivered, deadLettered: this.deadLettered };
  }
}
