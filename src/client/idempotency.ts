// Idempotency stores: remember which event ids a consumer group has finished, for a window, so a
// redelivered event (lost ack, consumer crash after the handler) runs its handler at most once per
// group. `markDone` is called after the handler succeeds and before the ack; an entry expires after
// its window. Invariant: the memory store never holds more than entriesMax entries (oldest evicted).

import { systemClock, type Clock } from '../log/clock.ts';

export interface IdempotencyStore {
  /** True if (group, eventId) finished within its window. */
  has(group: string, eventId: string): Promise<boolean>;
  markDone(group: string, eventId: string, windowMs: number): Promise<void>;
}

/** Default window: a day covers redeliveries after crashes, restarts and long backoffs. */
export const idempotencyWindowMsDefault = 24 * 60 * 60 * 1000;

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #clock: Clock;
  readonly #entriesMax: number;
  /** Insertion order is expiry order when every entry uses the same window. */
  readonly #expiresMs = new Map<string, number>();

  constructor(options: { clock?: Clock; entriesMax?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#entriesMax = options.entriesMax ?? 1_000_000;
  }

  get size(): number {
    return this.#expiresMs.size;
  }

  async has(group: string, eventId: string): Promise<boolean> {
    const k = `${group}\u0000${eventId}`;
    const exp = this.#expiresMs.get(k);
    if (exp === undefined) return false;
    if (exp > this.#clock.now()) return true;
    this.#expiresMs.delete(k);
    return false;
  }

  async markDone(group: string, eventId: string, windowMs: number): Promise<void> {
    const k = `${group}\u0000${eventId}`;
    const now = this.#clock.now();
    this.#expiresMs.delete(k);
    this.#expiresMs.set(k, now + windowMs);
    for (const [key, exp] of this.#expiresMs) {
      if (exp > now && this.#expiresMs.size <= this.#entriesMax) break;
      this.#expiresMs.delete(key);
    }
  }
}
