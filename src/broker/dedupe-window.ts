// The duplicate window for HTTP and SDK publishes: an event id seen on a topic within the window is
// not stored again; the publish answers with the original partition and offset. Bounded in count
// (oldest ids are forgotten first) and in time (ids expire after windowMs of clock time).
//
// Compact, because a busy topic holds a million ids, and never stopping the event loop for long,
// because it grows and shrinks while publishes wait on it:
// - Entries live in a ring in insertion order (which is expiry order for ids remembered at clock
//   time), so expiry and eviction pop the head. The ring is virtual: a directory of fixed-size chunks
//   of typed arrays, each allocated when the tail first reaches it and dropped when the head leaves
//   it. Growing costs one chunk, and memory follows the ids held (no copy of the whole ring).
// - Ids in the canonical UUID form (lowercase hex, as the SDK's UUIDv7 and most CloudEvents producers
//   write them) are kept as their 128 bits and found through an open-addressing table of slot numbers
//   (linear probing, backward-shift deletion): no heap object per id, and exact (the text and the
//   bits map one to one). Any other id is a key of a Map.
// - The table is resized incrementally: a larger (or, after expiry, smaller) table takes new ids
//   while each remember() and sweep() moves a bounded number of the old table's cells into it; a
//   lookup probes both until the old one is empty. The step is chosen so the move always ends before
//   the new table fills to its own resize point.
// - An id forgotten out of order (re-remembered, or found expired by a lookup) leaves a hole in the
//   ring, popped when it reaches the head. The ring spans at most the cap plus 1/16; only when holes
//   fill that slack (ids re-remembered over and over) is it compacted in one go.
// - A slot is 26 bytes: its kind and partition share 16 bits, and its offset and expiry are 32-bit
//   deltas from its chunk's first (a Column: a chunk whose values lie further apart keeps them as
//   doubles instead).
// ~35 bytes per UUID id at a million ids (26 in the ring, 8 in the table), where a Map of objects
// costs ~90 on the heap.

import { assert } from '../errors.ts';
import { limits } from '../limits.ts';

export interface StoredAt {
  partition: number;
  offset: number;
}

/** Ring slots per chunk (a power of two): what a window allocates for its first id and at each growth. */
const chunkSlotsDefault = 1024;
/** Table cells a resize moves per sweep() (a sweep runs per publish and on a timer). */
const sweepMoveCellsDefault = 65_536;

/** What a slot holds. */
const Kind = { free: 0, uuid: 1, text: 2 } as const;

/** A table cell whose slot was moved to the new table or forgotten while a resize is under way (probes go on past it). */
const movedCell = -1;

/** Bytes per ring slot: kind and partition 2, offset 4, expiry 4, uuid words 16. */
const slotBytes = 2 + 4 + 4 + 16;

/** A slot's meta: its kind in the low 2 bits, its partition above them. */
const kindBits = 2;
const kindMask = (1 << kindBits) - 1;
assert(limits.partitionsMax <= 2 ** (16 - kindBits), 'a partition number must fit in a duplicate window slot');

/**
 * A chunk's column of integers (offsets, expiries in ms): 32-bit deltas from the chunk's first value
 * while they fit, doubles once one does not (an offset 2^31 away from the chunk's first, or expiries
 * spread over more than 2^31 ms, which only timestamps read back from the log can do); the deltas
 * stay allocated beside them.
 */
class Column {
  readonly base: number;
  readonly deltas: Int32Array;
  wide: Float64Array | null = null;

  constructor(length: number, base: number) {
    this.deltas = new Int32Array(length);
    this.base = base;
  }

  at(i: number): number {
    return this.wide !== null ? this.wide[i]! : this.base + this.deltas[i]!;
  }

  set(i: number, v: number): void {
    if (this.wide === null) {
      const delta = v - this.base;
      if (Number.isInteger(delta) && delta >= -(2 ** 31) && delta < 2 ** 31) {
        this.deltas[i] = delta;
        return;
      }
      const wide = new Float64Array(this.deltas.length);
      for (let k = 0; k < wide.length; k++) wide[k] = this.base + this.deltas[k]!;
      this.wide = wide;
    }
    this.wide[i] = v;
  }
}

interface Chunk {
  meta: Uint16Array;
  offsets: Column;
  expiries: Column;
  words: Uint32Array; // 4 per slot, uuid ids
}

const kindAt = (c: Chunk, i: number): number => c.meta[i]! & kindMask;

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

const pow2AtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

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
  /** The ring's span at most (live ids and holes): the cap plus 1/16, so a compaction at that span frees at least the slack. */
  readonly #spanMax: number;
  // The ring: #count slots from #head in insertion order, holes included, in a virtual ring of
  // #dir.length chunks of 2^#chunkShift slots (at least #spanMax plus two chunks, so the tail never
  // reaches the chunk the head is in).
  readonly #chunkShift: number;
  readonly #chunkMask: number;
  readonly #slotMask: number;
  #dir: (Chunk | undefined)[];
  #chunks = 0;
  #head = 0;
  #count = 0;
  /** Live ids, and those of them kept as uuid bits (in the table). */
  #size = 0;
  #uuids = 0;
  #texts = new Map<number, string>(); // slot -> text id
  #textIndex = new Map<string, number>(); // text id -> slot
  // UUID index: slot + 1 per cell, 0 = empty; a power of two, at most half full.
  readonly #tableCellsMin: number;
  #table = new Int32Array(0);
  #mask = 0;
  // The table being emptied into #table during a resize (null when none): cells below #oldAt are moved.
  #old: Int32Array | null = null;
  #oldMask = 0;
  #oldAt = 0;
  /** Old cells moved per remember(), and per sweep(). */
  #oldStep = 0;
  readonly #sweepMoveCells: number;
  readonly #scratch = new Uint32Array(4);
  /** Set by clear(): a publish still under way for a deleted topic must not count in the budget. */
  #cleared = false;

  /**
   * `maxIds`: this window's own cap; `budget`: shared by the windows of one broker (a window alone by
   * default); `chunkSlots` and `sweepMoveCells` are for tests: small chunks (and the small first table
   * that goes with them) and small moves per sweep make a few operations go through chunk turnover,
   * table resizes under way and compaction.
   */
  constructor(windowMs: number, options: { maxIds?: number; budget?: DedupeBudget; chunkSlots?: number; sweepMoveCells?: number } = {}) {
    const maxIds = options.maxIds ?? limits.duplicateWindowIdsMax;
    this.windowMs = windowMs;
    this.#maxIds = maxIds;
    this.#budget = options.budget ?? new DedupeBudget(maxIds);
    this.#spanMax = maxIds + Math.ceil(maxIds / 16) + 1;
    const chunkSlots = pow2AtLeast(options.chunkSlots ?? chunkSlotsDefault);
    this.#chunkShift = Math.log2(chunkSlots);
    this.#chunkMask = chunkSlots - 1;
    const chunks = pow2AtLeast(Math.ceil(this.#spanMax / chunkSlots) + 2);
    this.#slotMask = chunks * chunkSlots - 1;
    this.#dir = new Array<Chunk | undefined>(chunks).fill(undefined);
    this.#tableCellsMin = Math.max(8, chunkSlots);
    this.#sweepMoveCells = options.sweepMoveCells ?? sweepMoveCellsDefault;
  }

  get size(): number {
    return this.#size;
  }

  /** Ids this window may hold now: its cap, or less while other windows share the budget. */
  get #limit(): number {
    return Math.min(this.#maxIds, this.#budget.shareIds);
  }

  lookup(id: string, nowMs: number): StoredAt | undefined {
    const words = this.#scratch;
    const slot = uuidWords(id, words) ? this.#findUuid(words) : (this.#textIndex.get(id) ?? -1);
    if (slot < 0) return undefined;
    const c = this.#chunk(slot);
    const i = slot & this.#chunkMask;
    if (c.expiries.at(i) <= nowMs) {
      this.#forget(slot);
      return undefined;
    }
    return { partition: c.meta[i]! >>> kindBits, offset: c.offsets.at(i) };
  }

  remember(id: string, at: StoredAt, timestampMs: number): void {
    if (this.windowMs <= 0 || this.#maxIds <= 0 || this.#cleared) return;
    const words = this.#scratch;
    const isUuid = uuidWords(id, words);
    const old = isUuid ? this.#findUuid(words) : (this.#textIndex.get(id) ?? -1);
    if (old >= 0) this.#forget(old); // re-inserted at the end: insertion order stays expiry order
    const limit = this.#limit;
    while (this.#size >= limit) this.#evictOldest();
    if (this.#count === this.#spanMax) this.#compact();
    const slot = (this.#head + this.#count) & this.#slotMask;
    this.#count++;
    const i = slot & this.#chunkMask;
    const expiresMs = timestampMs + this.windowMs;
    const c = this.#dir[slot >>> this.#chunkShift] ?? this.#newChunk(slot, at.offset, expiresMs);
    c.offsets.set(i, at.offset);
    c.expiries.set(i, expiresMs);
    if (isUuid) {
      c.meta[i] = Kind.uuid | (at.partition << kindBits);
      c.words.set(words, i * 4);
      this.#insertUuid(slot);
    } else {
      c.meta[i] = Kind.text | (at.partition << kindBits);
      this.#texts.set(slot, id);
      this.#textIndex.set(id, slot);
    }
    if (this.#size++ === 0) this.#budget.active++;
    if (this.#old !== null) this.#moveOld(this.#oldStep);
  }

  /**
   * Drops expired ids (insertion order is expiry order for ids remembered at clock time), then the
   * oldest while over the window's share of the budget (the chunks the head leaves are released);
   * a table at most an eighth full starts shrinking, and an empty window releases everything (a topic
   * that had a burst of ids and went quiet does not keep their memory).
   */
  sweep(nowMs: number): void {
    while (this.#count > 0) {
      const slot = this.#head;
      const c = this.#chunk(slot);
      const i = slot & this.#chunkMask;
      if (kindAt(c, i) !== Kind.free) {
        if (c.expiries.at(i) > nowMs) break;
        this.#forget(slot);
      }
      this.#popHead();
    }
    // Over a share that shrank since (more windows hold ids now): the oldest go.
    const limit = this.#limit;
    while (this.#size > limit) this.#evictOldest();
    if (this.#size === 0) {
      if (this.#chunks > 0 || this.#table.length > 0) this.#reset();
      return;
    }
    if (this.#old !== null) this.#moveOld(this.#sweepMoveCells);
    if (this.#old === null && this.#table.length > this.#tableCellsMin && this.#uuids * 8 <= this.#table.length) {
      this.#resize(Math.max(this.#tableCellsMin, pow2AtLeast(this.#uuids * 4)));
      if (this.#old !== null) this.#moveOld(this.#sweepMoveCells);
    }
  }

  /** Forgets every id, releases the arrays and remembers nothing more (the topic was deleted). */
  clear(): void {
    this.#cleared = true;
    if (this.#size > 0) this.#budget.active--;
    this.#size = 0;
    this.#reset();
  }

  /** Bytes held by the ring's chunks and the tables (typed arrays; text ids not counted). */
  get bytes(): number {
    let wide = 0;
    for (const c of this.#dir) wide += (c?.offsets.wide?.byteLength ?? 0) + (c?.expiries.wide?.byteLength ?? 0);
    return this.#chunks * (this.#chunkMask + 1) * slotBytes + wide + this.#table.byteLength + (this.#old?.byteLength ?? 0);
  }

  /** Empties the ring and the tables (the caller has settled #size and the budget). */
  #reset(): void {
    this.#dir.fill(undefined);
    this.#chunks = 0;
    this.#head = 0;
    this.#count = 0;
    this.#uuids = 0;
    this.#texts = new Map();
    this.#textIndex = new Map();
    this.#table = new Int32Array(0);
    this.#mask = 0;
    this.#old = null;
  }

  #chunk(slot: number): Chunk {
    return this.#dir[slot >>> this.#chunkShift]!;
  }

  /** The chunk `slot` is in, new; its columns count from the offset and expiry of the id about to go in (the chunk's first). */
  #newChunk(slot: number, offset: number, expiresMs: number): Chunk {
    const n = this.#chunkMask + 1;
    const c: Chunk = { meta: new Uint16Array(n), offsets: new Column(n, offset), expiries: new Column(n, expiresMs), words: new Uint32Array(n * 4) };
    this.#dir[slot >>> this.#chunkShift] = c;
    this.#chunks++;
    return c;
  }

  /** Forgets the oldest live id (and the holes before it). */
  #evictOldest(): void {
    while (this.#count > 0) {
      const slot = this.#head;
      const live = kindAt(this.#chunk(slot), slot & this.#chunkMask) !== Kind.free;
      if (live) this.#forget(slot);
      this.#popHead();
      if (live) return;
    }
  }

  /** Moves the head past a free slot; a chunk the head leaves is released. */
  #popHead(): void {
    const slot = this.#head;
    this.#head = (slot + 1) & this.#slotMask;
    this.#count--;
    if ((this.#head & this.#chunkMask) === 0) {
      this.#dir[slot >>> this.#chunkShift] = undefined;
      this.#chunks--;
    }
  }

  /** The slot of the uuid whose words are `words`, or -1. */
  #findUuid(words: Uint32Array): number {
    if (this.#uuids === 0) return -1;
    const h = mix(words[0]!, words[1]!, words[2]!, words[3]!);
    for (let i = h & this.#mask; ; i = (i + 1) & this.#mask) {
      const cell = this.#table[i]!;
      if (cell === 0) break;
      if (this.#sameWords(cell - 1, words)) return cell - 1;
    }
    const old = this.#old;
    if (old === null) return -1;
    for (let i = h & this.#oldMask; ; i = (i + 1) & this.#oldMask) {
      const cell = old[i]!;
      if (cell === 0) return -1;
      if (cell !== movedCell && this.#sameWords(cell - 1, words)) return cell - 1;
    }
  }

  #sameWords(slot: number, w: Uint32Array): boolean {
    const s = this.#chunk(slot).words;
    const o = (slot & this.#chunkMask) * 4;
    return s[o] === w[0] && s[o + 1] === w[1] && s[o + 2] === w[2] && s[o + 3] === w[3];
  }

  #slotHash(slot: number): number {
    const s = this.#chunk(slot).words;
    const o = (slot & this.#chunkMask) * 4;
    return mix(s[o]!, s[o + 1]!, s[o + 2]!, s[o + 3]!);
  }

  /** Adds a uuid slot to the table, first starting a resize if it would be more than half full. */
  #insertUuid(slot: number): void {
    if ((this.#uuids + 1) * 2 > this.#table.length) this.#resize(Math.max(this.#tableCellsMin, this.#table.length * 2));
    this.#uuids++;
    this.#place(slot);
  }

  #place(slot: number): void {
    let i = this.#slotHash(slot) & this.#mask;
    while (this.#table[i] !== 0) i = (i + 1) & this.#mask;
    this.#table[i] = slot + 1;
  }

  /**
   * Starts moving the table's cells to a table of `cells` (a resize still under way is finished
   * first). Each remember() then moves enough cells that the move ends before the new table is half
   * full: it has room for cells / 2 - uuids more ids, and the old table's length to go through.
   */
  #resize(cells: number): void {
    if (this.#old !== null) this.#moveOld(this.#old.length);
    if (this.#uuids === 0) {
      this.#table = new Int32Array(cells);
      this.#mask = cells - 1;
      return;
    }
    this.#old = this.#table;
    this.#oldMask = this.#mask;
    this.#oldAt = 0;
    this.#table = new Int32Array(cells);
    this.#mask = cells - 1;
    const room = Math.max(1, cells / 2 - this.#uuids - 1);
    this.#oldStep = Math.ceil((2 * this.#old.length) / room);
  }

  /** Moves up to `n` of the old table's cells into the table; the old one is dropped when done. */
  #moveOld(n: number): void {
    const old = this.#old!;
    const end = Math.min(old.length, this.#oldAt + n);
    for (let i = this.#oldAt; i < end; i++) {
      const cell = old[i]!;
      if (cell > 0) {
        this.#place(cell - 1);
        old[i] = movedCell;
      }
    }
    this.#oldAt = end;
    if (end === old.length) this.#old = null;
  }

  /** Removes a uuid slot from the table (backward-shift deletion keeps every probe run unbroken), or marks its old cell moved. */
  #deleteUuid(slot: number): void {
    this.#uuids--;
    const h = this.#slotHash(slot);
    const t = this.#table;
    const mask = this.#mask;
    let i = h & mask;
    while (t[i] !== slot + 1) {
      if (t[i] === 0) {
        this.#deleteOld(h, slot);
        return;
      }
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

  #deleteOld(h: number, slot: number): void {
    const old = this.#old;
    assert(old !== null, 'a remembered uuid id is missing from the duplicate window table');
    for (let i = h & this.#oldMask; ; i = (i + 1) & this.#oldMask) {
      assert(old[i] !== 0, 'a remembered uuid id is missing from the duplicate window tables');
      if (old[i] === slot + 1) {
        old[i] = movedCell;
        return;
      }
    }
  }

  /** Drops an id from the index and leaves a hole in the ring (popped when it reaches the head). */
  #forget(slot: number): void {
    const c = this.#chunk(slot);
    const i = slot & this.#chunkMask;
    if (kindAt(c, i) === Kind.uuid) this.#deleteUuid(slot);
    else {
      this.#textIndex.delete(this.#texts.get(slot)!);
      this.#texts.delete(slot);
    }
    c.meta[i] = Kind.free;
    if (--this.#size === 0) this.#budget.active--;
  }

  /**
   * Copies the live entries, in order and without holes, to a ring from slot 0, and indexes them in
   * a new table. Only a ring whose span reached #spanMax with holes in at least its slack (ids
   * re-remembered again and again) gets here.
   */
  #compact(): void {
    const from = this.#dir;
    const head = this.#head;
    const count = this.#count;
    const texts = this.#texts;
    this.#dir = new Array<Chunk | undefined>(from.length).fill(undefined);
    this.#chunks = 0;
    this.#head = 0;
    this.#count = 0;
    this.#texts = new Map();
    this.#textIndex = new Map();
    this.#old = null;
    this.#table = new Int32Array(Math.max(this.#tableCellsMin, pow2AtLeast(this.#uuids * 2 + 2)));
    this.#mask = this.#table.length - 1;
    for (let k = 0; k < count; k++) {
      const s = (head + k) & this.#slotMask;
      const c = from[s >>> this.#chunkShift]!;
      const i = s & this.#chunkMask;
      const kd = kindAt(c, i);
      if (kd === Kind.free) continue;
      const slot = this.#count++;
      const offset = c.offsets.at(i);
      const expiresMs = c.expiries.at(i);
      const to = this.#dir[slot >>> this.#chunkShift] ?? this.#newChunk(slot, offset, expiresMs);
      const j = slot & this.#chunkMask;
      to.meta[j] = c.meta[i]!;
      to.offsets.set(j, offset);
      to.expiries.set(j, expiresMs);
      if (kd === Kind.uuid) {
        to.words.set(c.words.subarray(i * 4, i * 4 + 4), j * 4);
        this.#place(slot);
      } else {
        const text = texts.get(s)!;
        this.#texts.set(slot, text);
        this.#textIndex.set(text, slot);
      }
    }
  }
}
