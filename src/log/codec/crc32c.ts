// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka record batches v2
// (bytes 21..end) and of Eddy's own index files. Ranges of NATIVE_BYTES_MIN bytes or more go to
// @node-rs/crc32 (hardware CRC instructions; ~3x the JS below on a 1 MiB batch, but its call costs
// more than short ranges take in JS); shorter ones, and every range where that package has no
// binary for the platform (or EDDY_CRC32C=js), use slicing-by-16 over one 16x256 table built at
// load: long ranges read little-endian words through a DataView, short ones byte by byte.
// Invariant: the result is an unsigned 32-bit integer, and crc32cUpdate over consecutive ranges
// equals crc32c over their concatenation, whichever path each range took.

import { createRequire } from 'node:module';

type NativeCrc32c = (input: Buffer, initialState?: number) => number;

/** The native implementation, or null where it cannot load (or EDDY_CRC32C=js). */
export const nativeCrc32c: NativeCrc32c | null = loadNative();

function loadNative(): NativeCrc32c | null {
  if (process.env['EDDY_CRC32C'] === 'js') return null;
  try {
    const m = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: NativeCrc32c };
    return typeof m.crc32c === 'function' ? m.crc32c : null;
  } catch {
    return null; // no prebuilt binary for this platform: the JS path serves
  }
}

/** From this many bytes the native call is faster than the JS loop (measured: 1 KiB 2x, 300 B about even). */
const NATIVE_BYTES_MIN = 512;

const POLY = 0x82f63b78;
/** Below this many bytes a DataView costs more than it saves. */
const WORD_PATH_BYTES_MIN = 256;

/** table[k * 256 + b]: CRC contribution of byte b followed by k zero bytes (k = 0..15). */
const table = buildTable();

function buildTable(): Int32Array {
  const t = new Int32Array(16 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[b] = c;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b]!;
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + b] = c;
    }
  }
  return t;
}

/** CRC-32C of buf[start..end), unsigned. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cUpdate(0, buf, start, end);
}

/**
 * Continues a CRC-32C: `crc` is a previous result (0 to begin). Returns the unsigned CRC of
 * everything already seen followed by buf[start..end).
 */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= buf.length)) {
    throw new RangeError(`crc32c: range ${start}..${end} outside a buffer of ${buf.length} bytes`);
  }
  if (nativeCrc32c !== null && end - start >= NATIVE_BYTES_MIN) {
    return nativeCrc32c(Buffer.from(buf.buffer, buf.byteOffset + start, end - start), crc) >>> 0;
  }
  return crc32cJs(crc, buf, start, end);
}

/** The JS implementation of crc32cUpdate (no range check): short ranges, and platforms without the native one. */
export function crc32cJs(crc: number, buf: Uint8Array, start: number, end: number): number {
  const len16 = (end - start) & ~15;
  let c = ~crc | 0;
  if (len16 >= WORD_PATH_BYTES_MIN) c = words16(c, buf, start, start + len16);
  else c = bytes16(c, buf, start, start + len16);
  const t = table;
  for (let i = start + len16; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** 16 bytes per step, loaded as four little-endian words; (end - i) is a multiple of 16. */
function words16(c: number, buf: Uint8Array, i: number, end: number): number {
  const t = table;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (i < end) {
    const a = c ^ dv.getInt32(i, true);
    const b = dv.getInt32(i + 4, true);
    const d = dv.getInt32(i + 8, true);
    const e = dv.getInt32(i + 12, true);
    c =
      t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^ t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^ t[2560 + ((b >>> 8) & 0xff)]! ^ t[2304 + ((b >>> 16) & 0xff)]! ^ t[2048 + (b >>> 24)]! ^
      t[1792 + (d & 0xff)]! ^ t[1536 + ((d >>> 8) & 0xff)]! ^ t[1280 + ((d >>> 16) & 0xff)]! ^ t[1024 + (d >>> 24)]! ^
      t[768 + (e & 0xff)]! ^ t[512 + ((e >>> 8) & 0xff)]! ^ t[256 + ((e >>> 16) & 0xff)]! ^ t[e >>> 24]!;
    i += 16;
  }
  return c;
}

/** Same as words16 with byte loads: no DataView, for short ranges. */
function bytes16(c: number, buf: Uint8Array, i: number, end: number): number {
  const t = table;
  while (i < end) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^ t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]! ^
      t[2816 + buf[i + 4]!]! ^ t[2560 + buf[i + 5]!]! ^ t[2304 + buf[i + 6]!]! ^ t[2048 + buf[i + 7]!]! ^
      t[1792 + buf[i + 8]!]! ^ t[1536 + buf[i + 9]!]! ^ t[1280 + buf[i + 10]!]! ^ t[1024 + buf[i + 11]!]! ^
      t[768 + buf[i + 12]!]! ^ t[512 + buf[i + 13]!]! ^ t[256 + buf[i + 14]!]! ^ t[buf[i + 15]!]!;
    i += 16;
  }
  return c;
}
