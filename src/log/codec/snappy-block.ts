// A bounded decoder of one raw Snappy block (the format librdkafka writes, and each block of Java's
// xerial framing). Our own, not a library's, because it meets hostile bytes: the declared length is
// checked against maxBytes before anything is allocated, every literal and copy against what
// remains of the input and of that length, and the output must come out exactly as declared.

import { fail, ok, type Result } from './result.ts';

export function snappyDeclaredLength(b: Uint8Array): number {
  let v = 0;
  for (let i = 0, shift = 0; i < b.length && i < 5; i++, shift += 7) {
    v += (b[i]! & 0x7f) * 2 ** shift;
    if (b[i]! < 0x80) return v;
  }
  return -1;
}

export function snappyBlockDecompress(src: Uint8Array, maxBytes: number): Result<Uint8Array> {
  const bad = (why: string) => fail('bad_compressed_data', `snappy: ${why}`, 0);
  let s = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (s >= src.length || shift > 28) return bad('bad length header');
    const b = src[s++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > maxBytes) return fail('decompressed_too_large', `snappy data inflates past ${maxBytes} bytes`, 0);
  const dst = new Uint8Array(length);
  let d = 0;
  while (s < src.length) {
    const c = src[s++]!;
    const kind = c & 3;
    if (kind === 0) {
      let len = (c >> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (src.length - s < n) return bad('truncated literal length');
        len = 0;
        for (let i = n - 1; i >= 0; i--) len = len * 256 + src[s + i]!;
        len += 1;
        s += n;
      }
      if (len > src.length - s || len > length - d) return bad('literal past the input or the declared length');
      dst.set(src.subarray(s, s + len), d);
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (s >= src.length) return bad('truncated copy');
      len = ((c >> 2) & 7) + 4;
      offset = ((c >> 5) << 8) | src[s++]!;
    } else {
      const n = kind === 2 ? 2 : 4;
      if (src.length - s < n) return bad('truncated copy');
      len = (c >> 2) + 1;
      offset = 0;
      for (let i = n - 1; i >= 0; i--) offset = offset * 256 + src[s + i]!;
      s += n;
    }
    if (offset === 0 || offset > d || len > length - d) return bad('copy outside the output');
    for (let i = 0; i < len; i++, d++) dst[d] = dst[d - offset]!;
  }
  if (d !== length) return bad(`${d} bytes decoded, ${length} declared`);
  return ok(dst);
}
