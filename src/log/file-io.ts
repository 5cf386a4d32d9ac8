// The log's only door to the disk. Everything in src/log does file I/O through this interface, so a
// fault-injecting twin (src/testing/sim-file-io.ts) can drop, tear or keep unsynced writes at a
// simulated crash and fail any call with ENOSPC or EIO. Paths are absolute or relative to the process.

export interface FileHandle {
  /** Positioned read; returns bytes read (short only at end of file). */
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Positioned write of all the buffers, in order, starting at `position`. Writes everything or throws. */
  writev(buffers: readonly Uint8Array[], position: number): Promise<void>;
  /** Makes every write done through this handle durable (data, and the size). */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface FileIO {
  /**
   * Opens for read and write; creates when `create` is set (the caller then fsyncs the directory).
   * With `dsync`, each writev resolves only once its data (and the size) is durable, as after an
   * fdatasync (O_DSYNC): one trip to the disk instead of write + fdatasync.
   */
  open(path: string, options: { create: boolean; dsync?: boolean }): Promise<FileHandle>;
  /** Reads a whole (small) file, or null when it does not exist. */
  readFile(path: string): Promise<Uint8Array | null>;
  /** Lists the names in a directory ([] when it does not exist). */
  list(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
  /** Makes the directory's entries (creates, renames, deletes) durable. */
  fsyncDir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything in it. */
  rmdir(dir: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Free bytes on the file system holding `path`. */
  freeBytes(path: string): Promise<number>;
}
