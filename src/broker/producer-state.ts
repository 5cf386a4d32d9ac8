// Idempotent-producer state per partition, as Kafka's ProducerStateManager keeps it: for each
// producer id its current epoch and its last 5 batches (first/last sequence, append result). Checks
// run synchronously right before the batch is queued on the log, so pipelined batches of one
// producer are checked in the order they are appended. Rules (Kafka 3.x ProducerAppendInfo):
//   - an older epoch is INVALID_PRODUCER_EPOCH;
//   - a batch equal to one of the cached 5 (same epoch and sequences) is a retried duplicate: it is
//     answered with the original offsets and not appended (Kafka 3.x no longer answers
//     DUPLICATE_SEQUENCE_NUMBER);
//   - a newer epoch must start at sequence 0; the same epoch must continue at last + 1 (wrapping at
//     int32 max); anything else is OUT_OF_ORDER_SEQUENCE_NUMBER;
//   - a producer with no state (never seen, or its records gone) is accepted at any sequence:
//     Kafka stopped answering UNKNOWN_PRODUCER_ID there (KIP-360).
// State survives restart: a partition's state is rebuilt from its log tail (every batch header
// carries producer id, epoch and base sequence) before its first idempotent append, newest first,
// within rebuildBytesMax. Memory is bounded by producersPerPartitionMax (least recently used go).

import { EddyError } from '../errors.ts';
import { readBatchHeader, type BatchHeader } from '../log/codec/record-batch.ts';
import type { AppendResult, PartitionLog } from '../log/partition-log.ts';

export const producerStateLimits = {
  /** Batches remembered per producer: Kafka's 5, which is why clients allow 5 in flight. */
  batchesPerProducer: 5,
  /** Producers remembered per partition; the least recently used is forgotten beyond it. */
  producersPerPartitionMax: 10_000,
  /** Bytes of log tail read to rebuild a partition's state (bounds the first append after a start). */
  rebuildBytesMax: 64 * 1024 * 1024,
  /** Offsets in the newest rebuild window; each older window doubles it. */
  rebuildWindowOffsets: 1024,
  /** Read size while scanning the tail. */
  rebuildReadBytes: 1024 * 1024,
} as const;

const INT32_MAX = 0x7fffffff;

interface CachedBatch {
  firstSeq: number;
  lastSeq: number;
  result: Promise<AppendResult>;
}

interface ProducerEntry {
  epoch: number;
  /** Oldest first, at most batchesPerProducer. */
  batches: CachedBatch[];
}

/** Kafka's DefaultRecordBatch.incrementSequence. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

class PartitionProducers {
  readonly producers = new Map<number, ProducerEntry>();
  loaded: Promise<void> | null = null;
  ready = false;

  touch(id: number, entry: ProducerEntry): void {
    this.producers.delete(id);
    this.producers.set(id, entry);
    if (this.producers.size > producerStateLimits.producersPerPartitionMax) {
      this.producers.delete(this.producers.keys().next().value!);
    }
  }

  /** Adds a batch found in the log while rebuilding, newest first. */
  addOlder(h: BatchHeader): void {
    const lastSeq = incrementSequence(h.baseSequence, h.lastOffsetDelta);
    const cached: CachedBatch = { firstSeq: h.baseSequence, lastSeq, result: Promise.resolve({ baseOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta }) };
    const entry = this.producers.get(h.producerId);
    if (!entry) {
      if (this.producers.size >= producerStateLimits.producersPerPartitionMax) return;
      this.producers.set(h.producerId, { epoch: h.producerEpoch, batches: [cached] });
    } else if (entry.epoch === h.producerEpoch && entry.batches.length < producerStateLimits.batchesPerProducer) {
      entry.batches.unshift(cached);
    }
  }
}

export class ProducerStates {
  readonly #partitions = new WeakMap<PartitionLog, PartitionProducers>();

  /**
   * Appends a client batch to `log`, applying the idempotence rules when it carries a producer id.
   * A batch whose header cannot be read goes to the log as is, which refuses it with a typed error.
   */
  async append(log: PartitionLog, batch: Uint8Array): Promise<AppendResult> {
    const h = readBatchHeader(batch, 0);
    if (!h.ok || h.value.producerId < 0) return log.append(batch);
    let state = this.#partitions.get(log);
    if (!state) {
      state = new PartitionProducers();
      this.#partitions.set(log, state);
    }
    if (!state.ready) {
      const s = state;
      s.loaded ??= rebuild(log, s).then(
        () => {
          s.ready = true;
        },
        (e: unknown) => {
          s.loaded = null; // the next idempotent append tries again
          throw e;
        },
      );
      await s.loaded;
    }
    // From here to log.append nothing awaits: the check and the queueing are one step.
    return this.#appendChecked(log, state, h.value, batch);
  }

  #appendChecked(log: PartitionLog, state: PartitionProducers, h: BatchHeader, batch: Uint8Array): Promise<AppendResult> {
    const id = h.producerId;
    const firstSeq = h.baseSequence;
    const lastSeq = incrementSequence(firstSeq, h.lastOffsetDelta);
    const entry = state.producers.get(id);
    if (entry) {
      if (h.producerEpoch < entry.epoch) {
        throw new EddyError('producer.invalid_epoch', `producer ${id} epoch ${h.producerEpoch} is older than the current epoch ${entry.epoch}`, { producerId: id });
      }
      if (h.producerEpoch === entry.epoch) {
        const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
        if (dup) return dup.result;
        const last = entry.batches[entry.batches.length - 1]!.lastSeq;
        if (!inSequence(last, firstSeq)) {
          throw new EddyError('producer.out_of_order_sequence', `producer ${id}: sequence ${firstSeq} does not follow ${last}`, { producerId: id, sequence: firstSeq, lastSequence: last });
        }
      } else if (firstSeq !== 0) {
        throw new EddyError('producer.out_of_order_sequence', `producer ${id}: a new epoch ${h.producerEpoch} must start at sequence 0, not ${firstSeq}`, { producerId: id, sequence: firstSeq });
      }
    }
    const result = log.append(batch);
    const cached: CachedBatch = { firstSeq, lastSeq, result };
    const previous = entry ? { epoch: entry.epoch, batches: [...entry.batches] } : null;
    const next: ProducerEntry = entry && entry.epoch === h.producerEpoch ? entry : { epoch: h.producerEpoch, batches: [] };
    next.batches.push(cached);
    if (next.batches.length > producerStateLimits.batchesPerProducer) next.batches.shift();
    state.touch(id, next);
    result.catch(() => {
      // Not stored: forget it, so the client's retry of the same sequence is checked afresh.
      const now = state.producers.get(id);
      if (!now) return;
      const i = now.batches.indexOf(cached);
      if (i >= 0) now.batches.splice(i, 1);
      if (now.batches.length === 0) {
        if (previous && previous.batches.length > 0) state.producers.set(id, previous);
        else state.producers.delete(id);
      }
    });
    return result;
  }
}

/**
 * Rebuilds a partition's producer state from its log tail: offset windows from the high watermark
 * backwards, each twice the last, newest batches first, until the log start or rebuildBytesMax.
 */
async function rebuild(log: PartitionLog, state: PartitionProducers): Promise<void> {
  let end = log.highWatermark;
  let window: number = producerStateLimits.rebuildWindowOffsets;
  let budget: number = producerStateLimits.rebuildBytesMax;
  while (end > log.logStartOffset && budget > 0) {
    const start = Math.max(log.logStartOffset, end - window);
    const headers: BatchHeader[] = [];
    let offset = start;
    while (offset < end && budget > 0) {
      const r = await log.read(offset, producerStateLimits.rebuildReadBytes);
      if (r.bytes.length === 0) break;
      budget -= r.bytes.length;
      let pos = 0;
      while (pos < r.bytes.length) {
        const h = readBatchHeader(r.bytes, pos);
        if (!h.ok) break;
        const last = h.value.baseOffset + h.value.lastOffsetDelta;
        // Batches that end inside [start, end): one spanning `end` was taken by the newer window.
        if (last >= start && last < end && h.value.producerId >= 0 && !h.value.isControl) headers.push(h.value);
        offset = last + 1;
        pos += h.value.batchLength + 12;
      }
    }
    for (let i = headers.length - 1; i >= 0; i--) state.addOlder(headers[i]!);
    end = start;
    window *= 2;
  }
}
