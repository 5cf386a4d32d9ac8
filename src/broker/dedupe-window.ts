// The duplicate window for HTTP and SDK publishes: an event id seen on a topic within the window is
// not stored again; the publish answers with the original partition and offset. Bounded in count
// (oldest ids are forgotten first) and in time (ids expire after windowMs of clock time).
//
// Compact, because a busy topic holds a million ids: where each id was stored and when it expires
// live in typed arrays indexed by slot. Ids in the canonical UUID form (lowercase hex, as the SDK's
// UUIDv7 and most CloudEvents producers write them) are kept as their 128 bits in an open-addressing
// table (linear probing, backward-shift deletion) — no heap object per id, and exact: the text and
// the bits map one to one. Any other id is a key of a Map. Insertion order (eviction and expiry
// order) is a ring of slots; an entry whose slot was forgotten or reused meanwhile is skipped.
// A million UUID ids cost ~60 MB of typed arrays instead of ~90 MB of heap objects the garbage
// collector has to mark, and the heap V8 keeps grows with the live heap.

import { assert } from '../errors.ts';
import { limits } from '../limits.ts';

export interface StoredAt {
  partition: number;
  offset: number;
}

/** Slots allocated when the first id arrives; doubled when full, up to maxIds + 1. */
const initialSlots = 1024;

/** What a slot holds. */
const Kind = { free: 0, uuid: 1, text: 2 } as const;

/** The 128 bits of a canonical lowercase UUID (8-4-4-4-12 hex), or null for any other string. */
function uuidWords(id: string, out: Uint32Array): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false;
  let word = 0;
  let nibbles = 0;
  let w = 0;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const c = id.charCodeAt(i);
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (v < 0) return false;
    word = ((word << 4) | v) >>> 0;
    if (++nibbles === 8) {
      out[w++] = word;
      word = 0;
      nibbles = 0;
    }
  }
  return true;
}

/** Spreads a UUID's words over 32 bits (UUIDv7's high bits are a timestamp: mix all four). */
function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ d, 0x9e3779b1);
  h = Math.imul(h ^ b ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ c ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class DedupeWindow {
  readonly windowMs: number;
  readonly #maxIds: number;
  #size = 0;
  // Per slot.
  #kind = new Uint8Array(0);
  #partition = new Uint16Array(0);
  #offset = new Float64Array(0);
  #expiresMs = new Float64Array(0);
  /** Bumped when a slot is freed, so ring entries naming its earlier use are recognised as stale. */
  #generation = new Uint32Array(0);
  #words = new Uint32Array(0); // 4 per slot, uuid ids
  #texts: (string | undefined)[] = []; // text ids
  #free: number[] = [];
  #used = 0;
  // UUID index: slot + 1 per cell, 0 = empty; size a power of two, at most half full.
  #table = new Int32Array(0);
  #mask = 0;
  readonly #textIndex = new Map<string, number>();
  // Insertion order: slot and its generation per entry, a ring that grows by doubling.
  #ringSlot = new Int32Array(0);
  #ringGen = new Uint32Array(0);
  #ringHead = 0;
  #ringLength = 0;
  readonly #scratch = new Uint32Array(4);

  constructor(windowMs: number, maxIds: number = limits.duplicateWindowIdsMax) {
    this.windowMs = windowMs;
    this.#maxIds = maxIds;
  }

  get size(): number {
    return this.#size;
  }

  lookup(id: string, nowMs: number): StoredAt | undefined {
    const slot = this.#find(id);
    if (slot < 0) return undefined;
    if (this.#expiresMs[slot]! <= nowMs) {
      this.#forget(slot);
      return undefined;
    }
    return { partition: this.#partition[slot]!, offset: this.#offset[slot]! };
  }

  remember(id: string, at: StoredAt, timestampMs: number): void {
    if (this.windowMs <= 0) return;
    const old = this.#find(id);
    if (old >= 0) this.#forget(old); // re-inserted at the end: insertion order stays expiry order
    const slot = this.#slot();
    this.#partition[slot] = at.partition;
    this.#offset[slot] = at.offset;
    this.#expiresMs[slot] = timestampMs + this.windowMs;
    const words = this.#scratch;
    if (uuidWords(id, words)) {
      this.#kind[slot] = Kind.uuid;
      this.#words.set(words, slot * 4);
      this.#insertUuid(slot);
    } else {
      this.#kind[slot] = Kind.text;
      this.#texts[slot] = id;
      this.#textIndex.set(id, slot);
    }
    this.#size++;
    this.#pushRing(slot);
    while (this.#size > this.#maxIds) {
      const oldest = this.#oldest();
      if (oldest < 0) break;
      this.#forget(oldest);
    }
  }

  /** Drops expired ids (insertion order is expiry order for ids remembered at clock time). */
  sweep(nowMs: number): void {
    for (;;) {
      const slot = this.#oldest();
      if (slot < 0 || this.#expiresMs[slot]! > nowMs) return;
      this.#forget(slot);
    }
  }

  /** The slot of `id`, or -1. */
  #find(id: string): number {
    const words = this.#scratch;
    if (!uuidWords(id, words)) return this.#textIndex.get(id) ?? -1;
    if (this.#table.length === 0) return -1;
    for (let i = this.#hash(words) & this.#mask; ; i = (i + 1) & this.#mask) {
      const cell = this.#table[i]!;
      if (cell === 0) return -1;
      if (this.#sameWords(cell - 1, words)) return cell - 1;
    }
  }

  #hash(w: Uint32Array): number {
    return mix(w[0]!, w[1]!, w[2]!, w[3]!);
  }

  #sameWords(slot: number, w: Uint32Array): boolean {
    const o = slot * 4;
    const s = this.#words;
    return s[o] === w[0] && s[o + 1] === w[1] && s[o + 2] === w[2] && s[o + 3] === w[3];
  }

  #slotHash(slot: number): number {
    const s = this.#words;
    const o = slot * 4;
    return mix(s[o]!, s[o + 1]!, s[o + 2]!, s[o + 3]!);
  }

  #insertUuid(slot: number): void {
    if ((this.#uuidCount() + 1) * 2 > this.#table.length) this.#rehash(Math.max(initialSlots * 2, this.#table.length * 2));
    let i = this.#slotHash(slot) & this.#mask;
    while (this.#table[i] !== 0) i = (i + 1) & this.#mask;
    this.#table[i] = slot + 1;
  }

  #uuidCount(): number {
    return this.#size - this.#textIndex.size;
  }

  #rehash(cells: number): void {
    const old = this.#table;
    this.#table = new Int32Array(cells);
    this.#mask = cells - 1;
    for (const cell of old) {
      if (cell === 0) continue;
      let i = this.#slotHash(cell - 1) & this.#mask;
      while (this.#table[i] !== 0) i = (i + 1) & this.#mask;
      this.#table[i] = cell;
    }
  }

  /** Removes a uuid slot from the table: backward-shift deletion keeps every probe run unbroken. */
  #deleteUuid(slot: number): void {
    const t = this.#table;
    const mask = this.#mask;
    let i = this.#slotHash(slot) & mask;
    while (t[i] !== slot + 1) {
      assert(t[i] !== 0, 'a remembered uuid id is missing from the duplicate window table');
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const cell = t[j]!;
      if (cell === 0) break;
      const home = this.#slotHash(cell - 1) & mask;
      // The cell at j may move into the hole at i when its home is not in (i, j] (cyclically).
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        t[i] = cell;
        i = j;
      }
    }
    t[i] = 0;
  }

  #forget(slot: number): void {
    if (this.#kind[slot] === Kind.uuid) this.#deleteUuid(slot);
    else {
      this.#textIndex.delete(this.#texts[slot]!);
      this.#texts[slot] = undefined;
    }
    this.#kind[slot] = Kind.free;
    this.#generation[slot] = (this.#generation[slot]! + 1) >>> 0;
    this.#free.push(slot);
    this.#size--;
  }

  #slot(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    if (this.#used === this.#offset.length) this.#growSlots();
    return this.#used++;
  }

  #growSlots(): void {
    // One more than the cap: remember() takes a slot before it evicts the oldest id.
    const n = Math.min(this.#maxIds + 1, Math.max(initialSlots, this.#offset.length * 2));
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(n * per);
      b.set(a);
      return b;
    };
    this.#kind = grow(this.#kind, (k) => new Uint8Array(k));
    this.#partition = grow(this.#partition, (k) => new Uint16Array(k));
    this.#offset = grow(this.#offset, (k) => new Float64Array(k));
    this.#expiresMs = grow(this.#expiresMs, (k) => new Float64Array(k));
    this.#generation = grow(this.#generation, (k) => new Uint32Array(k));
    this.#words = grow(this.#words, (k) => new Uint32Array(k), 4);
  }

  #pushRing(slot: number): void {
    if (this.#ringLength === this.#ringSlot.length) {
      const n = Math.max(initialSlots, this.#ringSlot.length * 2);
      const slots = new Int32Array(n);
      const gens = new Uint32Array(n);
      for (let k = 0; k < this.#ringLength; k++) {
        const from = (this.#ringHead + k) % this.#ringSlot.length;
        slots[k] = this.#ringSlot[from]!;
        gens[k] = this.#ringGen[from]!;
      }
      this.#ringSlot = slots;
      this.#ringGen = gens;
      this.#ringHead = 0;
    }
    const at = (this.#ringHead + this.#ringLength) % this.#ringSlot.length;
    this.#ringSlot[at] = slot;
    this.#ringGen[at] = this.#generation[slot]!;
    this.#ringLength++;
  }

  /** The oldest live slot (stale ring entries at the head are dropped on the way), or -1. */
  #oldest(): number {
    while (this.#ringLength > 0) {
      const slot = this.#ringSlot[this.#ringHead]!;
      if (this.#kind[slot] !== Kind.free && this.#ringGen[this.#ringHead] === this.#generation[slot]) return slot;
      this.#ringHead = (this.#ringHead + 1) % this.#ringSlot.length;
      this.#ringLength--;
    }
    return -1;
  }
}
