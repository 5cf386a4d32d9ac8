// Keeps the leases of a consumer's held deliveries: every `everyMs` a held delivery's ack deadline
// is pushed `ackDeadlineMs` forward, until it is released. One timer and one batched `extend` call
// per tick for all deliveries due, instead of a timer per delivery (a hot spot at thousands per
// second). Invariant: #held iterates in due order (each entry is (re)inserted at now + everyMs on a
// clock that never goes back), and a timer is armed exactly while something is held.

import type { Clock, Timer } from '../log/clock.ts';

export interface LeaseKeeperOptions {
  clock: Clock;
  /** Extension period: the consumer uses 2/3 of the ack deadline. */
  everyMs: number;
  /** Extends the given leases (ack ids no longer leased are ignored by the transport). */
  extend: (ackIds: string[]) => Promise<void>;
  onError: (error: unknown) => void;
}

export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions;
  /** ackId -> time of its next extension, in ascending order. */
  readonly #held = new Map<string, number>();
  #timer: Timer | null = null;

  constructor(options: LeaseKeeperOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#held.size;
  }

  hold(ackId: string): void {
    this.#held.delete(ackId);
    this.#held.set(ackId, this.#o.clock.now() + this.#o.everyMs);
    this.#timer ??= this.#o.clock.setTimer(this.#o.everyMs, this.#tick);
  }

  release(ackId: string): void {
    if (!this.#held.delete(ackId) || this.#held.size > 0) return;
    this.#timer?.cancel();
    this.#timer = null;
  }

  readonly #tick = (): void => {
    this.#timer = null;
    const now = this.#o.clock.now();
    const due: string[] = [];
    for (const [id, atMs] of this.#held) {
      if (atMs > now) break;
      due.push(id);
    }
    for (const id of due) {
      this.#held.delete(id);
      this.#held.set(id, now + this.#o.everyMs);
    }
    if (due.length > 0) this.#o.extend(due).catch((e: unknown) => this.#o.onError(e));
    for (const atMs of this.#held.values()) {
      this.#timer = this.#o.clock.setTimer(atMs - now, this.#tick);
      break;
    }
  };
}
