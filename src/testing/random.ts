// A seeded pseudo-random generator for tests and for injection into log/ and broker/: sfc32, its
// four words seeded from one 32-bit seed through splitmix32. Invariant: the same seed yields the same
// sequence on every platform and Node version, so a failing run replays from the `EDDY_SEED=…` line
// it printed (describeSeed). Not for anything secret.

import { randomBytes } from 'node:crypto';

const u32Range = 2 ** 32;
/** Outputs discarded after seeding so that nearby seeds do not start with correlated numbers. */
const warmUpRounds = 12;
/** bytes(): one call never allocates more than this (a test asking for more has a bug). */
const bytesMax = 64 * 1024 * 1024;

/** What code that only consumes randomness needs (SimFileIO.crash takes this, not the class). */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number;
  /** True with probability p. */
  bool(p?: number): boolean;
}

export class Random implements RandomSource {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= u32Range) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    this.seed = seed;
    let s = seed | 0;
    const splitmix32 = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.#a = splitmix32();
    this.#b = splitmix32();
    this.#c = splitmix32();
    this.#d = splitmix32();
    for (let i = 0; i < warmUpRounds; i++) this.nextU32();
  }

  /** Uniform unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / u32Range;
  }

  int(minInclusive: number, maxExclusive: number): number {
    const range = maxExclusive - minInclusive;
    if (!Number.isSafeInteger(minInclusive) || !Number.isSafeInteger(maxExclusive) || range <= 0 || range > u32Range) {
      throw new RangeError(`int(${minInclusive}, ${maxExclusive}): need integers with 0 < max - min <= 2^32`);
    }
    // Exact: a 32-bit numerator times a <= 33-bit range fits in a double's 53 bits.
    return minInclusive + Math.floor((this.nextU32() * range) / u32Range);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty array');
    return items[this.int(0, items.length)] as T;
  }

  bool(p = 0.5): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bool(p): p must be in [0, 1], got ${p}`);
    return this.next() < p;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    if (!Number.isInteger(length) || length < 0 || length > bytesMax) {
      throw new RangeError(`bytes(${length}): length must be an integer in [0, ${bytesMax}]`);
    }
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      let w = this.nextU32();
      for (let k = i; k < Math.min(i + 4, length); k++, w >>>= 8) out[k] = w & 0xff;
    }
    return out;
  }

  /** An independent generator seeded from this one (e.g. one stream for the workload, one for faults). */
  fork(): Random {
    return new Random(this.nextU32());
  }
}

/** Number(env.EDDY_SEED) when set (must be an integer in [0, 2^32)), else a fresh random 32-bit seed. */
export function seedFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.EDDY_SEED;
  if (raw === undefined || raw.trim() === '') return randomBytes(4).readUInt32LE(0);
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed >= u32Range) {
    throw new RangeError(`EDDY_SEED must be an integer in [0, 2^32), got ${JSON.stringify(raw)}`);
  }
  return seed;
}

/** The line a test prints (or puts in its assertion message) so the run can be replayed. */
export function describeSeed(seed: number): string {
  return `EDDY_SEED=${seed}`;
}
