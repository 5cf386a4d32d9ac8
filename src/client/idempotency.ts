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

/** The key of (group, event id) in a store's map; the group never contains NUL. */
export const idempotencyKey = (group: string, eventId: string) => `${group}\u0000${eventId}`;

/**
 * Keys with an expiry, at most `entriesMax` of them: insertion order is expiry order when every
 * entry uses the same window, so the oldest and the expired leave from the front. The memory and
 * the file stores both keep their marks in one.
 */
export class ExpiringKeys {
  readonly #entriesMax: number;
  readonly #expiresMs = new Map<string, number>();

  constructor(entriesMax: number) {
    this.#entriesMax = entriesMax;
  }

  get size(): number {
    return this.#expiresMs.size;
  }

  /** True while `key` is remembered and not expired at `now` (an expired key is forgotten). */
  has(key: string, now: number): boolean {
    const exp = this.#expiresMs.get(key);
    if (exp === undefined) return false;
    if (exp > now) return true;
    this.#expiresMs.delete(key);
    return false;
  }

  /** Remembers `key` until `expiresMs`, then drops expired and over-the-cap entries from the front. */
  remember(key: string, expiresMs: number, now: number): void {
    this.#expiresMs.delete(key);
    this.#expiresMs.set(key, expiresMs);
    for (const [k, exp] of this.#expiresMs) {
      if (exp > now && this.#expiresMs.size <= this.#entriesMax) break;
      this.#expiresMs.delete(k);
    }
  }

  entries(): IterableIterator<[string, number]> {
    return this.#expiresMs.entries();
  }
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #clock: Clock;
  readonly #marks: ExpiringKeys;

  constructor(options: { clock?: Clock; entriesMax?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#marks = new ExpiringKeys(options.entriesMax ?? 1_000_000);
  }

  get size(): number {
    return this.#marks.size;
  }

  async has(group: string, eventId: string): Promise<boolean> {
    return this.#marks.has(idempotencyKey(group, eventId), this.#clock.now());
  }

  async markDone(group: string, eventId: string, windowMs: number): Promise<void> {
    const now = this.#clock.now();
    this.#marks.remember(idempotencyKey(group, eventId), now + windowMs, now);
  }
}
