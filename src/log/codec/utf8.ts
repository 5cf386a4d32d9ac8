// UTF-8 for short strings (header keys, Kafka protocol strings) without a native call per string:
// ASCII goes through plain JS loops, anything else through Buffer / TextDecoder. Lone surrogates
// become U+FFFD (3 bytes) both when sizing and writing, so utf8Length always equals what
// writeUtf8 writes. Decoding is lenient like Kafka's (invalid bytes become U+FFFD), never throws.

import { Buffer } from 'node:buffer';

/** Strings longer than this go straight to the native codec. */
const SHORT_CHARS_MAX = 64;
const decoder = new TextDecoder('utf-8');

/** Bytes of s encoded as UTF-8. */
export function utf8Length(s: string): number {
  if (s.length <= SHORT_CHARS_MAX) {
    let i = 0;
    while (i < s.length && s.charCodeAt(i) < 0x80) i++;
    if (i === s.length) return i;
  }
  return Buffer.byteLength(s, 'utf8');
}

/** Writes s (whose utf8Length is `bytes`) at buf[pos]; returns the position after it. */
export function writeUtf8(buf: Uint8Array, pos: number, s: string, bytes: number): number {
  if (bytes === s.length && bytes <= SHORT_CHARS_MAX) {
    // Only ASCII has as many bytes as UTF-16 units.
    for (let i = 0; i < bytes; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + bytes;
  }
  const target = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes === s.length) {
    // ASCII: its latin1 bytes are its UTF-8 bytes, and the latin1 writer is the fastest native one.
    target.write(s, pos, bytes, 'latin1');
    return pos + bytes;
  }
  const written = target.write(s, pos, bytes, 'utf8');
  if (written !== bytes) throw new Error(`writeUtf8: expected ${bytes} bytes, wrote ${written}`);
  return pos + bytes;
}

/** Decodes buf[start..end) as UTF-8. */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_CHARS_MAX) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return decoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(buf.subarray(start, end));
}
