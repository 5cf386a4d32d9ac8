// One partition of a subscription: the messages read from the log and not yet done (ready, leased
// to a puller, or being dead-lettered), the done offsets above the ack floor, and the read position.
// The window is a ring of admitted messages in offset order (a deque: admitted at the tail, dropped
// from the head once done), so there is no per-message hash entry to add, delete and rehash: an
// offset is found by binary search over the ring, and a done message leaves its offset in the ring
// (its message dropped) until the head passes it. Offsets the log skipped (compaction, control
// batches) are simply absent. The ring doubles up to the most entries the window held at once (at
// most outstandingOffsetsMax, so 16,384 cells) and keeps that size.
// Invariant: floor <= every pending offset < readOffset, and readOffset - floor <= outstandingOffsetsMax;
// the ring's head is pending (or the ring is empty); the persisted form (floor, done offsets above it,
// attempts) is enough to resume without replaying acks.
// Cost: admit, complete and floor are O(1) amortized, a lookup by offset O(log window), persisted()
// O(span of delivered messages); nothing walks the whole window per pull or ack.

import { assert } from '../../errors.ts';
import type { RecordRef } from '../../log/codec/record-batch.ts';
import { subscriptionLimits } from './limits.ts';

export const MessageStates = { ready: 'ready', leased: 'leased', deadLettering: 'deadLettering' } as const;
export type MessageState = (typeof MessageStates)[keyof typeof MessageStates];

/**
 * A message of the window: the record as the log holds it (a RecordRef: decoded at delivery with
 * recordAt, so the window holds no header objects) and its delivery state.
 */
export interface PendingMessage extends RecordRef {
  readonly partition: number;
  /** Deliveries so far (the current or last delivery's attempt number). */
  attempt: number;
  state: MessageState;
  /** ready: deliverable from; leased: ack deadline; deadLettering: next retry of the publish. */
  dueMs: number;
  /** The reason given with the last nack, for the dead-letter header. */
  reason: string | null;
}

/** What a message counts against the window's byte bound besides its record: the message object. */
const messageOverheadBytes = 64;

const messageBytes = (m: PendingMessage): number => m.recordBytes + messageOverheadBytes;

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
  // The ring: entries #head..#tail (sequence numbers; entry n at index n & #mask) in offset order.
  // #offsets[i] is an entry's offset; #messages[i] its message while pending, null once done.
  #offsets: Float64Array;
  #messages: (PendingMessage | null)[];
  #mask: number;
  #head = 0;
  #tail = 0;
  /** Pending messages (entries with a message). */
  #pending = 0;
  /** Pending messages delivered at least once (attempt > 0): what persisted() lists as attempts. */
  #attempted = 0;
  /** Done offsets from before a restart not re-read yet (they are at or above the read position). */
  readonly #restoredDone = new Set<number>();
  /** Attempts restored from disk for messages not yet re-read. */
  readonly restoredAttempts = new Map<number, number>();
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
    for (const o of persisted.acked) if (o >= persisted.floor) this.#restoredDone.add(o);
    for (const [o, a] of persisted.attempts) this.restoredAttempts.set(o, a);
    this.delivered = persisted.delivered;
    this.deadLettered = persisted.deadLettered;
    const cells = ringCellsMin;
    this.#offsets = new Float64Array(cells);
    this.#messages = new Array<PendingMessage | null>(cells).fill(null);
    this.#mask = cells - 1;
  }

  static fresh(startOffset: number): PersistedPartition {
    return { floor: startOffset, acked: [], attempts: [], delivered: 0, deadLettered: 0 };
  }

  /** Everything below the floor is done. */
  get floor(): number {
    return this.#head < this.#tail ? this.#offsets[this.#head & this.#mask]! : this.readOffset;
  }

  /** Pending messages. */
  get pendingCount(): number {
    return this.#pending;
  }

  /** The pending message at `offset`, or undefined (not read yet, done, or never in the window). */
  get(offset: number): PendingMessage | undefined {
    const n = this.#find(offset);
    return n < 0 ? undefined : (this.#messages[n & this.#mask] ?? undefined);
  }

  /**
   * The window's entries in offset order are the sequence numbers first()..end() - 1; messageAt(n)
   * is entry n's message, null when it is done. Only valid until the window changes.
   */
  first(): number {
    return this.#head;
  }

  end(): number {
    return this.#tail;
  }

  messageAt(n: number): PendingMessage | null {
    return this.#messages[n & this.#mask]!;
  }

  /** Pending messages in offset order (a copy: the caller may complete them while walking). */
  pendingMessages(): PendingMessage[] {
    const out: PendingMessage[] = [];
    for (let n = this.#head; n < this.#tail; n++) {
      const m = this.#messages[n & this.#mask]!;
      if (m !== null) out.push(m);
    }
    return out;
  }

  /** Done offsets at or above the floor (acked or dead-lettered), ascending. */
  doneOffsets(): number[] {
    const out: number[] = [];
    for (let n = this.#head; n < this.#tail; n++) if (this.#messages[n & this.#mask] === null) out.push(this.#offsets[n & this.#mask]!);
    const floor = this.floor;
    for (const o of this.#restoredDone) if (o >= floor) out.push(o);
    return out.sort((a, b) => a - b);
  }

  /** Counts a delivery of `m` (its attempt number goes up by one). */
  delivering(m: PendingMessage): void {
    if (m.attempt === 0) this.#attempted++;
    m.attempt++;
    this.delivered++;
  }

  /**
   * Worth a log read: nothing is pending, or at least fillOffsetsMin offsets of the window are free.
   * Topping up a nearly full window a few records at a time would read and decode the same
   * batches (whole, as the log returns them) again and again.
   */
  get wantsFill(): boolean {
    if (this.#pending === 0) return true;
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

  /** Adds a record read from the log; null when it was already done (acked before a restart). */
  admit(record: RecordRef): PendingMessage | null {
    assert(record.offset >= this.readOffset, 'subscription read went backwards');
    this.readOffset = record.offset + 1;
    if (this.#restoredDone.delete(record.offset)) {
      // Done before the restart: an entry without a message while offsets below it are pending (it
      // is still listed as done then), nothing when it is below the floor already.
      if (this.#tail > this.#head) this.#push(record.offset, null);
      return null;
    }
    const attempt = this.restoredAttempts.get(record.offset) ?? 0;
    if (attempt > 0) {
      this.restoredAttempts.delete(record.offset);
      this.#attempted++;
    }
    const m: PendingMessage = {
      partition: this.partition,
      offset: record.offset,
      timestampMs: record.timestampMs,
      keyLatin1: record.keyLatin1,
      recordBytes: record.recordBytes,
      bytes: record.bytes,
      at: record.at,
      attempt,
      state: MessageStates.ready,
      dueMs: 0,
      reason: null,
    };
    this.#push(record.offset, m);
    this.#pending++;
    const bytes = messageBytes(m);
    this.bufferedBytes += bytes;
    if (this.#budget) this.#budget.heldBytes += bytes;
    return m;
  }

  /** Offsets the log skipped (compaction, control batches) up to `nextOffset`. */
  skipTo(nextOffset: number): void {
    if (nextOffset > this.readOffset) this.readOffset = nextOffset;
    for (const o of this.#restoredDone) if (o < this.readOffset) this.#restoredDone.delete(o); // gone from the log
  }

  /** Marks a pending message done (acked or dead-lettered); the floor moves past done offsets. */
  complete(m: PendingMessage): void {
    const n = this.#find(m.offset);
    assert(n >= 0 && this.#messages[n & this.#mask] === m, 'completing a message that is not pending');
    this.#messages[n & this.#mask] = null;
    this.#pending--;
    if (m.attempt > 0) this.#attempted--;
    const bytes = messageBytes(m);
    this.bufferedBytes -= bytes;
    if (this.#budget) this.#budget.heldBytes -= bytes;
    if (n === this.#head) this.#dropDoneHead();
  }

  /** Done offsets in [floor, upTo). */
  ackedBelow(upTo: number): number {
    let n = 0;
    for (const o of this.doneOffsets()) if (o < upTo) n++;
    return n;
  }

  persisted(): PersistedPartition {
    const attempts: [number, number][] = [];
    // Delivered messages are found from the head on; the walk stops at the last of them.
    for (let n = this.#head, left = this.#attempted; left > 0 && n < this.#tail; n++) {
      const m = this.#messages[n & this.#mask]!;
      if (m !== null && m.attempt > 0) {
        attempts.push([m.offset, m.attempt]);
        left--;
      }
    }
    for (const [o, a] of this.restoredAttempts) attempts.push([o, a]);
    return { floor: this.floor, acked: this.doneOffsets(), attempts, delivered: this.delivered, deadLettered: this.deadLettered };
  }

  #push(offset: number, m: PendingMessage | null): void {
    if (this.#tail - this.#head > this.#mask) this.#grow();
    const i = this.#tail & this.#mask;
    this.#offsets[i] = offset;
    this.#messages[i] = m;
    this.#tail++;
  }

  /** Drops done entries at the head, so the head is pending (or the ring empty). */
  #dropDoneHead(): void {
    while (this.#head < this.#tail && this.#messages[this.#head & this.#mask] === null) this.#head++;
    if (this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
    }
  }

  /** The sequence number of the entry for `offset`, or -1 (binary search: entries are in offset order). */
  #find(offset: number): number {
    let lo = this.#head;
    let hi = this.#tail - 1;
    const offsets = this.#offsets;
    const mask = this.#mask;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = offsets[mid & mask]!;
      if (o === offset) return mid;
      if (o < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Doubles the ring, its entries copied to the same order from index 0. */
  #grow(): void {
    const count = this.#tail - this.#head;
    const cells = (this.#mask + 1) * 2;
    const offsets = new Float64Array(cells);
    const messages = new Array<PendingMessage | null>(cells).fill(null);
    for (let k = 0; k < count; k++) {
      const i = (this.#head + k) & this.#mask;
      offsets[k] = this.#offsets[i]!;
      messages[k] = this.#messages[i]!;
    }
    this.#offsets = offsets;
    this.#messages = messages;
    this.#mask = cells - 1;
    this.#head = 0;
    this.#tail = count;
  }
}

/** A ring's first size (a power of two); it doubles as the window grows. */
const ringCellsMin = 64;
