// Durable delayed delivery on the kafka transport: the delay-topic pattern. A publish with a
// deliverAt goes to `<topic>.delay` (same key, same CloudEvents headers) with its due time in the
// `eddy.delay.due` header. Each transport that subscribes to `<topic>` runs one forwarder for it: a
// consumer in the group `<topic>.delay` — shared by every process subscribing to the topic, so a
// delayed event is forwarded once, by whichever member owns its partition — that waits until the
// head record of a partition is due (heartbeating), republishes it to `<topic>` with the idempotent
// producer, then commits past it. Every group of the topic then sees it like any other event.
// At least once: a crash between the republish and the commit forwards it again (same CloudEvent id:
// the idempotency stores see one event). A partition forwards in order, so a record waits behind an
// earlier one that is due later (per-key order of delayed events is kept; use the eddy transport for
// many unrelated long delays; a due time is clamped to 365 days after the record was written, see
// dueOf). Nothing is forwarded while no process subscribes to the topic: the
// records wait durably in the delay topic.

import type { Consumer, IHeaders, KafkaMessage } from 'kafkajs';
import { publishDelayMsMax } from './transport.ts';
import { abortableSleep, sharedAbortController } from './waits.ts';

/** Suffix of the delay topic of `<topic>` (also the forwarders' consumer group). */
export const delayTopicSuffix = '.delay';

/** Header of a record on `<topic>.delay`: epoch milliseconds at which it is forwarded. */
export const delayDueHeader = 'eddy.delay.due';

export interface DelayForwarderHost {
  /** Republishes one record to `topic` (idempotent producer, acks from all replicas). */
  send(topic: string, messages: { key: Buffer | null; value: Buffer | null; headers: Record<string, string | Buffer> }[]): Promise<void>;
  /** A consumer in `groupId` with the transport's timings. */
  consumer(groupId: string): Consumer;
}

export class DelayForwarder {
  readonly topic: string;
  readonly #host: DelayForwarderHost;
  readonly #consumer: Consumer;
  readonly #stop = sharedAbortController();
  #started: Promise<void> | null = null;

  constructor(host: DelayForwarderHost, topic: string) {
    this.#host = host;
    this.topic = topic;
    this.#consumer = host.consumer(topic + delayTopicSuffix);
  }

  /** Joins the forwarders' group; resolves once this member runs (the delay topic exists). */
  start(): Promise<void> {
    this.#started ??= (async () => {
      const c = this.#consumer;
      await c.connect();
      await c.subscribe({ topic: this.topic + delayTopicSuffix, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 8, // a partition waiting for its head blocks no other
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          for (const m of batch.messages) {
            if (!isRunning() || isStale() || this.#stop.signal.aborted) return;
            const due = dueOf(m);
            while (Date.now() < due) {
              await abortableSleep(Math.max(1, Math.min(1_000, due - Date.now())), [this.#stop.signal]);
              if (!isRunning() || isStale() || this.#stop.signal.aborted) return;
              await heartbeat().catch(() => {});
            }
            // A failure throws out of the batch without a commit: kafkajs retries the batch (and
            // restarts the consumer after repeated failures), or the partition's next owner does.
            await this.#host.send(this.topic, [{ key: m.key, value: m.value, headers: forwardedHeaders(m.headers) }]);
            await c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(m.offset) + 1n) }]);
            resolveOffset(m.offset); // the next fetch of this member starts after it too
          }
        },
      });
    })();
    return this.#started;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#started?.catch(() => {});
    await this.#consumer.disconnect().catch(() => {});
  }
}

/**
 * When a delay-topic record is forwarded: its `eddy.delay.due` header (epoch ms); at once when the
 * header is missing or not a number; never later than publishDelayMsMax after the record's own
 * timestamp, so a record written by another producer with a due time centuries ahead cannot block
 * its partition longer than a delay the SDK itself accepts.
 */
export function dueOf(m: Pick<KafkaMessage, 'headers' | 'timestamp'>): number {
  const v = m.headers?.[delayDueHeader];
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  const n = one === undefined ? 0 : Number(typeof one === 'string' ? one : one.toString('utf8'));
  if (!Number.isFinite(n)) return 0;
  const written = Number(m.timestamp);
  return Number.isFinite(written) && written > 0 ? Math.min(n, written + publishDelayMsMax) : n;
}

/** The record's headers without the delay header. */
function forwardedHeaders(headers: IHeaders | undefined): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k === delayDueHeader || v === undefined) continue;
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    if (one !== undefined) out[k] = one;
  }
  return out;
}
