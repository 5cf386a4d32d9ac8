// UTF-8 for short strings (header keys, Kafka protocol strings): ASCII is checked and written by
// plain JS loops and read by one native latin1 call on the bytes in place (no view per string);
// anything else goes through Buffer / TextDecoder. Lone surrogates become U+FFFD (3 bytes) both when
// sizing and writing, so utf8Length always equals what writeUtf8 writes. readUtf8 is lenient like
// Kafka's (invalid bytes become U+FFFD), never throws; strictUtf8 tells text from bytes that are not
// UTF-8.

import { Buffer, isAscii as nativeIsAscii } from 'node:buffer';

/** Strings longer than this go straight to the native codec. */
const SHORT_CHARS_MAX = 64;
const decoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

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

/**
 * Node's native latin1 decoder, called on any Uint8Array with a range: no view object per string. On
 * ASCII, latin1 and UTF-8 agree.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/** buf[start..end) as latin1 text, one character per byte (no view on the bytes). */
export function latin1Text(buf: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

/** buf[start..end) as a Uint8Array: buf itself when that is all of it. */
function range(buf: Uint8Array, start: number, end: number): Uint8Array {
  return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
}

/** From this many bytes on, node's native check (SIMD) beats a JS loop even with the view it needs (~200 ns against ~1.7 ns a byte). */
const NATIVE_ASCII_MIN = 192;

function isAscii(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start >= NATIVE_ASCII_MIN) return nativeIsAscii(buf.subarray(start, end));
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/** Longest range asciiText reads (a record's headers). */
const ASCII_TEXT_MAX = 4096;

/** buf[start..end) as one string when it is all ASCII (latin1 and UTF-8 agree) and short, else null. */
export function asciiText(buf: Uint8Array, start: number, end: number): string | null {
  return end - start <= ASCII_TEXT_MAX && isAscii(buf, start, end) ? latin1Text(buf, start, end) : null;
}

/** Longest text recurringText caches, and its slots (a power of two). */
const RECURRING_CHARS_MAX = 32;
const RECURRING_SLOTS = 256;
const recurring: (string | undefined)[] = new Array<string | undefined>(RECURRING_SLOTS).fill(undefined);

/**
 * buf[start..end) as UTF-8, for text that recurs from record to record (header keys: every
 * CloudEvent carries the same ten). Short ASCII text is looked up by its bytes in a small cache of
 * strings read before, so the same key comes back as the same string: a key used as a property name
 * is then not a new string for V8 to hash and internalise each time (1–1.4 µs per record of ten
 * headers). A slot keeps the last text that hashed to it.
 */
export function recurringText(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > RECURRING_CHARS_MAX) return readUtf8(buf, start, end);
  let h = n;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80) return readUtf8(buf, start, end);
    h = Math.imul(h ^ b, 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & (RECURRING_SLOTS - 1);
  const cached = recurring[slot];
  if (cached !== undefined && cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached.charCodeAt(i) !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const text = latin1Text(buf, start, end);
  recurring[slot] = text;
  return text;
}

/** Decodes buf[start..end) as UTF-8. */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_CHARS_MAX && isAscii(buf, start, end)) return latin1Text(buf, start, end);
  return decoder.decode(range(buf, start, end));
}

/**
 * buf[start..end) as text when it is valid UTF-8, else null (its bytes are not text: the HTTP API
 * shows them as base64). Short ASCII needs no view of the bytes.
 */
export function strictUtf8(buf: Uint8Array, start: number, end: number): string | null {
  if (end - start <= SHORT_CHARS_MAX && isAscii(buf, start, end)) return latin1Text(buf, start, end);
  try {
    return strictDecoder.decode(range(buf, start, end));
  } catch {
    return null;
  }
}
