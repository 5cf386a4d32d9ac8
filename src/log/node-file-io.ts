// FileIO on the real file system (node:fs/promises, on the libuv pool: no synchronous fs here).
// datasync is fdatasync(2); fsyncDir opens the directory read-only and fsyncs it (KAFKA-3968).

import { constants, promises as fsp } from 'node:fs';
import type { FileHandle, FileIO } from './file-io.ts';

class NodeFileHandle implements FileHandle {
  readonly #fh: fsp.FileHandle;
  constructor(fh: fsp.FileHandle) {
    this.#fh = fh;
  }
  async read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#fh.read(buf, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
  async writev(buffers: readonly Uint8Array[], position: number): Promise<void> {
    let pending = buffers.filter((b) => b.byteLength > 0);
    let pos = position;
    while (pending.length > 0) {
      const { bytesWritten } = await this.#fh.writev(pending as Uint8Array[], pos);
      pos += bytesWritten;
      let left = bytesWritten;
      const rest: Uint8Array[] = [];
      for (const b of pending) {
        if (left >= b.byteLength) left -= b.byteLength;
        else {
          rest.push(left > 0 ? b.subarray(left) : b);
          left = 0;
        }
      }
      pending = rest;
    }
  }
  datasync(): Promise<void> {
    return this.#fh.datasync();
  }
  truncate(length: number): Promise<void> {
    return this.#fh.truncate(length);
  }
  async size(): Promise<number> {
    return (await this.#fh.stat()).size;
  }
  close(): Promise<void> {
    return this.#fh.close();
  }
}

export class NodeFileIO implements FileIO {
  async open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle> {
    const flags = constants.O_RDWR | (options.create ? constants.O_CREAT : 0) | (options.dsync ? constants.O_DSYNC : 0);
    return new NodeFileHandle(await fsp.open(path, flags, 0o644));
  }
  async readFile(path: string): Promise<Uint8Array | null> {
    try {
      return await fsp.readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  async list(dir: string): Promise<string[]> {
    try {
      return await fsp.readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
  async mkdir(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
  }
  async fsyncDir(dir: string): Promise<void> {
    const fh = await fsp.open(dir, constants.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }
  async unlink(path: string): Promise<void> {
    try {
      await fsp.unlink(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  rmdir(dir: string): Promise<void> {
    return fsp.rm(dir, { recursive: true, force: true });
  }
  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(path);
      return true;
    } catch {
      return false;
    }
  }
  async freeBytes(path: string): Promise<number> {
    const s = await fsp.statfs(path);
    return s.bavail * s.bsize;
  }
}
