// One partition of a subscription: the messages read from the log and not yet done (ready, leased
// to a puller, or being dead-lettered), the acked offsets above the ack floor, and the read position.
// Invariant: floor <= every pending offset < readOffset, and readOffset - floor <= outstandingOffsetsMax;
// the persisted form (floor, acked above it, attempts) is enough to resume without replaying acks.

import { assert } from '../../errors.ts';
import type { DecodedRecord } from '../../log/codec/record-batch.ts';
import { subscriptionLimits } from './limits.ts';

export const MessageStates = { ready: 'ready', leased: 'leased', deadLettering: 'deadLettering' } as const;
export type MessageState = (typeof MessageStates)[keyof typeof MessageStates];

export interface PendingMessage {
  readonly partition: number;
  readonly offset: number;
  readonly record: DecodedRecord;
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

export class PartitionState {
  readonly partition: number;
  /** Pending messages in ascending offset order (inserted in read order). */
  readonly pending = new Map<number, PendingMessage>();
  /** Done offsets at or above the floor (acked or dead-lettered). */
  readonly acked = new Set<number>();
  /** Attempts restored from disk for messages not yet re-read. */
  readonly restoredAttempts = new Map<number, number>();
  readOffset: number;
  bufferedBytes = 0;
  delivered = 0;
  deadLettered = 0;

  constructor(partition: number, persisted: PersistedPartition) {
    this.partition = partition;
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
    for (const offset of this.pending.keys()) return offset;
    return this.readOffset;
  }

  get windowFull(): boolean {
    return this.readOffset - this.floor >= subscriptionLimits.outstandingOffsetsMax || this.bufferedBytes >= subscriptionLimits.bufferedBytesMax;
  }

  /** Adds a record read from the log; false when it was already done (acked before a restart). */
  admit(record: DecodedRecord): PendingMessage | null {
    assert(record.offset >= this.readOffset, 'subscription read went backwards');
    this.readOffset = record.offset + 1;
    if (this.acked.has(record.offset)) return null;
    const attempt = this.restoredAttempts.get(record.offset) ?? 0;
    this.restoredAttempts.delete(record.offset);
    const bytes = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0) + 64;
    const m: PendingMessage = {
      partition: this.partition,
      offset: record.offset,
      record,
      orderKey: record.key === null ? null : Buffer.from(record.key).toString('latin1'),
      bytes,
      attempt,
      state: MessageStates.ready,
      dueMs: 0,
      reason: null,
    };
    this.pending.set(record.offset, m);
    this.bufferedBytes += bytes;
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
    this.bufferedBytes -= m.bytes;
    this.acked.add(m.offset);
    const floor = this.floor;
    if (floor > before) for (const o of this.acked) if (o < floor) this.acked.delete(o);
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
    for (const m of this.pending.values()) if (m.attempt > 0) attempts.push([m.offset, m.attempt]);
    for (const [o, a] of this.restoredAttempts) attempts.push([o, a]);
    return { floor, acked: [...this.acked].filter((o) => o >= floor).sort((a, b) => a - b), attempts, delivered: this.delivered, deadLettered: this.deadLettered };
  }
}
