// Crash-safe replacement of a closed segment's `.log` by a cleaned copy (compaction). Protocol, one
// segment at a time: write `<base>.log.cleaned` and fdatasync it; unlink the old `.index`/`.timeindex`
// and fsync the directory; rename `.cleaned` -> `.log.swap` and fsync (the commit point); unlink `.log`,
// rename `.swap` -> `.log`, fsync. Invariant: a `.swap` file is always complete, a `.cleaned` one maybe
// not, and `.log` is touched only after the `.swap` is durable; so recoverSwaps() (run before the
// segments are opened) rolls a `.cleaned` back and finishes a `.swap`, leaving old or new, complete.

import { join } from 'node:path';
import type { FileHandle, FileIO } from './file-io.ts';
import { segmentFileName } from './segment.ts';

const CLEANED = '.cleaned';
const SWAP = '.swap';

function logPath(dir: string, baseOffset: number): string {
  return join(dir, segmentFileName(baseOffset, '.log'));
}

/** Streams the cleaned copy of one segment into `<base>.log.cleaned`. */
export class CleanedWriter {
  readonly path: string;
  readonly #handle: FileHandle;
  bytes = 0;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  static async create(io: FileIO, dir: string, baseOffset: number): Promise<CleanedWriter> {
    const path = logPath(dir, baseOffset) + CLEANED;
    const handle = await io.open(path, { create: true });
    try {
      await handle.truncate(0);
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
    return new CleanedWriter(path, handle);
  }

  async write(buffers: readonly Uint8Array[]): Promise<void> {
    if (buffers.length === 0) return;
    await this.#handle.writev(buffers, this.bytes);
    for (const b of buffers) this.bytes += b.byteLength;
  }

  /** Makes the file durable and closes it (its directory entry is made durable by swapIn). */
  async finish(): Promise<void> {
    try {
      await this.#handle.datasync();
    } finally {
      await this.#handle.close();
    }
  }

  /** Gives up: closes and removes the file. */
  async discard(io: FileIO): Promise<void> {
    await this.#handle.close().catch(() => {});
    await io.unlink(this.path).catch(() => {});
  }
}

/** Puts the finished `.log.cleaned` of `baseOffset` in place of its `.log` (see the file comment). */
export async function swapIn(io: FileIO, dir: string, baseOffset: number): Promise<void> {
  const log = logPath(dir, baseOffset);
  // The old indexes describe the old file: they must be gone before the new one can be `.log`.
  await io.unlink(join(dir, segmentFileName(baseOffset, '.index')));
  await io.unlink(join(dir, segmentFileName(baseOffset, '.timeindex')));
  await io.fsyncDir(dir);
  await io.rename(log + CLEANED, log + SWAP);
  await io.fsyncDir(dir);
  await finishSwap(io, dir, baseOffset);
}

async function finishSwap(io: FileIO, dir: string, baseOffset: number): Promise<void> {
  const log = logPath(dir, baseOffset);
  await io.unlink(log);
  await io.rename(log + SWAP, log);
  await io.fsyncDir(dir);
}

/**
 * Finishes or rolls back swaps a crash interrupted: `.log.cleaned` files are removed, `.log.swap`
 * files replace their `.log` (stale indexes removed). Returns how many files it acted on.
 */
export async function recoverSwaps(io: FileIO, dir: string): Promise<number> {
  let acted = 0;
  for (const name of await io.list(dir)) {
    const m = /^(\d{20})\.log\.(cleaned|swap)$/.exec(name);
    if (!m) continue;
    const base = Number(m[1]);
    acted++;
    if (m[2] === 'cleaned') {
      await io.unlink(join(dir, name));
      continue;
    }
    await io.unlink(join(dir, segmentFileName(base, '.index')));
    await io.unlink(join(dir, segmentFileName(base, '.timeindex')));
    await io.fsyncDir(dir);
    await finishSwap(io, dir, base);
  }
  if (acted > 0) await io.fsyncDir(dir);
  return acted;
}
