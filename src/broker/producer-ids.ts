// Producer ids for idempotent producers (Kafka InitProducerId): unique for the life of the data
// directory. Like Kafka's ProducerIdManager they are reserved in blocks: the end of the current
// block is made durable in `__eddy_producers` before any id of it is handed out, so a restart
// continues after the block (skipping its unused ids) and never hands out an id twice.

import type { LogManager } from '../log/log-manager.ts';
import { KvLog } from './kv-log.ts';

export const PRODUCERS_TOPIC = '__eddy_producers';

/** Ids reserved per durable write: one fdatasync per this many InitProducerId calls. */
const PRODUCER_ID_BLOCK_SIZE = 1000;

export class ProducerIdAllocator {
  readonly #logs: LogManager;
  #kv: Promise<KvLog<{ end: number }>> | null = null;
  #next = 0;
  #blockEnd = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(logs: LogManager) {
    this.#logs = logs;
  }

  /** A producer id never handed out before in this data directory. */
  allocate(): Promise<number> {
    const run = this.#queue.then(() => this.#allocate());
    this.#queue = run.catch(() => {});
    return run;
  }

  async #allocate(): Promise<number> {
    if (this.#next >= this.#blockEnd) {
      this.#kv ??= KvLog.open<{ end: number }>(this.#logs, PRODUCERS_TOPIC);
      let kv: KvLog<{ end: number }>;
      try {
        kv = await this.#kv;
      } catch (e) {
        this.#kv = null;
        throw e;
      }
      const start = Math.max(kv.get('block')?.end ?? 0, this.#blockEnd);
      await kv.put('block', { end: start + PRODUCER_ID_BLOCK_SIZE });
      this.#next = start;
      this.#blockEnd = start + PRODUCER_ID_BLOCK_SIZE;
    }
    return this.#next++;
  }
}
