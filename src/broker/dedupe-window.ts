// The duplicate window for HTTP and SDK publishes: an event id seen on a topic within the window is
// not stored again; the publish answers with the original partition and offset. Bounded in count
// (oldest ids are forgotten first) and in time (ids expire after windowMs of clock time).

import { limits } from '../limits.ts';

export interface StoredAt {
  partition: number;
  offset: number;
}

interface Entry {
  at: StoredAt;
  expiresMs: number;
}

export class DedupeWindow {
  readonly windowMs: number;
  readonly #ids = new Map<string, Entry>();
  readonly #maxIds: number;

  constructor(windowMs: number, maxIds: number = limits.duplicateWindowIdsMax) {
    this.windowMs = windowMs;
    this.#maxIds = maxIds;
  }

  lookup(id: string, nowMs: number): StoredAt | undefined {
    const e = this.#ids.get(id);
    if (!e) return undefined;
    if (e.expiresMs <= nowMs) {
      this.#ids.delete(id);
      return undefined;
    }
    return e.at;
  }

  remember(id: string, at: StoredAt, timestampMs: number): void {
    if (this.windowMs <= 0) return;
    this.#ids.delete(id);
    this.#ids.set(id, { at, expiresMs: timestampMs + this.windowMs });
    if (this.#ids.size > this.#maxIds) {
      const oldest = this.#ids.keys().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
  }

  /** Drops expired ids (insertion order is expiry order for ids remembered at clock time). */
  sweep(nowMs: number): void {
    for (const [id, e] of this.#ids) {
      if (e.expiresMs > nowMs) break;
      this.#ids.delete(id);
    }
  }

  get size(): number {
    return this.#ids.size;
  }
}
