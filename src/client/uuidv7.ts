// UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version 7, 12-bit counter (rand_a,
// RFC 9562 §6.2 method 1 with a random start each millisecond), variant 10, 62 random bits.
// Invariant: ids from one generator sort strictly increasing as strings, even within a millisecond
// or when the clock steps back (the last timestamp is reused and the counter carries into it).

import { fillRandom } from './random-pool.ts';

export interface UuidV7Options {
  now?: () => number;
  /** Fills the buffer with random bytes (inject a seeded one in tests). */
  randomFill?: (bytes: Uint8Array) => void;
}

const COUNTER_MAX = 0xfff;

export function createUuidV7(options: UuidV7Options = {}): () => string {
  const now = options.now ?? Date.now;
  const randomFill = options.randomFill ?? fillRandom;
  let lastMs = -1;
  let counter = 0;
  const rand = new Uint8Array(10);
  const bytes = new Uint8Array(16);
  const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');
  return () => {
    randomFill(rand);
    let ms = Math.max(0, Math.floor(now()));
    if (ms > lastMs) {
      counter = ((rand[0]! << 8) | rand[1]!) & 0x7ff; // top bit clear: room to count up within the ms
    } else {
      ms = lastMs;
      counter++;
      if (counter > COUNTER_MAX) {
        ms = lastMs + 1; // counter overflow: borrow the next millisecond (§6.2)
        counter = 0;
      }
    }
    lastMs = ms;
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (rand[2]! & 0x3f);
    for (let i = 3; i < 10; i++) bytes[i + 6] = rand[i]!;
    // Written as text in place and read as one string (an id per published event: no hex string,
    // slices and concatenation to make and collect).
    for (let i = 0; i < 16; i++) {
      const at = textAt[i]!;
      text[at] = HEX[bytes[i]! >> 4]!;
      text[at + 1] = HEX[bytes[i]! & 0xf]!;
    }
    return text.toString('latin1', 0, 36);
  };
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where byte i of a UUID goes in its 8-4-4-4-12 text. */
const textAt = Uint8Array.from({ length: 16 }, (_, i) => 2 * i + (i >= 4 ? 1 : 0) + (i >= 6 ? 1 : 0) + (i >= 8 ? 1 : 0) + (i >= 10 ? 1 : 0));

export const UUID_V7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds encoded in a UUIDv7. */
export function uuidV7TimeMs(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
