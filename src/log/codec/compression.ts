// Record-batch compression by Kafka codec id (attributes bits 0-2). gzip is built in (node:zlib);
// snappy, lz4 and zstd are plugged in later with registerCodec, without touching callers.
// Invariant: decompress never allocates past `maxBytes` for the built-in codec (zlib's
// maxOutputLength aborts a compression bomb) and re-checks the size a plug-in returns; it never
// throws on bad input, answering a typed CodecError instead.

import { gunzipSync, gzipSync } from 'node:zlib';
import { kMaxLength } from 'node:buffer';
import { fail, ok, type Result } from './result.ts';

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionId = (typeof Compression)[keyof typeof Compression];

const names = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** A codec plug-in. decompress must stop past maxBytes ('decompressed_too_large') and not throw. */
export interface CompressionCodec {
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array, opts: { maxBytes: number }): Result<Uint8Array>;
}

const gzip: CompressionCodec = {
  compress: (data) => gzipSync(data),
  decompress(data, { maxBytes }) {
    try {
      // maxOutputLength must be >= 1; an empty result is still accepted for maxBytes 0 below.
      return ok(gunzipSync(data, { maxOutputLength: Math.max(1, Math.min(maxBytes, kMaxLength)) }));
    } catch (e) {
      if (isErrCode(e, 'ERR_BUFFER_TOO_LARGE')) {
        return fail('decompressed_too_large', `gzip data inflates past ${maxBytes} bytes`, 0);
      }
      return fail('bad_compressed_data', `gzip: ${e instanceof Error ? e.message : String(e)}`, 0);
    }
  },
};

const registry = new Map<number, CompressionCodec>([[Compression.gzip, gzip]]);

function isErrCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === code;
}

/** True for the ids Kafka defines (0..4), implemented here or not. */
export function isKnownCompression(id: number): id is CompressionId {
  return Number.isInteger(id) && id >= 0 && id < names.length;
}

export function compressionName(id: number): string {
  return isKnownCompression(id) ? names[id] : `unknown(${id})`;
}

/** True when batches with this codec can be compressed and decompressed here. */
export function hasCodec(id: number): boolean {
  return id === Compression.none || registry.has(id);
}

/** Installs (or replaces) the implementation of a Kafka codec id 1..4. */
export function registerCodec(id: CompressionId, codec: CompressionCodec): void {
  if (id === Compression.none || !isKnownCompression(id)) throw new RangeError(`registerCodec: bad codec id ${id}`);
  registry.set(id, codec);
}

/** Removes a registered codec (gzip included); mostly for tests. */
export function unregisterCodec(id: CompressionId): void {
  registry.delete(id);
}

/** Compresses with codec `id`; an unknown or unregistered codec is a caller error and throws. */
export function compress(id: number, data: Uint8Array): Uint8Array {
  if (id === Compression.none) return data;
  const codec = registry.get(id);
  if (codec === undefined) throw new RangeError(`compress: no ${compressionName(id)} codec registered`);
  return codec.compress(data);
}

/** Decompresses with codec `id`, refusing to produce more than maxBytes. Positions are 0 (whole input). */
export function decompress(id: number, data: Uint8Array, opts: { maxBytes: number }): Result<Uint8Array> {
  const { maxBytes } = opts;
  if (!isKnownCompression(id)) return fail('unknown_compression', `compression codec id ${id} is not defined by Kafka`, 0);
  if (id === Compression.none) {
    if (data.length > maxBytes) return fail('decompressed_too_large', `${data.length} bytes exceed ${maxBytes}`, 0);
    return ok(data);
  }
  const codec = registry.get(id);
  if (codec === undefined) {
    return fail('unsupported_compression', `${compressionName(id)} batches cannot be decompressed: no codec registered`, 0);
  }
  let r: Result<Uint8Array>;
  try {
    r = codec.decompress(data, { maxBytes });
  } catch (e) {
    return fail('bad_compressed_data', `${compressionName(id)}: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
  if (r.ok && r.value.length > maxBytes) {
    return fail('decompressed_too_large', `${compressionName(id)} data inflates past ${maxBytes} bytes`, 0);
  }
  return r;
}
