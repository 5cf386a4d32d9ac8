// Zstandard frame structure (RFC 8878), walked without decoding: the bound on what a payload can
// inflate to (raw and RLE blocks say their size, a compressed block yields at most
// min(window, 128 KiB)) and the window sizes a decoder would allocate, both checked before any
// decoder runs; and a stored-block frame writer for when no zstd compressor is available.

import { fail, ok, type Result } from './result.ts';

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
const BLOCK_BYTES_MAX = 128 * 1024;

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function uintLE(b: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[p + i]!;
  return v;
}

/** Upper bound of the decompressed size; fails past maxBytes, for windows above windowBytesMax, or on bad structure. */
export function zstdBound(src: Uint8Array, opts: { maxBytes: number; windowBytesMax: number }): Result<number> {
  const bad = (why: string) => fail('bad_compressed_data', `zstd: ${why}`, 0);
  let p = 0;
  let bound = 0;
  while (p < src.length) {
    if (src.length - p < 5) return bad('truncated frame header');
    const magic = u32(src, p);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
      if (src.length - p < 8) return bad('truncated skippable frame');
      p += 8 + u32(src, p + 4);
      continue;
    }
    if (magic !== MAGIC) return bad(`bad frame magic 0x${magic.toString(16)}`);
    const fhd = src[p + 4]!;
    if ((fhd & 0x08) !== 0) return bad('reserved header bit set');
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >> 6;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    p += 5;
    let window = 0;
    if (!singleSegment) {
      if (p >= src.length) return bad('truncated window descriptor');
      const wd = src[p++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += dictBytes;
    if (src.length - p < fcsBytes) return bad('truncated frame header');
    const fcs = fcsBytes === 0 ? -1 : uintLE(src, p, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    p += fcsBytes;
    if (singleSegment) window = fcs;
    if (window > opts.windowBytesMax) return fail('decompressed_too_large', `zstd: window of ${window} bytes is above ${opts.windowBytesMax}`, 0);
    if (fcs > opts.maxBytes - bound) return fail('decompressed_too_large', `zstd data inflates past ${opts.maxBytes} bytes`, 0);
    const blockMax = Math.min(window, BLOCK_BYTES_MAX);
    for (let last = false; !last; ) {
      if (src.length - p < 3) return bad('truncated block header');
      const h = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16);
      p += 3;
      last = (h & 1) === 1;
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      if (type === 3) return bad('reserved block type');
      if (size > blockMax) return bad(`block of ${size} bytes is above ${blockMax}`);
      const stored = type === 1 ? 1 : size;
      if (stored > src.length - p) return bad('block past the input');
      p += stored;
      bound += type === 2 ? blockMax : size;
      if (bound > opts.maxBytes) return fail('decompressed_too_large', `zstd data inflates past ${opts.maxBytes} bytes`, 0);
    }
    if ((fhd & 0x04) !== 0) p += 4;
    if (p > src.length) return bad('truncated checksum');
  }
  return ok(bound);
}

/** A valid zstd frame of raw (stored) blocks: any decoder reads it; it does not shrink the data. */
export function zstdStoredFrame(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK_BYTES_MAX));
  const out = new Uint8Array(4 + 1 + 8 + blocks * 3 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  out[4] = 0xe0; // FCS 8 bytes, single segment, no checksum, no dictionary
  v.setBigUint64(5, BigInt(data.length), true);
  let p = 13;
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * BLOCK_BYTES_MAX, (i + 1) * BLOCK_BYTES_MAX);
    const h = (chunk.length << 3) | (i === blocks - 1 ? 1 : 0); // type 0: raw
    out[p] = h & 0xff;
    out[p + 1] = (h >> 8) & 0xff;
    out[p + 2] = (h >> 16) & 0xff;
    out.set(chunk, p + 3);
    p += 3 + chunk.length;
  }
  return out;
}
