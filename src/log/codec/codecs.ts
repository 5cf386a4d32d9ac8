// Registers the snappy, lz4 and zstd record-batch codecs (gzip is built into compression.ts), so
// batches that kcat/librdkafka or Java clients compress can be validated (record count) and read
// over HTTP. Imported once by the broker at startup. Every decompressor is bounded before it runs:
//   - snappy: Kafka's Java clients write xerial framing (a magic header, then length-prefixed raw
//     blocks), librdkafka raw snappy; both are read by our bounded block decoder (snappy-block.ts;
//     snappyjs's decoder loops forever on some inputs), each block's declared length summed
//     against maxBytes first. Compression by snappyjs, in xerial framing as Java writes it.
//   - lz4: our bounded frame decoder (lz4-frame.ts); compression by lz4js (standard LZ4 frames).
//   - zstd: frame structure walked first (zstd-frame.ts: size bound and window), then fzstd;
//     compression by node:zlib when the runtime has zstd (Node >= 22.15), else stored blocks.

import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { limits } from '../../limits.ts';
import { Compression, registerCodec, type CompressionCodec } from './compression.ts';
import { lz4FrameDecompress } from './lz4-frame.ts';
import { snappyBlockDecompress, snappyDeclaredLength } from './snappy-block.ts';
import { fail, ok, type Result } from './result.ts';
import { zstdBound, zstdStoredFrame } from './zstd-frame.ts';

const require = createRequire(import.meta.url);
const snappyjs = require('snappyjs') as { compress(b: Uint8Array): Uint8Array };
/** lz4js, loaded on the first lz4 compression: at load it allocates a 5 MiB block buffer most brokers never use. */
let lz4js: { compress(b: Uint8Array): Uint8Array } | null = null;

const XERIAL_MAGIC = Uint8Array.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK_BYTES = 32 * 1024;

function isXerial(b: Uint8Array): boolean {
  if (b.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (b[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function snappyBlocks(data: Uint8Array): Result<Uint8Array[]> {
  if (!isXerial(data)) return ok([data]);
  const blocks: Uint8Array[] = [];
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let p = XERIAL_HEADER_BYTES; p < data.length; ) {
    if (data.length - p < 4) return fail('bad_compressed_data', 'snappy: truncated xerial block header', 0);
    const n = v.getInt32(p);
    p += 4;
    if (n < 0 || n > data.length - p) return fail('bad_compressed_data', 'snappy: xerial block past the input', 0);
    blocks.push(data.subarray(p, p + n));
    p += n;
  }
  return ok(blocks);
}

const snappy: CompressionCodec = {
  compress(data) {
    const parts: Uint8Array[] = [XERIAL_MAGIC, Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 1])];
    for (let p = 0; p < data.length || p === 0; p += XERIAL_BLOCK_BYTES) {
      const block = snappyjs.compress(data.subarray(p, p + XERIAL_BLOCK_BYTES));
      const len = new Uint8Array(4);
      new DataView(len.buffer).setInt32(0, block.length);
      parts.push(len, block);
      if (data.length === 0) break;
    }
    return Buffer.concat(parts);
  },
  decompress(data, { maxBytes }) {
    const blocks = snappyBlocks(data);
    if (!blocks.ok) return blocks;
    let total = 0;
    for (const b of blocks.value) {
      const n = snappyDeclaredLength(b);
      if (n < 0) return fail('bad_compressed_data', 'snappy: bad length header', 0);
      total += n;
      if (total > maxBytes) return fail('decompressed_too_large', `snappy data inflates past ${maxBytes} bytes`, 0);
    }
    const out: Uint8Array[] = [];
    for (const b of blocks.value) {
      const r = snappyBlockDecompress(b, maxBytes);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out.length === 1 ? out[0]! : Buffer.concat(out));
  },
};

const lz4: CompressionCodec = {
  compress: (data) => (lz4js ??= require('lz4js') as { compress(b: Uint8Array): Uint8Array }).compress(data),
  decompress: (data, { maxBytes }) => lz4FrameDecompress(data, maxBytes),
};

const nodeZstd = zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Buffer };

const zstd: CompressionCodec = {
  compress: (data) => (nodeZstd.zstdCompressSync ? nodeZstd.zstdCompressSync(data) : zstdStoredFrame(data)),
  decompress(data, { maxBytes }) {
    const bound = zstdBound(data, { maxBytes, windowBytesMax: limits.decompressedBytesMax });
    if (!bound.ok) return bound;
    const out = zstdDecompress(data);
    if (out.length > maxBytes) return fail('decompressed_too_large', `zstd data inflates past ${maxBytes} bytes`, 0);
    return ok(out);
  },
};

let registered = false;

/** Installs snappy, lz4 and zstd into the codec registry (idempotent). */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  registerCodec(Compression.snappy, snappy);
  registerCodec(Compression.lz4, lz4);
  registerCodec(Compression.zstd, zstd);
}
