// The duplicate window for HTTP and SDK publishes: an event id seen on a topic within the window is
// not stored again; the publish answers with the original partition and offset. Bounded in count
// (oldest ids are forgotten first) and in time (ids expire after windowMs of clock time).
//
// Compact, because a busy topic holds a million ids. Entries live in typed arrays used as a ring in
// insertion order (which is expiry order for ids remembered at clock time), so expiry and eviction
// pop the head. Ids in the canonical UUID form (lowercase hex, as the SDK's UUIDv7 and most
// CloudEvents producers write them) are kept as their 128 bits and found through an open-addressing
// table of slot numbers (linear probing, backward-shift deletion): no heap object per id, and exact
// (the text and the bits map one to one). Any other id is a key of a Map. An id forgotten out of
// order (re-remembered, or found expired by a lookup) leaves a hole in the ring; a full ring is
// rebuilt without its holes, doubling while below the cap. ~44 bytes per UUID id at a million ids
// (35 in the ring, 8 in the table, 1/16 of slack), where a Map of objects costs ~90 on the heap.

import { assert } from '../errors.ts';
import { limits } from '../limits.ts';

export interface StoredAt {
  partition: number;
  offset: number;
}

/** Ring slots allocated when the first id arrives (then doubled while full, up to the cap and its slack). */
const initialSlotsDefault = 1024;

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

/**
 * The ids every topic's window may hold together (limits.duplicateWindowIdsTotalMax): while N
 * windows hold ids, each may hold total / N of them (at most its own cap), oldest forgotten first.
 * Memory then stays bounded however many topics publish ids at once; the price is that under such
 * load each topic's window covers less time.
 */
export class DedupeBudget {
  readonly totalIds: number;
  /** Windows holding at least one id. */
  active = 0;

  constructor(totalIds: number = limits.duplicateWindowIdsTotalMax) {
    this.totalIds = totalIds;
  }

  /** What one window may hold now. */
  get shareIds(): number {
    return Math.max(1, Math.floor(this.totalIds / Math.max(1, this.active)));
  }
}

export class DedupeWindow {
  readonly windowMs: number;
  readonly #maxIds: number;
  readonly #budget: DedupeBudget;
  /**
   * Ring slots at most: the cap plus 1/16. A full ring then always has at least that many holes, so
   * a rebuild at the cap frees enough slots to pay for itself however ids are re-remembered.
   */
  readonly #capacityMax: number;
  readonly #initialSlots: number;
  /** Live ids. */
  #size = 0;
  // The ring: #count slots from #head in insertion order, holes included; its size is the arrays' length.
  #head = 0;
  #count = 0;
  // Per slot.
  #kind = new Uint8Array(0);
  #partition = new Uint16Array(0);
  #offset = new Float64Array(0);
  #expiresMs = new Float64Array(0);
  #words = new Uint32Array(0); // 4 per slot, uuid ids
  #texts = new Map<number, string>(); // slot -> text id
  readonly #textIndex = new Map<string, number>(); // text id -> slot
  // UUID index: slot + 1 per cell, 0 = empty; a power of two, at most half full.
  #table = new Int32Array(0);
  #mask = 0;
  readonly #scratch = new Uint32Array(4);
  /** Set by clear(): a publish still under way for a deleted topic must not count in the budget. */
  #cleared = false;

  /**
   * `maxIds`: this window's own cap; `budget`: shared by the windows of one broker (a window alone by
   * default); `initialSlots` is for tests: a small first ring makes a few operations go through its growth.
   */
  constructor(windowMs: number, options: { maxIds?: number; budget?: DedupeBudget; initialSlots?: number } = {}) {
    const maxIds = options.maxIds ?? limits.duplicateWindowIdsMax;
    this.windowMs = windowMs;
    this.#maxIds = maxIds;
    this.#budget = options.budget ?? new DedupeBudget(maxIds);
    this.#initialSlots = Math.max(1, options.initialSlots ?? initialSlotsDefault);
    this.#capacityMax = maxIds + Math.ceil(maxIds / 16) + 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Ids this window may hold now: its cap, or less while other windows share the budget. */
  get #limit(): number {
    return Math.min(this.#maxIds, this.#budget.shareIds);
  }

  /** Ring slots allocated. */
  get #capacity(): number {
    return this.#kind.length;
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
    if (this.windowMs <= 0 || this.#maxIds <= 0 || this.#cleared) return;
    const words = this.#scratch;
    const isUuid = uuidWords(id, words);
    const old = isUuid ? this.#findUuid(words) : (this.#textIndex.get(id) ?? -1);
    if (old >= 0) this.#forget(old); // re-inserted at the end: insertion order stays expiry order
    const limit = this.#limit;
    while (this.#size >= limit) this.#evictOldest();
    if (this.#count === this.#capacity) this.#rebuild(this.#grownCapacity());
    const slot = (this.#head + this.#count) % this.#capacity;
    this.#count++;
    this.#partition[slot] = at.partition;
    this.#offset[slot] = at.offset;
    this.#expiresMs[slot] = timestampMs + this.windowMs;
    if (isUuid) {
      this.#kind[slot] = Kind.uuid;
      this.#words.set(words, slot * 4);
      this.#insertUuid(slot);
    } else {
      this.#kind[slot] = Kind.text;
      this.#texts.set(slot, id);
      this.#textIndex.set(id, slot);
    }
    if (this.#size++ === 0) this.#budget.active++;
  }

  /**
   * Drops expired ids (insertion order is expiry order for ids remembered at clock time), then the
   * oldest while over the window's share of the budget; a ring at most a quarter full is rebuilt at
   * half that size, and an empty one releases its arrays (a topic that had a burst of ids and went
   * quiet does not keep their memory).
   */
  sweep(nowMs: number): void {
    while (this.#count > 0) {
      const slot = this.#head;
      if (this.#kind[slot] !== Kind.free) {
        if (this.#expiresMs[slot]! > nowMs) break;
        this.#forget(slot);
      }
      this.#popHead();
    }
    // Over a share that shrank since (more windows hold ids now): the oldest go.
    const limit = this.#limit;
    while (this.#size > limit) this.#evictOldest();
    if (this.#capacity > 0 && this.#size * 4 <= this.#capacity && (this.#size === 0 || this.#capacity > this.#initialSlots)) {
      this.#rebuild(this.#size === 0 ? 0 : Math.max(Math.min(this.#initialSlots, this.#capacityMax), this.#size * 2));
    }
  }

  /** Forgets every id, releases the arrays and remembers nothing more (the topic was deleted). */
  clear(): void {
    this.#cleared = true;
    if (this.#size > 0) this.#budget.active--;
    this.#size = 0;
    this.#textIndex.clear();
    this.#count = 0;
    this.#head = 0;
    this.#rebuild(0);
  }

  /** Bytes held by the ring and the table (typed arrays; text ids not counted). */
  get bytes(): number {
    return this.#kind.byteLength + this.#partition.byteLength + this.#offset.byteLength + this.#expiresMs.byteLength + this.#words.byteLength + this.#table.byteLength;
  }

  /** Forgets the oldest live id (and the holes before it). */
  #evictOldest(): void {
    while (this.#count > 0) {
      const slot = this.#head;
      const live = this.#kind[slot] !== Kind.free;
      if (live) this.#forget(slot);
      this.#popHead();
      if (live) return;
    }
  }

  #popHead(): void {
    this.#head = (this.#head + 1) % this.#capacity;
    this.#count--;
  }

  /** The slot of `id`, or -1. */
  #find(id: string): number {
    const words = this.#scratch;
    return uuidWords(id, words) ? this.#findUuid(words) : (this.#textIndex.get(id) ?? -1);
  }

  /** The slot of the uuid whose words are `words`, or -1. */
  #findUuid(words: Uint32Array): number {
    if (this.#table.length === 0) return -1;
    for (let i = mix(words[0]!, words[1]!, words[2]!, words[3]!) & this.#mask; ; i = (i + 1) & this.#mask) {
      const cell = this.#table[i]!;
      if (cell === 0) return -1;
      if (this.#sameWords(cell - 1, words)) return cell - 1;
    }
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

  /** Adds a uuid slot to the table (sized by #rebuild for every id the ring can hold). */
  #insertUuid(slot: number): void {
    let i = this.#slotHash(slot) & this.#mask;
    while (this.#table[i] !== 0) i = (i + 1) & this.#mask;
    this.#table[i] = slot + 1;
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

  /** Drops an id from the index and leaves a hole in the ring (popped when it reaches the head). */
  #forget(slot: number): void {
    if (this.#kind[slot] === Kind.uuid) this.#deleteUuid(slot);
    else {
      this.#textIndex.delete(this.#texts.get(slot)!);
      this.#texts.delete(slot);
    }
    this.#kind[slot] = Kind.free;
    if (--this.#size === 0) this.#budget.active--;
  }

  /**
   * The capacity for a full ring: twice as many slots while at least half are live and the cap
   * allows, else as many (at least half, or the slack, are holes).
   */
  #grownCapacity(): number {
    const old = this.#capacity;
    if (old === 0) return Math.min(this.#capacityMax, this.#initialSlots);
    return this.#size * 2 >= old && old < this.#capacityMax ? Math.min(this.#capacityMax, old * 2) : old;
  }

  /** Copies the live entries, in order and without holes, to slot 0 onwards of `n`-slot arrays, and rebuilds the table. */
  #rebuild(n: number): void {
    const old = this.#capacity;
    const kind = new Uint8Array(n);
    const partition = new Uint16Array(n);
    const offset = new Float64Array(n);
    const expiresMs = new Float64Array(n);
    const words = new Uint32Array(n * 4);
    const texts = new Map<number, string>();
    let j = 0;
    for (let k = 0; k < this.#count; k++) {
      const s = (this.#head + k) % old;
      const kd = this.#kind[s]!;
      if (kd === Kind.free) continue;
      kind[j] = kd;
      partition[j] = this.#partition[s]!;
      offset[j] = this.#offset[s]!;
      expiresMs[j] = this.#expiresMs[s]!;
      if (kd === Kind.uuid) {
        // Element by element: a subarray per slot was a third or more of a rebuild's time
        // (bench/dedupe-growth.ts).
        const from = s * 4;
        const to = j * 4;
        words[to] = this.#words[from]!;
        words[to + 1] = this.#words[from + 1]!;
        words[to + 2] = this.#words[from + 2]!;
        words[to + 3] = this.#words[from + 3]!;
      } else {
        const text = this.#texts.get(s)!;
        texts.set(j, text);
        this.#textIndex.set(text, j);
      }
      j++;
    }
    this.#kind = kind;
    this.#partition = partition;
    this.#offset = offset;
    this.#expiresMs = expiresMs;
    this.#words = words;
    this.#texts = texts;
    this.#head = 0;
    this.#count = j;
    // Never more than #maxIds live ids: a table of twice that (rounded up to a power of two) stays at most half full.
    const cells = n === 0 ? 0 : 2 ** Math.ceil(Math.log2(Math.max(2, 2 * Math.min(n, this.#maxIds))));
    this.#table = new Int32Array(cells);
    this.#mask = Math.max(0, cells - 1);
    for (let s = 0; s < j; s++) if (kind[s] === Kind.uuid) this.#insertUuid(s);
  }
}
