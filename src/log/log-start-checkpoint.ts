// The `log-start-offset` checkpoint of a partition: the offset below which records are deleted (Kafka
// DeleteRecords), kept in the partition directory. Format v1, 17 bytes: magic "EDLS", version int8 = 1,
// log start offset int64 BE, CRC-32C (uint32 BE) of the 13 bytes before it. Written atomically
// (`log-start-offset.tmp`, fdatasync, rename, fsync of the directory), so a crash leaves the old or the
// new checkpoint, whole. A missing or unreadable checkpoint means "no records deleted beyond the first
// segment" (the caller falls back to the first segment's base offset).

import { join } from 'node:path';
import { crc32c } from './codec/crc32c.ts';
import type { FileIO } from './file-io.ts';

export const LOG_START_CHECKPOINT = 'log-start-offset';
const TMP_SUFFIX = '.tmp';
const MAGIC = 0x45444c53; // "EDLS"
const VERSION = 1;
const BYTES = 17;

export function encodeLogStartCheckpoint(offset: number): Buffer {
  const b = Buffer.alloc(BYTES);
  b.writeUInt32BE(MAGIC, 0);
  b.writeInt8(VERSION, 4);
  b.writeBigInt64BE(BigInt(offset), 5);
  b.writeUInt32BE(crc32c(b, 0, 13), 13);
  return b;
}

/** The offset in a checkpoint file's bytes, or null when they are not a valid v1 checkpoint. */
export function decodeLogStartCheckpoint(bytes: Uint8Array): number | null {
  if (bytes.length !== BYTES) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.readUInt32BE(0) !== MAGIC || b.readInt8(4) !== VERSION) return null;
  if (b.readUInt32BE(13) !== crc32c(b, 0, 13)) return null;
  const offset = b.readBigInt64BE(5);
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(offset);
}

export async function readLogStartCheckpoint(io: FileIO, dir: string): Promise<number | null> {
  const bytes = await io.readFile(join(dir, LOG_START_CHECKPOINT));
  return bytes === null ? null : decodeLogStartCheckpoint(bytes);
}

/** Durably replaces the checkpoint (tmp + fdatasync + rename + fsync of the directory). */
export async function writeLogStartCheckpoint(io: FileIO, dir: string, offset: number): Promise<void> {
  const path = join(dir, LOG_START_CHECKPOINT);
  const tmp = path + TMP_SUFFIX;
  const handle = await io.open(tmp, { create: true });
  try {
    await handle.truncate(0);
    await handle.writev([encodeLogStartCheckpoint(offset)], 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await io.rename(tmp, path);
  await io.fsyncDir(dir);
}
