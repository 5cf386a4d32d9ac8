// A file-backed idempotency store for embedded use (one process owns the file: `<path>.lock` holds its
// pid, and a second process opening the same file fails with sdk.store_locked): an append-only
// JSON-lines log of {"g":group,"id":eventId,"exp":expiresAtMs}, each markDone appended and fsynced
// before it resolves (concurrent marks share one fsync), replayed at open with expired and torn
// lines dropped. Invariants: memory holds at most entriesMax live entries (oldest evicted, as the
// memory store); the file is rewritten (temp file, fsync, rename, fsync dir) from the live entries
// whenever it holds more than max(compactMinLines, 2 x live) lines, so it stays bounded too.

import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EddyError } from '../errors.ts';
import { systemClock, type Clock } from '../log/clock.ts';
import { acquirePidLock, type PidLock } from '../log/pid-lock.ts';
import { ExpiringKeys, idempotencyKey, type IdempotencyStore } from './idempotency.ts';

export interface FileIdempotencyStoreOptions {
  /** The JSON-lines file; created (with its directory) if missing. */
  path: string;
  clock?: Clock;
  /** Live entries kept (memory and file); default 1,000,000. */
  entriesMax?: number;
  /** Lines the file may reach before compaction is considered; default 10,000. */
  compactMinLines?: number;
}

interface Line {
  g: string;
  id: string;
  exp: number;
}


export class FileIdempotencyStore implements IdempotencyStore {
  readonly path: string;
  readonly #clock: Clock;
  readonly #compactMinLines: number;
  readonly #marks: ExpiringKeys;
  #fh: FileHandle;
  readonly #lock: PidLock;
  #lines: number;
  /** Lines waiting for the next write + fsync, and who waits for it. */
  #pending: { text: string; done: () => void; failed: (e: unknown) => void }[] = [];
  #writing: Promise<void> | null = null;
  #closed = false;

  private constructor(o: FileIdempotencyStoreOptions, fh: FileHandle, lock: PidLock, lines: number) {
    this.path = o.path;
    this.#lock = lock;
    this.#clock = o.clock ?? systemClock;
    this.#marks = new ExpiringKeys(o.entriesMax ?? 1_000_000);
    this.#compactMinLines = o.compactMinLines ?? 10_000;
    this.#fh = fh;
    this.#lines = lines;
  }

  /** Opens (or creates) the store, replaying the file; rewrites it at once if it held dead lines. */
  static async open(o: FileIdempotencyStoreOptions): Promise<FileIdempotencyStore> {
    if (o.entriesMax !== undefined && (!Number.isSafeInteger(o.entriesMax) || o.entriesMax < 1)) throw new EddyError('sdk.invalid_options', 'entriesMax must be a positive integer');
    await mkdir(dirname(o.path), { recursive: true });
    // Two processes appending and compacting one file would lose each other's marks.
    const lock = await acquirePidLock(`${o.path}.lock`, {
      inUse: (owner) => new EddyError('sdk.store_locked', `idempotency file ${o.path} is in use by process ${owner}`),
      failed: () => new EddyError('sdk.store_locked', `cannot lock idempotency file ${o.path}`),
    });
    let text = '';
    let fh: FileHandle;
    try {
      try {
        text = await readFile(o.path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      fh = await open(o.path, 'a');
    } catch (e) {
      await lock.release();
      throw e;
    }
    const store = new FileIdempotencyStore(o, fh, lock, 0);
    const now = store.#clock.now();
    let lines = 0;
    for (const raw of text.split('\n')) {
      if (raw.length === 0) continue;
      lines++;
      let l: Partial<Line> | null;
      try {
        l = JSON.parse(raw) as Partial<Line> | null;
      } catch {
        continue; // a torn last line after a crash: that mark was never acknowledged
      }
      if (typeof l !== 'object' || l === null || typeof l.g !== 'string' || typeof l.id !== 'string' || typeof l.exp !== 'number' || l.exp <= now) continue;
      store.#marks.remember(idempotencyKey(l.g, l.id), l.exp, now);
    }
    store.#lines = lines;
    if (lines > store.#marks.size || (text.length > 0 && !text.endsWith('\n'))) await store.#compact();
    return store;
  }

  get size(): number {
    return this.#marks.size;
  }

  async has(group: string, eventId: string): Promise<boolean> {
    return this.#marks.has(idempotencyKey(group, eventId), this.#clock.now());
  }

  async markDone(group: string, eventId: string, windowMs: number): Promise<void> {
    if (this.#closed) throw new EddyError('sdk.closed', 'the idempotency store is closed');
    const now = this.#clock.now();
    const exp = now + windowMs;
    this.#marks.remember(idempotencyKey(group, eventId), exp, now);
    const text = JSON.stringify({ g: group, id: eventId, exp } satisfies Line) + '\n';
    await new Promise<void>((done, failed) => {
      this.#pending.push({ text, done, failed });
      this.#writing ??= this.#flush();
    });
  }

  /** Writes every pending line with one fsync, until none is left; compacts when the file grew. */
  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.#fh.write(batch.map((b) => b.text).join(''));
          await this.#fh.sync();
          this.#lines += batch.length;
          if (this.#lines > Math.max(this.#compactMinLines, 2 * this.#marks.size)) await this.#compact();
          for (const b of batch) b.done();
        } catch (e) {
          for (const b of batch) b.failed(e);
        }
      }
    } finally {
      this.#writing = null;
    }
  }

  /** Replaces the file by the live entries: temp file, fsync, rename over, fsync the directory. */
  async #compact(): Promise<void> {
    const now = this.#clock.now();
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    let lines = 0;
    try {
      const parts: string[] = [];
      for (const [k, exp] of this.#marks.entries()) {
        if (exp <= now) continue;
        const i = k.indexOf('\u0000');
        parts.push(JSON.stringify({ g: k.slice(0, i), id: k.slice(i + 1), exp } satisfies Line) + '\n');
        lines++;
      }
      await out.write(parts.join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    await syncDir(dirname(this.path));
    await this.#fh.close();
    this.#fh = await open(this.path, 'a');
    this.#lines = lines;
  }

  /** Waits for pending marks, then closes the file; marks after close are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#writing) await this.#writing;
    await this.#fh.close();
    await this.#lock.release();
  }
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
