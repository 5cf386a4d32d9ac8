// A bounded decoder of the LZ4 frame format (what Kafka's record batches v2 carry for codec 3; the
// broken header checksum of Kafka's magic 0/1 era does not apply to v2). Our own code, not a
// library's, because it is the part that meets hostile bytes: every literal and match is checked
// against what remains of the input and of the output budget, so a crafted frame can neither
// allocate past maxBytes nor spin. Checksums (header, block, content) are skipped, as the batch's
// CRC-32C already covers the compressed bytes.

import { fail, ok, type Result } from './result.ts';

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
const BLOCK_SIZES = new Map([
  [4, 64 * 1024],
  [5, 256 * 1024],
  [6, 1024 * 1024],
  [7, 4 * 1024 * 1024],
]);

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** Output of a frame: grows by doubling, never past maxBytes. */
class Out {
  buf = new Uint8Array(0);
  length = 0;
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }
  /** Room for `n` more bytes, or false when that passes maxBytes. */
  reserve(n: number): boolean {
    const need = this.length + n;
    if (need > this.maxBytes) return false;
    if (need <= this.buf.length) return true;
    const next = new Uint8Array(Math.min(this.maxBytes, Math.max(need, this.buf.length * 2, 64 * 1024)));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    return true;
  }
}

export function lz4FrameDecompress(src: Uint8Array, maxBytes: number): Result<Uint8Array> {
  const out = new Out(maxBytes);
  let p = 0;
  while (p < src.length) {
    if (src.length - p < 7) return fail('bad_compressed_data', 'lz4: truncated frame header', 0);
    const magic = u32(src, p);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
      p += 8 + u32(src, p + 4);
      continue;
    }
    if (magic !== MAGIC) return fail('bad_compressed_data', `lz4: bad frame magic 0x${magic.toString(16)}`, 0);
    const flg = src[p + 4]!;
    const bd = src[p + 5]!;
    if (flg >> 6 !== 1) return fail('bad_compressed_data', 'lz4: unsupported frame version', 0);
    const blockMax = BLOCK_SIZES.get((bd >> 4) & 7);
    if (blockMax === undefined) return fail('bad_compressed_data', 'lz4: bad block size id', 0);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    p += 6 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1; // + header checksum byte
    const frameStart = out.length; // matches never reach into an earlier frame
    for (;;) {
      if (src.length - p < 4) return fail('bad_compressed_data', 'lz4: truncated block header', 0);
      const word = u32(src, p);
      p += 4;
      if (word === 0) break; // end mark
      const size = word & 0x7fffffff;
      if (size > blockMax || size > src.length - p) return fail('bad_compressed_data', `lz4: block of ${size} bytes is above ${blockMax} or past the input`, 0);
      if ((word & 0x80000000) !== 0) {
        if (!out.reserve(size)) return fail('decompressed_too_large', `lz4 data inflates past ${maxBytes} bytes`, 0);
        out.buf.set(src.subarray(p, p + size), out.length);
        out.length += size;
      } else {
        const r = decodeBlock(src, p, p + size, out, frameStart, blockMax);
        if (r !== null) return r.code === 'too_large' ? fail('decompressed_too_large', `lz4 data inflates past ${maxBytes} bytes`, 0) : fail('bad_compressed_data', 'lz4: malformed block', 0);
      }
      p += size + (blockChecksum ? 4 : 0);
    }
    p += contentChecksum ? 4 : 0;
  }
  if (p !== src.length) return fail('bad_compressed_data', 'lz4: truncated frame', 0);
  return ok(out.buf.subarray(0, out.length));
}

/**
 * One LZ4 block appended to `out`. Matches may reach back into earlier blocks of the same frame
 * (linked blocks) but not before it. A block yields at most blockMax bytes. Null when decoded.
 */
function decodeBlock(src: Uint8Array, start: number, end: number, out: Out, frameStart: number, blockMax: number): { code: 'too_large' | 'malformed' } | null {
  if (!out.reserve(Math.min(blockMax, out.maxBytes - out.length))) return { code: 'too_large' };
  const limit = out.length + Math.min(blockMax, out.maxBytes - out.length);
  const dst = out.buf;
  let s = start;
  let d = out.length;
  while (s < end) {
    const token = src[s++]!;
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= end) return { code: 'malformed' };
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > end - s) return { code: 'malformed' };
    if (lit > limit - d) return { code: limit - out.length < blockMax ? 'too_large' : 'malformed' };
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s === end) break; // the last sequence has literals only
    if (end - s < 2) return { code: 'malformed' };
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - frameStart) return { code: 'malformed' };
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= end) return { code: 'malformed' };
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    if (len > limit - d) return { code: limit - out.length < blockMax ? 'too_large' : 'malformed' };
    for (let i = 0; i < len; i++, d++) dst[d] = dst[d - offset]!;
  }
  out.length = d;
  return null;
}
