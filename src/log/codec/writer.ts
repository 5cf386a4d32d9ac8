// Encode-side twins of ByteReader: size functions and writers that put a value at buf[pos] and
// return the position after it. Big-endian fixed widths; zigzag varint/varlong for record fields;
// unsigned varint for KIP-482. Callers size the buffer exactly first, so writers do no bounds
// growth; a value outside its type is a programmer error and throws (encoders only).

const TWO_POW_32 = 0x1_0000_0000;

function checkInt32(v: number, what: string): void {
  if ((v | 0) !== v) throw new RangeError(`${what}: ${v} is not an int32`);
}

function checkUint32(v: number, what: string): void {
  if (v >>> 0 !== v) throw new RangeError(`${what}: ${v} is not a uint32`);
}

function checkSafe(v: number, what: string): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what}: ${v} is not a safe integer`);
}

/** Bytes of an unsigned varint holding v (0..2^32-1). */
export function unsignedVarintSize(v: number): number {
  checkUint32(v, 'unsignedVarintSize');
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
}

/** Bytes of a zigzag varint holding the int32 v. */
export function varintSize(v: number): number {
  checkInt32(v, 'varintSize');
  return unsignedVarintSize(((v << 1) ^ (v >> 31)) >>> 0);
}

/** Bytes of a zigzag varlong holding the safe integer v. */
export function varlongSize(v: number): number {
  checkSafe(v, 'varlongSize');
  // zigzag(v) < 2^(7k) <=> |v| (minus one when negative) < 2^(7k-1)
  const m = v < 0 ? -v - 1 : v;
  let size = 1;
  for (let bound = 64; m >= bound; bound *= 128) size++;
  return size;
}

export function writeUnsignedVarint(buf: Uint8Array, pos: number, v: number): number {
  checkUint32(v, 'writeUnsignedVarint');
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  checkInt32(v, 'writeVarint');
  return writeUnsignedVarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
}

export function writeVarlong(buf: Uint8Array, pos: number, v: number): number {
  checkSafe(v, 'writeVarlong');
  if (v >= -0x4000_0000 && v < 0x4000_0000) return writeUnsignedVarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
  // zigzag(v) as a 64-bit (hi, lo) pair: 2m for v >= 0, 2m - 1 for v = -m.
  const m = v < 0 ? -v : v;
  const mHi = Math.floor(m / TWO_POW_32);
  const mLo = m >>> 0;
  let hi = ((mHi << 1) | (mLo >>> 31)) >>> 0;
  let lo = (mLo << 1) >>> 0;
  if (v < 0) {
    if (lo === 0) hi = (hi - 1) >>> 0;
    lo = (lo - 1) >>> 0;
  }
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

export function writeInt8(buf: Uint8Array, pos: number, v: number): number {
  buf[pos] = v;
  return pos + 1;
}

export function writeInt16(buf: Uint8Array, pos: number, v: number): number {
  buf[pos] = v >> 8;
  buf[pos + 1] = v;
  return pos + 2;
}

/** Writes the low 32 bits of v (int32 or uint32) big-endian. */
export function writeInt32(buf: Uint8Array, pos: number, v: number): number {
  buf[pos] = v >>> 24;
  buf[pos + 1] = v >>> 16;
  buf[pos + 2] = v >>> 8;
  buf[pos + 3] = v;
  return pos + 4;
}

/** Writes the safe integer v as a big-endian int64 (two's complement). */
export function writeInt64(buf: Uint8Array, pos: number, v: number): number {
  checkSafe(v, 'writeInt64');
  const hi = Math.floor(v / TWO_POW_32);
  writeInt32(buf, pos, hi);
  return writeInt32(buf, pos + 4, v - hi * TWO_POW_32);
}
