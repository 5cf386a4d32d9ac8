// The duplicate window for HTTP and SDK publishes: an event id seen on a topic within the window is
// not stored again; the publish answers with the original partition and offset. Bounded in count
// (oldest ids are forgotten first) and in time (ids expire after windowMs of clock time).
//
// Compact: the Map holds only the id string and a slot number; where each id was stored and when it
// expires live in typed arrays indexed by slot (grown by doubling, freed slots reused). A window of
// a million ids is then about a million heap objects (the ids) instead of three million, which keeps
// the broker's garbage collector and resident memory small under sustained SDK publishing.

import { limits } from '../limits.ts';

export interface StoredAt {
  partition: number;
  offset: number;
}

/** Slots allocated when the first id arrives; doubled when full, up to maxIds + 1. */
const initialSlots = 1024;

export class DedupeWindow {
  readonly windowMs: number;
  /** id -> slot, in insertion order: the first entry is the oldest (eviction and sweep order). */
  readonly #ids = new Map<string, number>();
  readonly #maxIds: number;
  #partition = new Uint16Array(0);
  #offset = new Float64Array(0);
  #expiresMs = new Float64Array(0);
  /** Free slots (a stack); slots at and above #used were never handed out. */
  #free: number[] = [];
  #used = 0;

  constructor(windowMs: number, maxIds: number = limits.duplicateWindowIdsMax) {
    this.windowMs = windowMs;
    this.#maxIds = maxIds;
  }

  lookup(id: string, nowMs: number): StoredAt | undefined {
    const slot = this.#ids.get(id);
    if (slot === undefined) return undefined;
    if (this.#expiresMs[slot]! <= nowMs) {
      this.#forget(id, slot);
      return undefined;
    }
    return { partition: this.#partition[slot]!, offset: this.#offset[slot]! };
  }

  remember(id: string, at: StoredAt, timestampMs: number): void {
    if (this.windowMs <= 0) return;
    const old = this.#ids.get(id);
    if (old !== undefined) this.#forget(id, old); // re-inserted at the end: insertion order stays expiry order
    const slot = this.#slot();
    this.#partition[slot] = at.partition;
    this.#offset[slot] = at.offset;
    this.#expiresMs[slot] = timestampMs + this.windowMs;
    this.#ids.set(id, slot);
    if (this.#ids.size > this.#maxIds) {
      const oldest = this.#ids.entries().next();
      if (!oldest.done) this.#forget(oldest.value[0], oldest.value[1]);
    }
  }

  /** Drops expired ids (insertion order is expiry order for ids remembered at clock time). */
  sweep(nowMs: number): void {
    for (const [id, slot] of this.#ids) {
      if (this.#expiresMs[slot]! > nowMs) break;
      this.#forget(id, slot);
    }
  }

  get size(): number {
    return this.#ids.size;
  }

  #forget(id: string, slot: number): void {
    this.#ids.delete(id);
    this.#free.push(slot);
  }

  #slot(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#used === this.#offset.length) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    // One more than the cap: remember() takes a slot before it evicts the oldest id.
    const n = Math.min(this.#maxIds + 1, Math.max(initialSlots, this.#offset.length * 2));
    const partition = new Uint16Array(n);
    const offset = new Float64Array(n);
    const expiresMs = new Float64Array(n);
    partition.set(this.#partition);
    offset.set(this.#offset);
    expiresMs.set(this.#expiresMs);
    this.#partition = partition;
    this.#offset = offset;
    this.#expiresMs = expiresMs;
  }
}
