// FileIO on the real file system, on the libuv pool (no synchronous fs here). datasync is
// fdatasync(2); fsyncDir opens the directory read-only and fsyncs it (KAFKA-3968).
// A segment's reads and writes go through node:fs's callback API on a plain descriptor, not a
// promises FileHandle: handing a call to the pool costs the event loop ~7 µs here either way (the
// worker wake-up), and FileHandle's promise and reference bookkeeping added ~10 µs more per call
// (measured on this VM), paid once per group commit and per read that misses the tail cache.

import { close, constants, fdatasync, fstat, ftruncate, open, promises as fsp, read, writev, type Stats } from 'node:fs';
import type { FileHandle, FileIO } from './file-io.ts';

/**
 * A descriptor with the guarantees a FileHandle gave: close() waits for the calls in flight (the
 * number could otherwise be reused by another open while a pool thread still writes through it),
 * and a call after close() fails with EBADF instead of touching whatever file has the number now.
 */
class NodeFileHandle implements FileHandle {
  readonly #fd: number;
  #closing: Promise<void> | null = null;
  #inFlight = 0;
  #idle: (() => void) | null = null;
  constructor(fd: number) {
    this.#fd = fd;
  }
  /** Runs one callback-API call on the descriptor, counted in #inFlight. */
  #call<T>(start: (fd: number, done: (e: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
    if (this.#closing) return Promise.reject(Object.assign(new Error('EBADF: file closed'), { code: 'EBADF' }));
    this.#inFlight++;
    return new Promise<T>((resolve, reject) =>
      start(this.#fd, (e, v) => {
        if (--this.#inFlight === 0) this.#idle?.();
        if (e) reject(e);
        else resolve(v);
      }),
    );
  }
  #readOnce(buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.#call<number>((fd, done) => read(fd, buf, offset, length, position, done));
  }
  async read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const bytesRead = await this.#readOnce(buf, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
  #writevOnce(buffers: Uint8Array[], position: number): Promise<number> {
    return this.#call<number>((fd, done) => writev(fd, buffers, position, done));
  }
  async writev(buffers: readonly Uint8Array[], position: number): Promise<void> {
    let pending = buffers.filter((b) => b.byteLength > 0);
    let pos = position;
    while (pending.length > 0) {
      const bytesWritten = await this.#writevOnce(pending, pos);
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
    return this.#call<undefined>((fd, done) => fdatasync(fd, (e) => done(e, undefined)));
  }
  truncate(length: number): Promise<void> {
    return this.#call<undefined>((fd, done) => ftruncate(fd, length, (e) => done(e, undefined)));
  }
  async size(): Promise<number> {
    return (await this.#call<Stats>((fd, done) => fstat(fd, done))).size;
  }
  /** Closes the descriptor once the calls in flight are done; closing again returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      await new Promise<void>((resolve, reject) => close(this.#fd, (e) => (e ? reject(e) : resolve())));
    })();
    return this.#closing;
  }
}

export class NodeFileIO implements FileIO {
  async open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle> {
    const flags = constants.O_RDWR | (options.create ? constants.O_CREAT : 0) | (options.dsync ? constants.O_DSYNC : 0);
    const fd = await new Promise<number>((resolve, reject) => open(path, flags, 0o644, (e, d) => (e ? reject(e) : resolve(d))));
    return new NodeFileHandle(fd);
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
